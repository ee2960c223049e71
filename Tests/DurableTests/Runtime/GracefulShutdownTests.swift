import Durable
import Foundation
import Synchronization
import Testing

/// How many times something ran, across runtimes.
private final class RunCount: Sendable {
    private let value = Atomic(0)

    /// Counts one more run; returns the count with it.
    @discardableResult
    func increment() -> Int { value.add(1, ordering: .sequentiallyConsistent).newValue }

    var count: Int { value.load(ordering: .sequentiallyConsistent) }
}

/// Counts its runs, says it started, and returns `input * 10 + offset` only once `release` opens.
/// A runtime's `offset` tells whose run a recorded result came from. With `stopsWhenCancelled` it
/// also ends when cancelled, throwing `CancellationError`, as well-behaved long work does.
private struct DrainGatedStep: Activity {
    let runs: RunCount
    let started: Gate
    let release: Gate
    let offset: Int
    var stopsWhenCancelled = false
    /// `started` opens at this run: a fan-out's test waits until every worker holds a step.
    var startsBeforeSignal = 1

    func run(_ input: Int, context: ActivityContext) async throws -> Int {
        if runs.increment() >= startsBeforeSignal { started.open() }
        if stopsWhenCancelled {
            await withTaskCancellationHandler { await release.wait() } onCancel: { release.open() }
            try Task.checkCancellation()
        } else {
            await release.wait()
        }
        return input * 10 + offset
    }
}

/// What the orchestrations call after a gated step: work scheduled while the runtime drains.
private struct DrainFollowUp: Activity {
    let runs: RunCount

    func run(_ input: Int, context: ActivityContext) async throws -> Int {
        runs.increment()
        return input + 1
    }
}

/// A gated step, then a follow-up on its result.
private struct StepThenFollowUp: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let step = try await context.call(DrainGatedStep.self, input)
        return try await context.call(DrainFollowUp.self, step)
    }
}

/// Two gated steps at once: with one worker, the second waits in the pool's queue.
private struct TwoGatedSteps: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        async let first = context.call(DrainGatedStep.self, 1)
        async let second = context.call(DrainGatedStep.self, 2)
        return try await first + second
    }
}

/// `input` gated steps at once.
private struct ManyGatedSteps: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<input { group.addTask { try await context.call(DrainGatedStep.self, index) } }
            return try await group.reduce(0, +)
        }
    }
}

/// The activities of one runtime, and the counts shared by every runtime of a test.
private struct Steps {
    let runs = RunCount()
    let followUps = RunCount()
    let started = Gate()
    let release = Gate()

    func step(offset: Int = 0, released: Bool = false, stopsWhenCancelled: Bool = false, startsBeforeSignal: Int = 1)
        -> DrainGatedStep
    {
        DrainGatedStep(
            runs: runs, started: started, release: released ? Gate.opened() : release, offset: offset,
            stopsWhenCancelled: stopsWhenCancelled, startsBeforeSignal: startsBeforeSignal)
    }
}

/// Whether a task got past a point.
private final class Flag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

