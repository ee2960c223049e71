import Durable
import Foundation
import Testing

/// Waits for an "item" event and returns it.
struct AwaitItem: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        try await context.waitForEvent("item", as: String.self)
    }
}

struct SleepMinute: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Double {
        let before = context.now
        try await context.sleep(for: .seconds(60))
        return context.now.timeIntervalSince(before)
    }
}

/// Reads the journal's files as a crash right now would leave them, and counts what the calling
/// instance's history holds there: (steps scheduled, results recorded).
struct SnapshotJournal: Activity {
    let directory: TemporaryDirectory

    func run(_ step: Int, context: ActivityContext) async throws -> [Int] {
        let copy = try directory.copy()
        let journal = try FileJournal(directory: copy.path)
        defer { journal.close() }
        let history = journal.history(of: context.instanceId) ?? []
        let scheduled = history.filter { if case .taskScheduled = $0.kind { true } else { false } }.count
        let completed = history.filter { if case .taskCompleted = $0.kind { true } else { false } }.count
        return [step, scheduled, completed]
    }
}

struct SnapshotSteps: Orchestration {
    func run(_ steps: Int, context: OrchestrationContext) async throws -> [[Int]] {
        var seen: [[Int]] = []
        for step in 1...steps { seen.append(try await context.call(SnapshotJournal.self, step)) }
        return seen
    }
}

@Suite struct JournalRecoveryTests {
    @Test func strictDurabilityPutsEveryStepAndTheResultBeforeItOnDiskBeforeItsActivityRuns() async throws {
        let directory = TemporaryDirectory()
        let runtime = try await DurableRuntime(
            storage: .directory(directory.path, options: .init(durability: .strict))
        ) {
            SnapshotSteps.self
            SnapshotJournal(directory: directory)
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(SnapshotSteps.self, input: 4)
        let seen = try await runtime.client.result(of: id, as: SnapshotSteps.self, timeout: .seconds(10))
        // Step n finds its own TaskScheduled and the n - 1 results before it in the files.
        #expect(seen == (1...4).map { [$0, $0, $0 - 1] })
    }

    @Test func anActivityScheduledButNotCompletedRunsAgainAfterARestart() async throws {
        let directory = TemporaryDirectory()
        let started = Gate()
        let release = Gate()
        let first = try await DurableRuntime(storage: .directory(directory.path)) {
            StagedCheckout.self
            CheckAndReserveInventory(log: CallLog())
            WaitForRelease(started: started, release: release)
        }
        let id = try await first.client.start(StagedCheckout.self, input: Order(id: "r-1", amount: 1))
        await started.wait()
        first.shutdown()
        release.open()  // the first run's activity ends, but nobody records its result

        let secondStarted = Gate()
        let second = try await DurableRuntime(storage: .directory(directory.path)) {
            StagedCheckout.self
            CheckAndReserveInventory(log: CallLog())
            WaitForRelease(started: secondStarted, release: Gate.opened())
        }
        defer { second.shutdown() }

        #expect(try await second.client.result(of: id, as: StagedCheckout.self, timeout: .seconds(10)) == "PAY-r-1")
        let history = try await second.client.history(of: id)
        #expect(history.scheduledActivities == ["CheckAndReserveInventory", "WaitForRelease"])
        #expect(history.count(of: "TaskCompleted") == 2)
    }

    @Test func aTimerDueDuringDowntimeFiresAtOnceAfterRestart() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let first = try await DurableRuntime(storage: .directory(directory.path), configuration: .init(clock: clock)) {
            SleepMinute.self
        }
        let id = try await first.client.start(SleepMinute.self, input: 0)
        await clock.waitForSleepers()
        first.shutdown()
        clock.advance(by: .seconds(600))

        let second = try await DurableRuntime(storage: .directory(directory.path), configuration: .init(clock: clock)) {
            SleepMinute.self
        }
        defer { second.shutdown() }
        // No time moves now: the overdue timer fires on its own.
        #expect(try await second.client.result(of: id, as: SleepMinute.self, timeout: .seconds(10)) == 600)
    }

