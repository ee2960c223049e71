import Durable
import Foundation
import Synchronization
import Testing

/// A store that runs out of disk on cue: from the first append of an event `breaks` picks on,
/// every append throws an ENOSPC-like `JournalError.io` (`.appends`), or that event is taken but
/// never becomes durable — its sync fails — and every later append throws (`.syncs`), as a
/// `FileJournal` whose write or `fsync` failed does. Everything else is the wrapped store's (an
/// ``InMemoryHistoryStore`` or a ``FileJournal``). `heal()` makes it whole again (space came back),
/// for a restart over the same histories.
final class DiskFullStore: HistoryStore {
    enum Failing: Sendable { case appends, syncs }

    private struct State {
        var broken = false
        var healed = false
        /// Under `.syncs`: the first position that never became durable.
        var undurableFrom: JournalPosition?
    }

    private let inner: any HistoryStore
    private let state = Mutex(State())
    private let breaks: @Sendable (HistoryEvent) -> Bool
    private let failing: Failing
    let dispatchWaitsForDurability: Bool

    static let diskFull = JournalError.io(operation: "write", path: "x", errno: ENOSPC)

    init(
        wrapping inner: any HistoryStore = InMemoryHistoryStore(), _ failing: Failing, strict: Bool = false,
        breaksAt breaks: @escaping @Sendable (HistoryEvent) -> Bool
    ) {
        self.inner = inner
        self.breaks = breaks
        self.failing = failing
        self.dispatchWaitsForDurability = strict || inner.dispatchWaitsForDurability
    }

    /// Breaks at the first append of an event of this kind (`HistoryEvent.Kind.name`).
    convenience init(failingFrom kind: String, _ failing: Failing, strict: Bool = false) {
        self.init(failing, strict: strict) { $0.kind.name == kind }
    }

    func heal() { state.withLock { $0 = State(healed: true) } }

    private func checked(_ events: [HistoryEvent], _ body: () throws -> JournalPosition) throws -> JournalPosition {
        try state.withLock { state in
            if state.broken { throw Self.diskFull }
            guard !state.healed, events.contains(where: breaks) else { return try body() }
            state.broken = true
            switch failing {
            case .appends:
                throw Self.diskFull
            case .syncs:
                let position = try body()
                state.undurableFrom = position
                return position
            }
        }
    }

    func append(_ event: HistoryEvent, to instanceId: String) throws -> JournalPosition {
        try checked([event]) { try inner.append(event, to: instanceId) }
    }

    func replaceHistory(of instanceId: String, with events: [HistoryEvent]) throws -> JournalPosition {
        try checked(events) { try inner.replaceHistory(of: instanceId, with: events) }
    }

    func removeHistory(of instanceId: String) throws -> JournalPosition {
        try checked([]) { try inner.removeHistory(of: instanceId) }
    }

    private func undurable(_ position: JournalPosition) -> Bool {
        state.withLock { state in state.undurableFrom.map { position >= $0 } ?? false }
    }

    func isDurable(_ position: JournalPosition) -> Bool { !undurable(position) && inner.isDurable(position) }

    func waitUntilDurable(_ position: JournalPosition) async throws {
        if undurable(position) { throw Self.diskFull }
        try await inner.waitUntilDurable(position)
    }

    func whenDurable(_ position: JournalPosition, _ body: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        if undurable(position) { return body(.failure(Self.diskFull)) }
        inner.whenDurable(position, body)
    }

    func close() { inner.close() }
    func history(of instanceId: String) throws -> [HistoryEvent]? { try inner.history(of: instanceId) }
    func allHistories() throws -> [String: [HistoryEvent]] { try inner.allHistories() }
}

struct DiskFullIncrement: Activity {
    func run(_ value: Int, context: ActivityContext) async throws -> Int { value + 1 }
}

struct DiskFullChain: Orchestration {
    func run(_ value: Int, context: OrchestrationContext) async throws -> Int {
        let once = try await context.call(DiskFullIncrement.self, value)
        return try await context.call(DiskFullIncrement.self, once)
    }
}

/// Continues as new once (from a negative input to its absolute value), then runs the chain.
struct DiskFullContinuing: Orchestration {
    func run(_ value: Int, context: OrchestrationContext) async throws -> Int {
        if value < 0 { try context.continueAsNew(with: -value) }
        return try await context.callSubOrchestration(DiskFullChain.self, value, instanceId: "\(context.instanceId)-child")
    }
}

@Suite("A store that cannot write (disk full)")
struct StorageFailureTests {
    private func runtime(on store: DiskFullStore) async throws -> DurableRuntime {
        try await DurableRuntime(storage: .store(store)) {
            DiskFullChain.self
            DiskFullContinuing.self
            DiskFullIncrement()
        }
    }

