import Durable
import Foundation
import Synchronization
import Testing

/// Stands in for a payment provider's webhook: raises the event its caller waits for.
private struct PaymentProviderStub: Activity {
    func run(_ amount: Int, context: ActivityContext) async throws -> String {
        try await context.client.raiseEvent(context.instanceId, name: "payment-accepted", payload: "txn-\(amount)")
        return "requested"
    }
}

private struct PayAndWait: Orchestration {
    func run(_ amount: Int, context: OrchestrationContext) async throws -> String {
        _ = try await context.call(PaymentProviderStub.self, amount)
        return try await context.waitForEvent("payment-accepted", as: String.self)
    }
}

private final class CallIDLog: Sendable {
    private let ids = Mutex<[ActivityCallID]>([])
    func append(_ id: ActivityCallID) { ids.withLock { $0.append(id) } }
    var all: [ActivityCallID] { ids.withLock { $0 } }
}

/// Records each call's id; fails the first `failures` attempts, waits for `release` before returning.
private struct RecordCallID: Activity {
    let seen: CallIDLog
    let failures: Int
    let release: Gate
    init(seen: CallIDLog, failures: Int = 0, release: Gate = .opened()) {
        self.seen = seen
        self.failures = failures
        self.release = release
    }

    func run(_ input: String, context: ActivityContext) async throws -> String {
        seen.append(context.callId)
        if context.attempt <= failures { throw PaymentDeclined(reason: "attempt \(context.attempt)") }
        await release.wait()
        return context.callId.idempotencyKey
    }
}

private struct CallTwice: Orchestration {
    func run(_ input: String, context: OrchestrationContext) async throws -> [String] {
        let retry = RetryPolicy.exponential(first: .seconds(1), attempts: 2)
        let first = try await context.call(RecordCallID.self, "a", retry: retry)
        let second = try await context.call(RecordCallID.self, "b", retry: retry)
        return [first, second]
    }
}

private struct CallOnce: Orchestration {
    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        try await context.call(RecordCallID.self, input)
    }
}

@Suite struct ActivityContextTests {
    @Test func anActivityRaisesAnEventThroughTheRuntimesClient() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            PayAndWait.self
            PaymentProviderStub()
        }
        let id = try await runtime.client.start(PayAndWait.self, input: 42)
        #expect(try await runtime.client.result(of: id, as: PayAndWait.self, timeout: .seconds(30)) == "txn-42")
    }

    /// Each call, and each attempt of it, has its own key, made of the instance, the execution and
    /// the call's sequence number in history.
    @Test func callIdsNameTheInstanceExecutionAndStep() async throws {
        let clock = ManualClock()
        let seen = CallIDLog()
        let runtime = try await DurableRuntime.manual(clock) {
            CallTwice.self
            RecordCallID(seen: seen, failures: 1)
        }
        let id = try await runtime.client.start(CallTwice.self, input: "")
        let status = try await clock.advance(untilFinished: id, in: runtime)
        let history = try await runtime.client.history(of: id)
        let scheduled = history.compactMap { event -> Int? in
            if case .taskScheduled(let sequence, _, _, _) = event.kind { return sequence }
            return nil
        }
        let ids = seen.all
        #expect(ids.map(\.sequence) == scheduled)
        #expect(ids.count == 4)  // two calls, each failing its first attempt
        #expect(Set(ids.map(\.idempotencyKey)).count == 4)
        #expect(ids.allSatisfy { $0.instanceId == id && $0.executionId == status.executionId && !$0.executionId.isEmpty })
        #expect(try status.output?.decode([String].self) == [ids[1].idempotencyKey, ids[3].idempotencyKey])
    }

    /// An attempt that runs again after the runtime stopped has the key it had the first time.
    @Test func aCallRunAgainAfterARestartKeepsItsKey() async throws {
        let store = InMemoryHistoryStore()
        let seen = CallIDLog()
        let never = Gate()
        let first = try await DurableRuntime(storage: .store(store)) {
            CallOnce.self
            RecordCallID(seen: seen, release: never)
        }
        let id = try await first.client.start(CallOnce.self, input: "x")
        while seen.all.isEmpty { await Task.yield() }
        first.shutdown()
        let second = try await DurableRuntime(storage: .store(store)) {
            CallOnce.self
            RecordCallID(seen: seen)
        }
        let key = try await second.client.result(of: id, as: CallOnce.self, timeout: .seconds(30))
        let ids = seen.all
        #expect(ids.count == 2)
        #expect(ids[0] == ids[1])
        #expect(key == ids[0].idempotencyKey)
        second.shutdown()
    }
}
