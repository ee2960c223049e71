import Durable
import Foundation
import Synchronization
import Testing

/// An in-memory store whose durability a test holds back: after ``hold()``, nothing appended
/// from then on is durable until ``release()``. Everything else is the wrapped store's.
final class HeldDurabilityStore: HistoryStore {
    private struct State {
        var last = JournalPosition(0)
        /// While held, the last position that is durable.
        var durableThrough: JournalPosition?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let inner = InMemoryHistoryStore()
    private let state = Mutex(State())
    /// Called when a wait for a position held back begins.
    private let onHeldWait: @Sendable () -> Void

    init(onHeldWait: @escaping @Sendable () -> Void) {
        self.onHeldWait = onHeldWait
    }

    func hold() { state.withLock { $0.durableThrough = $0.last } }

    func release() {
        let waiters = state.withLock { state in
            state.durableThrough = nil
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func noting(_ position: JournalPosition) -> JournalPosition {
        state.withLock { $0.last = max($0.last, position) }
        return position
    }

    func append(_ event: HistoryEvent, to instanceId: String) -> JournalPosition {
        noting(inner.append(event, to: instanceId))
    }

    func replaceHistory(of instanceId: String, with events: [HistoryEvent]) -> JournalPosition {
        noting(inner.replaceHistory(of: instanceId, with: events))
    }

    func removeHistory(of instanceId: String) -> JournalPosition {
        noting(inner.removeHistory(of: instanceId))
    }

    func isDurable(_ position: JournalPosition) -> Bool {
        state.withLock { state in state.durableThrough.map { position <= $0 } ?? true }
    }

    func waitUntilDurable(_ position: JournalPosition) async {
        await withCheckedContinuation { continuation in
            let held = state.withLock { state in
                guard let durable = state.durableThrough, position > durable else { return false }
                state.waiters.append(continuation)
                return true
            }
            if held { onHeldWait() } else { continuation.resume() }
        }
    }

    func history(of instanceId: String) -> [HistoryEvent]? { inner.history(of: instanceId) }

    func allHistories() -> [String: [HistoryEvent]] { inner.allHistories() }
}

/// Which of several things happened first.
final class FirstOf: Sendable {
    private let first = Mutex<String?>(nil)
    private let happened = Gate()

    func note(_ what: String) {
        first.withLock { $0 = $0 ?? what }
        happened.open()
    }

    /// Waits until something happened, and says what came first.
    func winner() async -> String? {
        await happened.wait()
        return first.withLock { $0 }
    }
}

@Suite struct PurgeDurabilityTests {
    @Test func purgeReturnsOnlyOnceItsRemovalIsDurable() async throws {
        let first = FirstOf()
        let store = HeldDurabilityStore { first.note("a wait for the removal's durability") }
        let runtime = try await DurableRuntime(storage: .store(store)) { AwaitItem.self }
        defer { runtime.shutdown() }
        try await runtime.client.start(AwaitItem.self, input: 0, instanceId: "done")
        try await runtime.client.raiseEvent("done", name: "item", payload: "x")
        _ = try await runtime.client.waitForCompletion(of: "done", timeout: .seconds(10))

        store.hold()
        let purge = Task {
            try await runtime.client.purge("done")
            first.note("purge returned")
        }
        #expect(await first.winner() == "a wait for the removal's durability")
        store.release()
        try await purge.value
        #expect(store.history(of: "done") == nil)
    }

    @Test func aPurgeIsInTheFilesWhenItReturns() async throws {
        let directory = TemporaryDirectory()
        let runtime = try await DurableRuntime(
            storage: .directory(directory.path, options: .init(durability: .groupCommit))
        ) {
            AwaitItem.self
        }
        defer { runtime.shutdown() }
        for id in ["purged", "kept"] {
            try await runtime.client.start(AwaitItem.self, input: 0, instanceId: id)
            try await runtime.client.raiseEvent(id, name: "item", payload: "x")
            _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        }

        try await runtime.client.purge("purged")

        // The files as a kill right now would leave them: no shutdown, no close.
        let copy = try directory.copy()
        let reopened = try FileJournal(directory: copy.path)
        defer { reopened.close() }
        #expect(reopened.history(of: "purged") == nil)
        #expect(reopened.history(of: "kept")?.last?.kind.name == "ExecutionCompleted")
    }
}
