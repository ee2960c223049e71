import Durable
import Foundation
import Testing

/// Which execution of its target a sent event reaches: the one that took events when the send was
/// recorded, decided by execution identity — never by timestamps, which tie under a ManualClock.
@Suite struct SendEventExecutionTests {
    private func runtime(_ clock: ManualClock, _ store: InMemoryHistoryStore) async throws -> DurableRuntime {
        try await DurableRuntime.manual(clock, storage: .store(store)) {
            SendTwice.self
            CollectSent.self
        }
    }

    /// m0 reached the target's first execution; the id is then reused at the same instant. The
    /// restart delivers m0 again: the new execution must not take it (the old code compared start
    /// and send times, which tie, and the new execution returned "send-0/m0").
    @Test func aSendRecordedForOneExecutionDoesNotReachTheNextWhenClocksTie() async throws {
        let clock = ManualClock()
        let store = InMemoryHistoryStore()
        let first = try await runtime(clock, store)
        try await first.client.start(CollectSent.self, input: 1, instanceId: "recv")
        try await first.client.start(SendTwice.self, input: "recv", instanceId: "send-0")
        #expect(try await first.client.result(of: "recv", as: CollectSent.self, timeout: .seconds(5)) == "send-0/m0")
        try await first.client.start(CollectSent.self, input: 1, instanceId: "recv", reuse: .replaceFinished)
        first.shutdown()

        let second = try await runtime(clock, store)  // recovery delivers every recorded send again
        defer { second.shutdown() }
        try await second.client.raiseEvent("send-0", name: "go", payload: 1)  // m1, recorded for the new execution
        #expect(try await second.client.result(of: "recv", as: CollectSent.self, timeout: .seconds(5)) == "send-0/m1")
        #expect(clock.now == ManualClock().now)  // no time passed: every start and send tied
    }

    /// m0 is recorded while the target does not exist; the target then starts at the same
    /// instant. Neither the live send nor recovery's repeat reaches it (the old code delivered
    /// the repeat: the times tie).
    @Test func aSendRecordedBeforeItsTargetExistedNeverReachesItWhenClocksTie() async throws {
        let clock = ManualClock()
        let store = InMemoryHistoryStore()
        let first = try await runtime(clock, store)
        try await first.client.start(SendTwice.self, input: "recv", instanceId: "send-0")
        try await waitUntil { store.history(of: "send-0")?.contains { $0.kind.name == "EventSent" } == true }
        try await first.client.start(CollectSent.self, input: 1, instanceId: "recv")
        first.shutdown()

        let second = try await runtime(clock, store)
        defer { second.shutdown() }
        try await second.client.raiseEvent("send-0", name: "go", payload: 1)
        #expect(try await second.client.result(of: "recv", as: CollectSent.self, timeout: .seconds(5)) == "send-0/m1")
    }
}

/// Waits for `condition`, checking every 2 ms for at most 2 s.
private func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<1000 where !condition() { try await Task.sleep(for: .milliseconds(2)) }
}
