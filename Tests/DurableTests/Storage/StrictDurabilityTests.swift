import Durable
import Foundation
import Testing

/// Calls `Increment`, shows the result as its custom status, then sleeps a minute.
struct CallThenShowThenSleep: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let value = try await context.call(Increment.self, input)
        context.setCustomStatus(value)
        try await context.sleep(for: .seconds(60))
        return value
    }
}

/// Calls `Increment` and starts an `AwaitItem` child with the result as its id.
struct CallThenStartChild: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        let value = try await context.call(Increment.self, input)
        return try await context.callSubOrchestration(AwaitItem.self, value, instanceId: "child-\(value)")
    }
}

/// Calls `Increment` and `SnapshotJournal` together; on one worker the snapshot runs once the
/// worker is done delivering the first result. After that result the code waits for an event
/// (`waitsForEvent`) or for the snapshot's result (a fan-in still waiting): either way its drain
/// carries nothing out, so nothing but the delivery itself can have synced the result.
struct CallThenWait: Orchestration {
    func run(_ waitsForEvent: Bool, context: OrchestrationContext) async throws -> [Int] {
        async let first = context.call(Increment.self, 0)
        async let snapshot = context.call(SnapshotJournal.self, 1)
        _ = try await first
        if waitsForEvent { _ = try await context.waitForEvent("go", as: String.self) }
        return try await snapshot
    }
}

/// What a crash right now would leave of the instance's history: the copy of the journal's files.
private func historyInCopy(of directory: TemporaryDirectory, _ id: String) throws -> [HistoryEvent] {
    let copy = try directory.copy()
    let journal = try FileJournal(directory: copy.path, options: .init(log: { _ in }))
    defer { journal.close() }
    return journal.history(of: id) ?? []
}

/// Asks `condition` again and again (yielding between) until it holds: the test then looks at the
/// moment the engine made it true. The deadline only bounds a failure.
private func untilTrue(_ condition: () async throws -> Bool) async rethrows {
    let deadline = ContinuousClock.now + .seconds(10)
    while try await !condition(), ContinuousClock.now < deadline { await Task.yield() }
}

/// Under strict durability, a result is on disk before anything that follows it leaves the
/// instance, and before the thread that delivered it goes on to anything else.
@Suite struct StrictDurabilityTests {
    private static func strictRuntime(
        _ directory: TemporaryDirectory, clock: ManualClock = ManualClock(), maxConcurrentActivities: Int = 4
    ) async throws -> DurableRuntime {
        try await DurableRuntime(
            storage: .directory(directory.path, options: .init(durability: .strict)),
            configuration: .init(maxConcurrentActivities: maxConcurrentActivities, clock: clock)
        ) {
            CallThenShowThenSleep.self
            CallThenStartChild.self
            CallThenWait.self
            AwaitItem.self
            Increment()
            SnapshotJournal(directory: directory)
        }
    }

    @Test func aCustomStatusSetAfterAResultIsShownOnlyOnceTheResultIsOnDisk() async throws {
        let directory = TemporaryDirectory()
        let runtime = try await Self.strictRuntime(directory)
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(CallThenShowThenSleep.self, input: 1)
        // The moment the status leaves the instance for the status table.
        try await untilTrue { try await runtime.client.status(of: id).customStatus != nil }
        #expect(try await runtime.client.status(of: id).customStatus?.decode(Int.self) == 2)
        #expect(try historyInCopy(of: directory, id).count(of: "TaskCompleted") == 1)
    }

    @Test func aTimerAfterAResultIsArmedOnlyOnceTheResultIsOnDisk() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let runtime = try await Self.strictRuntime(directory, clock: clock)
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(CallThenShowThenSleep.self, input: 1)
        await clock.waitForSleepers()
        let history = try historyInCopy(of: directory, id)
        #expect(history.count(of: "TaskCompleted") == 1)
        #expect(history.count(of: "CustomStatusSet") == 1)
        #expect(history.count(of: "TimerCreated") == 1)
    }

    @Test func aChildStartedAfterAResultStartsOnlyOnceTheResultIsOnDisk() async throws {
        let directory = TemporaryDirectory()
        let runtime = try await Self.strictRuntime(directory)
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(CallThenStartChild.self, input: 1)
        await untilTrue { (try? await runtime.client.status(of: "child-2")) != nil }
        let history = try historyInCopy(of: directory, id)
        #expect(history.count(of: "TaskCompleted") == 1)
        #expect(history.count(of: "SubOrchestrationCreated") == 1)
    }

    @Test(arguments: [true, false])
    func aResultWhoseDrainCarriesNothingOutIsOnDiskBeforeItsWorkerTakesTheNextCall(waitsForEvent: Bool) async throws {
        let directory = TemporaryDirectory()
        let runtime = try await Self.strictRuntime(directory, maxConcurrentActivities: 1)
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(CallThenWait.self, input: waitsForEvent)
        if waitsForEvent {
            // Raised once the snapshot is taken (its result is in history): a raise syncs the
            // journal, and must not do the delivery's work for it.
            try await untilTrue { try await runtime.client.history(of: id).count(of: "TaskCompleted") == 2 }
            try await runtime.client.raiseEvent(id, name: "go", payload: "now")
        }
        // The snapshot finds both calls scheduled and the first one's result in the files.
        #expect(try await runtime.client.result(of: id, as: CallThenWait.self, timeout: .seconds(10)) == [1, 2, 1])
    }
}
