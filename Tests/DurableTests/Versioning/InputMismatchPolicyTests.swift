@testable import Durable
import Foundation
import Testing

private struct AddUp: Activity {
    static let name = "AddUp"
    func run(_ amount: Int, context: ActivityContext) async throws -> Int { amount }
}

/// Recorded with AddUp(5) then AddUp(7); this build swaps the two calls: by name it replays,
/// each call getting the other's recorded result.
private struct TotalSwapped: Orchestration {
    static let name = "Total"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let first = try await context.call(AddUp.self, 7)
        let second = try await context.call(AddUp.self, 5)
        let go: Int = try await context.waitForEvent("go")
        return first * 100 + second + go
    }
}

@Suite struct InputMismatchPolicyTests {
    private let start = Date(timeIntervalSinceReferenceDate: 800_000_000)
    private let id = "total-1"

    /// Both calls done (AddUp(5), AddUp(7)), waiting for "go".
    private func recorded() throws -> [HistoryEvent] {
        let kinds: [HistoryEvent.Kind] = [
            .executionStarted(name: "Total", input: try Payload(encoding: 0), parent: nil, scheduledStart: nil, executionId: "e1"),
            .taskScheduled(sequence: 0, name: "AddUp", input: try Payload(encoding: 5), attempt: 1),
            .taskCompleted(sequence: 0, result: try Payload(encoding: 5)),
            .taskScheduled(sequence: 1, name: "AddUp", input: try Payload(encoding: 7), attempt: 1),
            .taskCompleted(sequence: 1, result: try Payload(encoding: 7)),
        ]
        return kinds.enumerated().map { HistoryEvent($1, at: start.addingTimeInterval(Double($0))) }
    }

    private func runtime(_ policy: InputMismatchPolicy?) async throws -> (DurableRuntime, ManualClock) {
        let clock = ManualClock(now: start.addingTimeInterval(10))
        var configuration = DurableRuntime.Configuration(clock: clock)
        if let policy { configuration.onInputMismatch = policy }
        let store = InMemoryHistoryStore(histories: [id: try recorded()])
        let runtime = try await DurableRuntime(storage: .store(store), configuration: configuration) {
            TotalSwapped.self
            AddUp()
        }
        return (runtime, clock)
    }

    @Test func heldUnderHoldWithAnErrorNamingTheStep() async throws {
        let (runtime, _) = try await runtime(.hold)
        defer { runtime.shutdown() }
        await #expect(throws: DurableError.self) { try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10)) }
        let status = try await runtime.client.status(of: id)
        #expect(status.runtimeStatus == .quarantined)
        let failure = try #require(status.failure)
        #expect(failure.errorType == String(reflecting: NondeterminismError.self))
        #expect(failure.message.contains("at sequence #0"), "\(failure.message)")
        #expect(failure.message.contains(InputFingerprint(try Payload(encoding: 5)).description))
        #expect(failure.message.contains(InputFingerprint(try Payload(encoding: 7)).description))
        // Held: nothing recorded.
        #expect(try await runtime.client.history(of: id).count == 5)
    }

    @Test func failedUnderFailAsItsRecordedEnd() async throws {
        let (runtime, _) = try await runtime(.fail)
        defer { runtime.shutdown() }
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.errorType == String(reflecting: NondeterminismError.self))
        #expect(try await runtime.client.history(of: id).last?.kind.name == "ExecutionFailed")
    }

    /// Off (the default) the name-only replay goes on, with the results swapped, as before the option.
    @Test func offByDefaultTheSwappedCallsReplayByName() async throws {
        for policy in [nil, InputMismatchPolicy.ignore] {
            let (runtime, clock) = try await runtime(policy)
            defer { runtime.shutdown() }
            do {
                _ = try await clock.advance(untilFinished: id, in: runtime)
                Issue.record("finished without its event")
            } catch DurableError.waitsForInput(let ids) {
                #expect(ids == [id])
            }
            try await runtime.client.raiseEvent(id, name: "go", payload: 1)
            let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
            #expect(try status.output(as: Int.self) == 5 * 100 + 7 + 1)  // each call got the other's result
        }
    }
}