    @Test func aSuspendedInstanceStaysSuspendedAcrossARestart() async throws {
        let directory = TemporaryDirectory()
        let first = try await DurableRuntime(storage: .directory(directory.path)) { AwaitItem.self }
        let id = try await first.client.start(AwaitItem.self, input: 0)
        try await first.client.suspend(id, reason: "hold")
        first.shutdown()

        let second = try await DurableRuntime(storage: .directory(directory.path)) { AwaitItem.self }
        defer { second.shutdown() }
        #expect(try await second.client.status(of: id).runtimeStatus == .suspended)
        try await second.client.raiseEvent(id, name: "item", payload: "kept")
        await #expect(throws: DurableError.timedOut(instanceId: id, after: .milliseconds(20))) {
            try await second.client.waitForCompletion(of: id, timeout: .milliseconds(20))
        }
        try await second.client.resume(id)
        #expect(try await second.client.result(of: id, as: AwaitItem.self, timeout: .seconds(10)) == "kept")
    }

    @Test func manySegmentsThenPurgeAndCompactionLeaveTheDirectorySmallerAndLiveInstancesIntact() async throws {
        let directory = TemporaryDirectory()
        let journal = try FileJournal(directory: directory.path, options: .init(segmentSize: 2_048, compactionThreshold: 1_000))
        let log = CallLog()
        let first = try await DurableRuntime.orders(log: log, storage: .store(journal)) { AwaitItem.self }
        for index in 0..<5 { try await first.client.start(AwaitItem.self, input: index, instanceId: "waiting-\(index)") }
        var finished: [String] = []
        for index in 0..<60 {
            finished.append(try await first.client.start(PlaceOrder.self, input: Order(id: "o\(index)", amount: 1)))
        }
        for id in finished { _ = try await first.client.waitForCompletion(of: id, timeout: .seconds(10)) }
        let segmentsBefore = try directory.segments().count
        let sizeBefore = journal.sizeOnDisk
        #expect(segmentsBefore > 10)

        for id in finished { try await first.client.purge(id) }
        try await journal.compact()

        #expect(journal.sizeOnDisk < sizeBefore / 4)
        #expect(try directory.segments().count <= 2)
        first.shutdown()

        let second = try await DurableRuntime.orders(log: log, storage: .directory(directory.path)) { AwaitItem.self }
        defer { second.shutdown() }
        #expect(await second.client.list().instances.map(\.instanceId).sorted() == (0..<5).map { "waiting-\($0)" })
        for index in 0..<5 {
            try await second.client.raiseEvent("waiting-\(index)", name: "item", payload: "item \(index)")
            #expect(try await second.client.result(of: "waiting-\(index)", as: AwaitItem.self, timeout: .seconds(10)) == "item \(index)")
        }
    }

    @Test func strictDurabilityStillCompletesAndBufferedToo() async throws {
        for durability in [FileJournal.Durability.strict, .buffered] {
            let directory = TemporaryDirectory()
            let runtime = try await DurableRuntime.orders(
                log: CallLog(), storage: .directory(directory.path, options: .init(durability: durability)))
            let id = try await runtime.client.start(PlaceOrder.self, input: Order(id: "s", amount: 1))
            #expect(try await runtime.client.result(of: id, as: PlaceOrder.self, timeout: .seconds(10)) == "TRACK-s")
            runtime.shutdown()
        }
    }
}

@Suite struct RetentionTests {
    @Test func finishedInstancesArePurgedOnceOlderThanTheRetention() async throws {
        let clock = ManualClock()
        let directory = TemporaryDirectory()
        let runtime = try await DurableRuntime(
            storage: .directory(directory.path), configuration: .init(clock: clock, retention: .seconds(3_600))
        ) {
            AwaitItem.self
        }
        defer { runtime.shutdown() }
        try await runtime.client.start(AwaitItem.self, input: 0, instanceId: "done")
        try await runtime.client.start(AwaitItem.self, input: 0, instanceId: "still-waiting")
        try await runtime.client.raiseEvent("done", name: "item", payload: "x")
        _ = try await runtime.client.waitForCompletion(of: "done", timeout: .seconds(10))

        await clock.waitForSleepers()
        clock.advance(by: .seconds(1_800))  // a sweep at 15 and 30 minutes: not old enough yet
        await clock.waitForSleepers()
        #expect(try await runtime.client.status(of: "done").runtimeStatus == .completed)

        clock.advance(by: .seconds(2_700))
        await clock.waitForSleepers()  // the sweep re-arms only after it has purged
        await #expect(throws: DurableError.unknownInstance("done")) { try await runtime.client.status(of: "done") }
        #expect(try await runtime.client.status(of: "still-waiting").runtimeStatus == .running)
    }
}