@Suite(.timeLimit(.minutes(1))) struct GracefulShutdownTests {
    private func runtime(
        _ directory: TemporaryDirectory, _ clock: ManualClock, _ steps: Steps, step: DrainGatedStep, workers: Int = 16,
        observed: Bool = false
    ) async throws -> DurableRuntime {
        var configuration = DurableRuntime.Configuration(maxConcurrentActivities: workers, clock: clock)
        // An observed runtime runs its activities through a second delivery path: both must drain alike.
        if observed { configuration.observers = [RuntimeEventStream(bufferingNewest: 1)] }
        return try await DurableRuntime(storage: .directory(directory.path), configuration: configuration) {
            StepThenFollowUp.self
            TwoGatedSteps.self
            ManyGatedSteps.self
            WaitThenSleep.self
            step
            DrainFollowUp(runs: steps.followUps)
        }
    }

    private func completedTasks(_ history: [HistoryEvent]) -> Int {
        history.count { if case .taskCompleted = $0.kind { true } else { false } }
    }

    @Test func aRunningActivityFinishesWithinTheGraceAndDoesNotRunAgain() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let steps = Steps()
        let first = try await runtime(directory, clock, steps, step: steps.step())
        let id = try await first.client.start(StepThenFollowUp.self, input: 4, instanceId: "gated")
        await steps.started.wait()

        let shutdown = Task { await first.shutdown(gracePeriod: .seconds(30)) }
        await clock.waitForSleepers()  // the grace's deadline: the runtime drains now
        await #expect(throws: DurableError.runtimeShutDown) { try await first.client.start(StepThenFollowUp.self, input: 5) }
        await #expect(throws: DurableError.runtimeShutDown) {
            try await first.client.start(StepThenFollowUp.self, inputs: [6, 7])
        }
        await #expect(throws: DurableError.runtimeShutDown) {
            try await first.client.start(StepThenFollowUp.self, instances: [(instanceId: "other", input: 8)])
        }
        await #expect(throws: DurableError.runtimeShutDown) {
            try await first.client.start(orchestrationNamed: StepThenFollowUp.name, input: Payload(encoding: 9))
        }
        steps.release.open()
        await shutdown.value
        #expect(steps.runs.count == 1)
        #expect(steps.followUps.count == 0)  // scheduled after the result, while draining: journaled, not run

        let second = try await runtime(directory, clock, steps, step: steps.step(offset: 1_000, released: true))
        defer { second.shutdown() }
        // 4 * 10 + 0 (the first runtime's result) + 1: the step did not run again.
        #expect(try await second.client.result(of: id, as: StepThenFollowUp.self, timeout: .seconds(30)) == 41)
        #expect(steps.runs.count == 1)
        #expect(steps.followUps.count == 1)
        #expect(completedTasks(try await second.client.history(of: id)) == 2)
        #expect(await second.client.list().instances.map(\.instanceId) == [id])  // the refused starts recorded nothing
    }

    @Test(arguments: [false, true]) func anActivityStillRunningWhenTheGraceEndsIsCancelledAndRunsAgainOnTheNextStart(observed: Bool) async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let steps = Steps()
        let first = try await runtime(directory, clock, steps, step: steps.step(), observed: observed)
        let id = try await first.client.start(StepThenFollowUp.self, input: 4)
        await steps.started.wait()

        let returned = Flag()
        let shutdown = Task {
            await first.shutdown(gracePeriod: .seconds(30))
            returned.set()
        }
        await clock.waitForSleepers()
        #expect(!returned.isSet)  // the activity runs, and the grace has not passed
        clock.advance(by: .seconds(31))
        await shutdown.value
        steps.release.open()  // a result after the grace: recorded nowhere

        let second = try await runtime(directory, clock, steps, step: steps.step(offset: 1_000, released: true))
        defer { second.shutdown() }
        // 4 * 10 + 1,000 (the second runtime's run) + 1.
        #expect(try await second.client.result(of: id, as: StepThenFollowUp.self, timeout: .seconds(30)) == 1_041)
        #expect(steps.runs.count == 2)
        #expect(completedTasks(try await second.client.history(of: id)) == 2)
    }

    @Test(arguments: [false, true]) func theFailureOfAnActivityCancelledWhenTheGraceEndsIsNotRecorded(observed: Bool) async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let steps = Steps()
        let first = try await runtime(directory, clock, steps, step: steps.step(stopsWhenCancelled: true), observed: observed)
        let id = try await first.client.start(StepThenFollowUp.self, input: 4)
        await steps.started.wait()

        let shutdown = Task { await first.shutdown(gracePeriod: .seconds(30)) }
        await clock.waitForSleepers()
        clock.advance(by: .seconds(31))
        // Cancelled, the step ends at once with CancellationError. That is not its outcome: had it
        // been recorded, the next runtime would fail the instance instead of running the step again.
        await shutdown.value

        let second = try await runtime(directory, clock, steps, step: steps.step(offset: 1_000, released: true))
        defer { second.shutdown() }
        #expect(try await second.client.result(of: id, as: StepThenFollowUp.self, timeout: .seconds(30)) == 1_041)
        #expect(steps.runs.count == 2)
        let history = try await second.client.history(of: id)
        #expect(!history.contains { if case .taskFailed = $0.kind { true } else { false } })
    }

    @Test func aQueuedActivityDoesNotStartWhileDrainingAndRunsOnTheNextStart() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let steps = Steps()
        let first = try await runtime(directory, clock, steps, step: steps.step(), workers: 1)
        let id = try await first.client.start(TwoGatedSteps.self, input: 0)
        await steps.started.wait()  // one step runs; the other waits for the only worker

        let shutdown = Task { await first.shutdown(gracePeriod: .seconds(30)) }
        await clock.waitForSleepers()
        steps.release.open()  // the worker is free now, but the queued step must stay queued
        await shutdown.value
        #expect(steps.runs.count == 1)

        let second = try await runtime(directory, clock, steps, step: steps.step(released: true), workers: 1)
        defer { second.shutdown() }
        #expect(try await second.client.result(of: id, as: TwoGatedSteps.self, timeout: .seconds(30)) == 30)
        #expect(steps.runs.count == 2)  // the finished step did not run again; the queued one ran once
    }

    @Test func onlyTheStepsRunningWhenTheDrainBeganRunWhileWorkersFreeUp() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let steps = Steps()
        let first = try await runtime(directory, clock, steps, step: steps.step(startsBeforeSignal: 4), workers: 4)
        let id = try await first.client.start(ManyGatedSteps.self, input: 20)
        await steps.started.wait()  // four steps hold the four workers; sixteen wait in the queue

        let shutdown = Task { await first.shutdown(gracePeriod: .seconds(30)) }
        await clock.waitForSleepers()
        // Four results delivered at once, each by a worker that would take the next queued step.
        steps.release.open()
        await shutdown.value
        #expect(steps.runs.count == 4)

        let second = try await runtime(directory, clock, steps, step: steps.step(released: true), workers: 4)
        defer { second.shutdown() }
        #expect(try await second.client.result(of: id, as: ManyGatedSteps.self, timeout: .seconds(30)) == 1_900)
        #expect(steps.runs.count == 20)  // the four recorded results were not run again
    }

    @Test func aTerminationWhileDrainingIsRecorded() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let steps = Steps()
        let first = try await runtime(directory, clock, steps, step: steps.step())
        try await first.client.start(WaitThenSleep.self, input: 0, instanceId: "listener")
        try await first.client.start(StepThenFollowUp.self, input: 4, instanceId: "gated")
        await steps.started.wait()

        let shutdown = Task { await first.shutdown(gracePeriod: .seconds(30)) }
        await clock.waitForSleepers()
        try await first.client.terminate("listener", reason: "closing down")  // acknowledged: durable
        #expect(try await first.client.waitForCompletion(of: "listener").runtimeStatus == .terminated)
        steps.release.open()
        await shutdown.value

        let second = try await runtime(directory, clock, steps, step: steps.step(released: true))
        defer { second.shutdown() }
        let status = try await second.client.status(of: "listener")
        #expect(status.runtimeStatus == .terminated)
        #expect(status.terminationReason == "closing down")
    }

    @Test func waitersAreAnsweredWithRuntimeShutDown() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let steps = Steps()
        let first = try await runtime(directory, clock, steps, step: steps.step())
        try await first.client.start(WaitThenSleep.self, input: 0, instanceId: "listener")
        try await first.client.start(StepThenFollowUp.self, input: 4, instanceId: "gated")
        await steps.started.wait()

        let shutdown = Task { await first.shutdown(gracePeriod: .seconds(30)) }
        await clock.waitForSleepers()
        // Waits begun while draining: one for an instance waiting for an event, one for the
        // instance whose follow-up stays journaled. Neither can finish in this runtime.
        let listener = Task { try await first.client.waitForCompletion(of: "listener") }
        let gated = Task { try await first.client.result(of: "gated", as: StepThenFollowUp.self) }
        steps.release.open()
        await shutdown.value

        await #expect(throws: DurableError.runtimeShutDown) { try await listener.value }
        await #expect(throws: DurableError.runtimeShutDown) { try await gated.value }
        // And after the close, a new wait is refused at once.
        await #expect(throws: DurableError.runtimeShutDown) { try await first.client.waitForCompletion(of: "listener") }
    }

    @Test func eventsRaisedWhileDrainingAreRecordedAndDeliveredOnTheNextStart() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let steps = Steps()
        let first = try await runtime(directory, clock, steps, step: steps.step())
        try await first.client.start(WaitThenSleep.self, input: 0, instanceId: "listener")
        try await first.client.start(StepThenFollowUp.self, input: 4, instanceId: "gated")
        await steps.started.wait()

        let shutdown = Task { await first.shutdown(gracePeriod: .seconds(30)) }
        await clock.waitForSleepers()
        try await first.client.raiseEvent("listener", name: "item", payload: "parcel")  // acknowledged: durable
        steps.release.open()
        await shutdown.value

        let second = try await runtime(directory, clock, steps, step: steps.step(released: true))
        defer { second.shutdown() }
        let history = try await second.client.history(of: "listener")
        #expect(history.contains { if case .eventRaised(name: "item", _, _) = $0.kind { true } else { false } })
        // The minute the code sleeps after the event was held back while draining: armed now, it ends the instance.
        await clock.waitForSleepers(of: "listener")
        clock.advance(by: .seconds(60))
        #expect(try await second.client.result(of: "listener", as: WaitThenSleep.self, timeout: .seconds(30)) == "parcel")
    }

    @Test func concurrentShutdownsAllReturnAndCloseTheJournalOnce() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let steps = Steps()
        let first = try await runtime(directory, clock, steps, step: steps.step())
        try await first.client.start(StepThenFollowUp.self, input: 4, instanceId: "gated")
        await steps.started.wait()

        // The step never finishes and the clock never moves: only the immediate shutdown ends the drain.
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<9 {
                group.addTask {
                    if index == 4 { first.shutdown() } else { await first.shutdown(gracePeriod: .seconds(30)) }
                }
            }
        }
        await first.shutdown(gracePeriod: .seconds(30))  // closed: returns at once
        first.shutdown()

        // The journal's directory is free again (a second open of a journal still open fails),
        // and the cancelled step runs again.
        let second = try await runtime(directory, clock, steps, step: steps.step(released: true))
        defer { second.shutdown() }
        #expect(try await second.client.result(of: "gated", as: StepThenFollowUp.self, timeout: .seconds(30)) == 41)
        #expect(steps.runs.count == 2)
        steps.release.open()
    }

    @Test func withNothingRunningAGracefulShutdownClosesAtOnce() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let steps = Steps()
        let first = try await runtime(directory, clock, steps, step: steps.step())
        try await first.client.start(WaitThenSleep.self, input: 0, instanceId: "listener")
        // No activity runs: no grace is waited for, so the clock never needs to move.
        await first.shutdown(gracePeriod: .seconds(3_600))
        #expect(clock.sleeperCount == 0)
        await #expect(throws: DurableError.runtimeShutDown) { try await first.client.start(WaitThenSleep.self, input: 1) }

        let second = try await runtime(directory, clock, steps, step: steps.step())
        defer { second.shutdown() }
        #expect(try await second.client.status(of: "listener").runtimeStatus == .running)
    }
}
