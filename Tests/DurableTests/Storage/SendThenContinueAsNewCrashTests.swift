import Durable
import Foundation
import Synchronization
import Testing

/// An in-memory store whose durability a test moves by hand, and which can show what a crash at
/// that moment would leave: only what was appended up to the durable position.
final class CrashImageStore: HistoryStore {
    private enum Operation {
        case append(HistoryEvent, String)
        case replace([HistoryEvent], String)
        case remove(String)
    }

    private struct State {
        var operations: [Operation] = []
        var durableThrough: Int = .max
        var waiters: [(position: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var onReplace: [String: @Sendable () -> Void] = [:]
    }

    private let inner = InMemoryHistoryStore()
    private let state = Mutex(State())

    /// From now on nothing appended is durable until ``makeDurable()``.
    func holdDurability() { state.withLock { $0.durableThrough = $0.operations.count } }

    /// Everything appended so far is durable; what comes after is not.
    func makeDurable() {
        let ready = state.withLock { state in
            state.durableThrough = state.operations.count
            let (ready, waiting) = (
                state.waiters.filter { $0.position <= state.durableThrough },
                state.waiters.filter { $0.position > state.durableThrough }
            )
            state.waiters = waiting
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Calls `body` when the instance's history is next replaced (a continue-as-new).
    func onNextReplace(of id: String, _ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.onReplace[id] = body }
    }

    /// The store a SIGKILL would leave right after a sync of everything recorded so far.
    func crashImage() -> InMemoryHistoryStore {
        let image = InMemoryHistoryStore()
        for operation in state.withLock({ $0.operations }) {
            switch operation {
            case .append(let event, let id): _ = image.append(event, to: id)
            case .replace(let events, let id): _ = image.replaceHistory(of: id, with: events)
            case .remove(let id): _ = image.removeHistory(of: id)
            }
        }
        return image
    }

    private func noting(_ operation: Operation) -> JournalPosition {
        JournalPosition(UInt64(state.withLock { state in
            state.operations.append(operation)
            return state.operations.count
        }))
    }

    func append(_ event: HistoryEvent, to instanceId: String) -> JournalPosition {
        _ = inner.append(event, to: instanceId)
        return noting(.append(event, instanceId))
    }

    func replaceHistory(of instanceId: String, with events: [HistoryEvent]) -> JournalPosition {
        _ = inner.replaceHistory(of: instanceId, with: events)
        let position = noting(.replace(events, instanceId))
        state.withLock { $0.onReplace.removeValue(forKey: instanceId) }?()
        return position
    }

    func removeHistory(of instanceId: String) -> JournalPosition {
        _ = inner.removeHistory(of: instanceId)
        return noting(.remove(instanceId))
    }

    func isDurable(_ position: JournalPosition) -> Bool {
        state.withLock { position.offset <= UInt64($0.durableThrough) }
    }

    func waitUntilDurable(_ position: JournalPosition) async {
        await withCheckedContinuation { continuation in
            let durable = state.withLock { state in
                guard position.offset > UInt64(state.durableThrough) else { return true }
                state.waiters.append((Int(clamping: position.offset), continuation))
                return false
            }
            if durable { continuation.resume() }
        }
    }

    func history(of instanceId: String) -> [HistoryEvent]? { inner.history(of: instanceId) }

    func allHistories() -> [String: [HistoryEvent]] { inner.allHistories() }
}

/// Sends "ping" to `inbox`, then continues as new once; the second execution waits for ever.
private struct SendThenContinue: Orchestration {
    func run(_ round: Int, context: OrchestrationContext) async throws -> String {
        guard round == 0 else { return try await context.waitForEvent("never", as: String.self) }
        try await context.sendEvent(to: "inbox", name: "m", payload: "ping")
        try context.continueAsNew(with: 1)
    }
}

private struct OneMessage: Orchestration {
    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        try await context.waitForEvent("m", as: String.self)
    }
}

/// The minimal form of what the lifecycle crash test finds: a sent event is lost when the sender
/// continues as new and a crash comes after that is durable but before the delivery is.
@Suite struct SendThenContinueAsNewCrashTests {
    @Test(.timeLimit(.minutes(1)))
    func aSendIsDeliveredAfterACrashThatFollowsTheSendersContinueAsNew() async throws {
        let store = CrashImageStore()
        let runtime = try await DurableRuntime(storage: .store(store)) {
            SendThenContinue.self
            OneMessage.self
        }
        try await runtime.client.start(OneMessage.self, input: "", instanceId: "inbox")
        _ = try await runtime.client.waitForStart(of: "inbox", timeout: .seconds(10))

        // The send's record is not durable, so its delivery waits; the sender goes on and continues as new.
        store.holdDurability()
        let continued = Gate()
        store.onNextReplace(of: "sender") { continued.open() }
        let starting = Task { try await runtime.client.start(SendThenContinue.self, input: 0, instanceId: "sender") }
        await continued.wait()
        // One group commit makes the send and the continue-as-new durable; the crash comes before
        // the delivery that this sets off is.
        let image = store.crashImage()
        store.makeDurable()
        _ = try await starting.value  // it returns once the start is durable
        runtime.shutdown()
        guard case .executionStarted(_, let input, _, _, _, _) = image.history(of: "sender")?.first?.kind else {
            Issue.record("the sender's history does not start with ExecutionStarted")
            return
        }
        #expect(input == (try Payload(encoding: 1)), "the sender continued as new")

        let recovered = try await DurableRuntime(storage: .store(image)) {
            SendThenContinue.self
            OneMessage.self
        }
        defer { recovered.shutdown() }
        // Before: the EventSent went with the replaced history, recovery had nothing to redeliver,
        // and the inbox waited for ever. Now the send is delivered before the history is replaced.
        let status = try await recovered.client.waitForCompletion(of: "inbox", timeout: .seconds(10))
        #expect(status.output == (try Payload(encoding: "ping")))
    }
}