    /// Waits for the instance with a short timeout, so code that never answers fails the test
    /// (`timedOut`) instead of hanging the suite; returns the `storageFailed` reason.
    private func expectStorageFailed(_ id: String, on runtime: DurableRuntime) async throws -> String? {
        do {
            let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
            Issue.record("instance \(id) was published \(status.runtimeStatus) (\(String(describing: status.failure)))")
        } catch DurableError.storageFailed(let instanceId, let reason) {
            #expect(instanceId == id)
            return reason
        } catch {
            Issue.record("waiting for \(id) threw \(error), not storageFailed")
        }
        return nil
    }

    /// Restarts on the healed store and checks every instance completes with the chain's output.
    private func expectRestartCompletes(_ ids: [String], inputs: [Int], store: DiskFullStore) async throws {
        store.heal()
        let restarted = try await runtime(on: store)
        defer { restarted.shutdown() }
        for (id, input) in zip(ids, inputs) {
            let output = try await restarted.client.result(of: id, as: DiskFullChain.self, timeout: .seconds(10))
            #expect(output == input + 2)
            let history = try await restarted.client.history(of: id)
            #expect(history.count(of: "ExecutionFailed") == 0)
            #expect(history.count(of: "ExecutionCompleted") == 1)
        }
    }

    @Test("a failed append stops instances (not failed), answers every waiter, and a restart completes them", arguments: [false, true])
    func failedAppendStopsInstances(strict: Bool) async throws {
        let store = DiskFullStore(failingFrom: "TaskCompleted", .appends, strict: strict)
        let runtime = try await runtime(on: store)
        let inputs = [10, 20, 30]
        let ids = try await runtime.client.start(DiskFullChain.self, inputs: inputs)
        for id in ids {
            let reason = try await expectStorageFailed(id, on: runtime)
            #expect(reason?.contains("\(ENOSPC)") == true || reason?.contains("write") == true)
            let status = try await runtime.client.status(of: id)
            #expect(status.runtimeStatus == .running)  // what history says: nothing recorded it failed
            #expect(status.failure == nil)
            #expect(status.storageFailure != nil)
            #expect(try await runtime.client.history(of: id).count(of: "ExecutionFailed") == 0)
            // Every later wait and call that needs the instance answers at once, with the typed error.
            await #expect(throws: DurableError.self) {
                _ = try await runtime.client.result(of: id, as: DiskFullChain.self, timeout: .seconds(3))
            }
            await #expect(throws: DurableError.storageFailed(instanceId: id, reason: status.storageFailure ?? "")) {
                try await runtime.client.raiseEvent(id, name: "late", payload: 1)
            }
            await #expect(throws: DurableError.storageFailed(instanceId: id, reason: status.storageFailure ?? "")) {
                try await runtime.client.terminate(id)
            }
        }
        // A start needs the journal: it fails with the store's own error.
        await #expect(throws: JournalError.self) { _ = try await runtime.client.start(DiskFullChain.self, input: 1) }
        runtime.shutdown()
        try await expectRestartCompletes(ids, inputs: inputs, store: store)
    }

    @Test("an end that cannot be appended is not published", arguments: [false, true])
    func unrecordedEndIsNotPublished(strict: Bool) async throws {
        let store = DiskFullStore(failingFrom: "ExecutionCompleted", .appends, strict: strict)
        let runtime = try await runtime(on: store)
        let inputs = [1, 2, 3]
        let ids = try await runtime.client.start(DiskFullChain.self, inputs: inputs)
        for id in ids {
            _ = try await expectStorageFailed(id, on: runtime)
            let status = try await runtime.client.status(of: id)
            #expect(status.runtimeStatus == .running)
            #expect(status.output == nil)
        }
        runtime.shutdown()
        try await expectRestartCompletes(ids, inputs: inputs, store: store)
    }

    @Test("an end whose sync fails answers its waiters instead of retiring silently", arguments: [false, true])
    func undurableEndAnswersWaiters(strict: Bool) async throws {
        let store = DiskFullStore(failingFrom: "ExecutionCompleted", .syncs, strict: strict)
        let runtime = try await runtime(on: store)
        let id = try await runtime.client.start(DiskFullChain.self, input: 5)
        _ = try await expectStorageFailed(id, on: runtime)
        let status = try await runtime.client.status(of: id)
        #expect(status.runtimeStatus == .running)
        #expect(status.storageFailure != nil)
        // A wait that begins after the stop is answered at once too.
        await #expect(throws: DurableError.self) {
            _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        }
        runtime.shutdown()
        try await expectRestartCompletes([id], inputs: [5], store: store)
    }

    @Test("a step whose sync fails stops instances (strict: before its effects go out)", arguments: [false, true])
    func failedStepSyncStopsInstances(strict: Bool) async throws {
        let store = DiskFullStore(failingFrom: "TaskCompleted", .syncs, strict: strict)
        let runtime = try await runtime(on: store)
        let inputs = [3, 4]
        let ids = try await runtime.client.start(DiskFullChain.self, inputs: inputs)
        for id in ids {
            _ = try await expectStorageFailed(id, on: runtime)
            let status = try await runtime.client.status(of: id)
            #expect(status.runtimeStatus == .running)
            #expect(status.failure == nil)
            #expect(status.storageFailure != nil)
        }
        runtime.shutdown()
        try await expectRestartCompletes(ids, inputs: inputs, store: store)
    }

    @Test("a child's start that cannot be recorded stops the parent, not fails it")
    func unrecordedChildStartStopsParent() async throws {
        let store = DiskFullStore(.appends) { event in
            if case .executionStarted(_, _, .some, _, _, _) = event.kind { return true }
            return false
        }
        let runtime = try await runtime(on: store)
        let id = try await runtime.client.start(DiskFullContinuing.self, input: 7)
        _ = try await expectStorageFailed(id, on: runtime)
        let status = try await runtime.client.status(of: id)
        #expect(status.runtimeStatus == .running)
        #expect(status.failure == nil)
        #expect(try await runtime.client.history(of: id).count(of: "SubOrchestrationFailed") == 0)
        runtime.shutdown()
        store.heal()
        let restarted = try await self.runtime(on: store)
        defer { restarted.shutdown() }
        #expect(try await restarted.client.result(of: id, as: DiskFullContinuing.self, timeout: .seconds(10)) == 9)
    }

    @Test("a child that stops stops the parent waiting for it, and a restart completes both")
    func stoppedChildStopsParent() async throws {
        let store = DiskFullStore(failingFrom: "TaskCompleted", .appends)
        let runtime = try await runtime(on: store)
        let id = try await runtime.client.start(DiskFullContinuing.self, input: 7)
        _ = try await expectStorageFailed(id, on: runtime)
        _ = try await expectStorageFailed("\(id)-child", on: runtime)
        for instance in [id, "\(id)-child"] {
            let status = try await runtime.client.status(of: instance)
            #expect(status.runtimeStatus == .running)
            #expect(status.storageFailure != nil)
        }
        runtime.shutdown()
        store.heal()
        let restarted = try await self.runtime(on: store)
        defer { restarted.shutdown() }
        #expect(try await restarted.client.result(of: id, as: DiskFullContinuing.self, timeout: .seconds(10)) == 9)
    }

    @Test("a continue-as-new that cannot be recorded stops the instance, not fails it")
    func unrecordedContinueAsNewStops() async throws {
        let store = DiskFullStore(.appends) { event in
            if case .executionStarted(_, let input, _, _, _, _) = event.kind { return input == (try? Payload(encoding: 4)) }
            return false
        }
        let runtime = try await runtime(on: store)
        let id = try await runtime.client.start(DiskFullContinuing.self, input: -4)
        _ = try await expectStorageFailed(id, on: runtime)
        let status = try await runtime.client.status(of: id)
        #expect(status.runtimeStatus == .running)
        #expect(status.failure == nil)
        #expect(try await runtime.client.history(of: id).count(of: "ExecutionFailed") == 0)
        runtime.shutdown()
        store.heal()
        let restarted = try await self.runtime(on: store)
        defer { restarted.shutdown() }
        #expect(try await restarted.client.result(of: id, as: DiskFullContinuing.self, timeout: .seconds(10)) == 6)
    }

    @Test("over a file journal: stopped instances resume and complete after a restart on the same directory")
    func fileJournalRestartResumes() async throws {
        let directory = TemporaryDirectory()
        let store = DiskFullStore(wrapping: try FileJournal(directory: directory.path), .appends) {
            $0.kind.name == "TaskCompleted"
        }
        let runtime = try await runtime(on: store)
        let inputs = [100, 200, 300, 400]
        let ids = try await runtime.client.start(DiskFullChain.self, inputs: inputs)
        for id in ids {
            _ = try await expectStorageFailed(id, on: runtime)
            #expect(try await runtime.client.status(of: id).runtimeStatus == .running)
        }
        runtime.shutdown()
        let restarted = try await DurableRuntime(storage: .directory(directory.path)) {
            DiskFullChain.self
            DiskFullIncrement()
        }
        defer { restarted.shutdown() }
        for (id, input) in zip(ids, inputs) {
            #expect(try await restarted.client.result(of: id, as: DiskFullChain.self, timeout: .seconds(10)) == input + 2)
            #expect(try await restarted.client.history(of: id).count(of: "ExecutionFailed") == 0)
        }
    }
}
