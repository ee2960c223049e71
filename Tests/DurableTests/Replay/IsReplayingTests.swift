import Durable
import Foundation
import Synchronization
import Testing

/// What orchestration code saw of `isReplaying` at each step, per instance id, and the lines a
/// `if !context.isReplaying { log(...) }` guard let through. Orchestrations are made with `init()`,
/// so they reach it as a global; tests keep apart by instance id.
final class StepLog: Sendable {
    struct Step: Sendable, Equatable, CustomStringConvertible {
        var name: String
        var replaying: Bool
        var description: String { "\(name): \(replaying)" }
    }

    private let state = Mutex<(seen: [String: [Step]], written: [String: [String]])>(([:], [:]))

    /// Notes what the code saw at `step`, and "writes the log line" if it is not replaying.
    func mark(_ step: String, _ context: OrchestrationContext) {
        let replaying = context.isReplaying
        state.withLock { state in
            state.seen[context.instanceId, default: []].append(Step(name: step, replaying: replaying))
            if !replaying { state.written[context.instanceId, default: []].append(step) }
        }
    }

    func seen(_ id: String) -> [Step] { state.withLock { $0.seen[id] ?? [] } }
    func written(_ id: String) -> [String] { state.withLock { $0.written[id] ?? [] } }
    func forget(_ id: String) { state.withLock { _ = $0.seen.removeValue(forKey: id) } }

    /// Waits (polling, at most 10 s of wall time) until the code has reached `step`.
    func waitUntilSeen(_ step: String, in id: String) async throws {
        for _ in 0..<5_000 {
            if seen(id).contains(where: { $0.name == step }) { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        Issue.record("instance '\(id)' never reached '\(step)'; saw \(seen(id))")
    }
}

let steps = StepLog()

struct EchoStep: Activity {
    func run(_ value: Int, context: ActivityContext) async throws -> Int { value }
}

/// Blocks until its gate opens (never, in the first runtime of a restart test).
struct BlockStep: Activity {
    let started: Gate
    let release: Gate
    func run(_ value: Int, context: ActivityContext) async throws -> Int {
        started.open()
        await release.wait()
        return value
    }
}

/// Two activities in a chain, a custom status between them.
struct ChainSteps: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        steps.mark("start", context)
        _ = try await context.call(EchoStep.self, 0)
        steps.mark("after #0", context)
        context.setCustomStatus("half way")
        steps.mark("after status", context)
        _ = try await context.call(EchoStep.self, 1)
        steps.mark("after #1", context)
        return 2
    }
}

/// Three activities at once, then one more.
struct FanOutSteps: Orchestration {
    func run(_ width: Int, context: OrchestrationContext) async throws -> Int {
        steps.mark("start", context)
        let sum = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<width {
                group.addTask {
                    let value = try await context.call(EchoStep.self, index)
                    steps.mark("got \(value)", context)
                    return value
                }
            }
            return try await group.reduce(0, +)
        }
        steps.mark("joined", context)
        _ = try await context.call(EchoStep.self, 99)
        steps.mark("end", context)
        return sum
    }
}

/// A durable timer, then an activity.
struct TimerSteps: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        steps.mark("start", context)
        try await context.sleep(for: .seconds(60))
        steps.mark("woke", context)
        _ = try await context.call(EchoStep.self, 1)
        steps.mark("end", context)
        return 1
    }
}

/// An activity, then an event, then an activity: the event keeps it waiting across a restart.
struct EventSteps: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        steps.mark("start", context)
        _ = try await context.call(EchoStep.self, 0)
        steps.mark("after #0", context)
        _ = try await context.waitForEvent("go", as: Int.self)
        steps.mark("after go", context)
        _ = try await context.call(EchoStep.self, 1)
        steps.mark("after #1", context)
        return 1
    }
}

/// An activity, then one that blocks: a restart finds the second scheduled but not completed.
struct BlockedSteps: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        steps.mark("start", context)
        _ = try await context.call(EchoStep.self, 0)
        steps.mark("after #0", context)
        _ = try await context.call(BlockStep.self, 1)
        steps.mark("after block", context)
        return 1
    }
}

/// `isReplaying` is true until the code goes beyond what history holds: a command or custom status
/// history does not record, or an event history does not hold. Code that ran before a crash (up to
/// the next command it recorded) sees true; what comes after, false.
@Suite struct IsReplayingTests {
    private typealias Step = StepLog.Step

    private func runtime(_ storage: DurableRuntime.Storage = .memory, clock: any DurableClock = SystemClock())
        async throws -> DurableRuntime
    {
        try await DurableRuntime(storage: storage, configuration: .init(clock: clock)) {
            ChainSteps.self
            FanOutSteps.self
            TimerSteps.self
            EventSteps.self
            EchoStep()
        }
    }

    /// Replays `history` under a fresh id and returns what the code saw.
    private func replay(_ history: [HistoryEvent], on runtime: DurableRuntime) async throws -> (ReplayResult, [Step]) {
        let id = "replay-\(UUID().uuidString)"
        let result = try await runtime.replay(history, instanceId: id)
        return (result, steps.seen(id))
    }

    private func finishedHistory<O: Orchestration>(of type: O.Type, input: O.Input, on runtime: DurableRuntime)
        async throws -> (id: String, history: [HistoryEvent])
    {
        let id = try await runtime.client.start(type, input: input)
        _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        return (id, try await runtime.client.history(of: id))
    }

    @Test func aChainReplaysUpToWhereHistoryRunsOut() async throws {
        let runtime = try await runtime()
        let (liveId, full) = try await finishedHistory(of: ChainSteps.self, input: 0, on: runtime)
        #expect(full.kindNames == [
            "ExecutionStarted", "TaskScheduled", "TaskCompleted", "CustomStatusSet", "TaskScheduled", "TaskCompleted",
            "ExecutionCompleted",
        ])
        #expect(steps.seen(liveId).allSatisfy { !$0.replaying })

        // Nothing but the start: the code before its first command may have run before the crash.
        #expect(try await replay(Array(full.prefix(1)), on: runtime).1 == [Step(name: "start", replaying: true)])
        // #0's result is the last thing history holds: the code after it, up to what it records
        // next (the custom status), already ran; the status is new, so what follows it is live.
        let (cutAfterResult, seen) = try await replay(Array(full.prefix(3)), on: runtime)
        #expect(seen == [
            Step(name: "start", replaying: true), Step(name: "after #0", replaying: true),
            Step(name: "after status", replaying: false),
        ])
        #expect(cutAfterResult.newEvents.map(\.kind.name) == ["CustomStatusSet", "TaskScheduled"])
        // History holds the status and #1's command but not its result.
        #expect(try await replay(Array(full.prefix(5)), on: runtime).1 == [
            Step(name: "start", replaying: true), Step(name: "after #0", replaying: true),
            Step(name: "after status", replaying: true),
        ])
        // A history that holds its end replays as true throughout.
        #expect(try await replay(full, on: runtime).1.allSatisfy(\.replaying))
    }

    @Test func aFanOutReplaysUntilItsLastRecordedResultHasBeenHandled() async throws {
        let runtime = try await runtime()
        let (_, full) = try await finishedHistory(of: FanOutSteps.self, input: 3, on: runtime)
        #expect(Array(full.prefix(7)).count(of: "TaskCompleted") == 3)
        #expect(full[7].kind.name == "TaskScheduled")

        // All three results are in; the fourth command is not.
        let (all, seen) = try await replay(Array(full.prefix(7)), on: runtime)
        #expect(seen.map(\.name).sorted() == ["got 0", "got 1", "got 2", "joined", "start"])
        #expect(seen.filter { !$0.replaying }.isEmpty, "\(seen)")
        #expect(all.outcome == .waiting)
        #expect(all.newEvents.map(\.kind.name) == ["TaskScheduled"])

        // One result is in; the other two commands are in flight.
        let (one, seenOne) = try await replay(Array(full.prefix(5)), on: runtime)
        #expect(seenOne.count == 2)
        #expect(seenOne.filter { !$0.replaying }.isEmpty, "\(seenOne)")
        #expect(one.newEvents.isEmpty)
    }

    @Test func aFiredTimerReplaysAndTheCodeAfterItToo() async throws {
        let clock = ManualClock()
        let runtime = try await runtime(clock: clock)
        let id = try await runtime.client.start(TimerSteps.self, input: 0)
        _ = try await runtime.drive(id, on: clock)
        let full = try await runtime.client.history(of: id)
        #expect(Array(full.prefix(3)).kindNames == ["ExecutionStarted", "TimerCreated", "TimerFired"])

        #expect(try await replay(Array(full.prefix(3)), on: runtime).1 == [
            Step(name: "start", replaying: true), Step(name: "woke", replaying: true),
        ])
        #expect(try await replay(Array(full.prefix(2)), on: runtime).1 == [Step(name: "start", replaying: true)])
    }

    @Test func aLogLineGuardedByIsReplayingIsWrittenOnceAcrossARestart() async throws {
        let store = InMemoryHistoryStore()
        let first = try await runtime(.store(store))
        let id = try await first.client.start(EventSteps.self, input: 0)
        try await steps.waitUntilSeen("after #0", in: id)
        first.shutdown()
        // The wait's marker is recorded in the step that logged "after #0": the shutdown may come before it.
        let names = store.history(of: id)?.kindNames ?? []
        #expect(names.filter { $0 != "EventWaitStarted" } == ["ExecutionStarted", "TaskScheduled", "TaskCompleted"])
        #expect(names.count(where: { $0 == "EventWaitStarted" }) <= 1)
        steps.forget(id)

        let second = try await runtime(.store(store))
        defer { second.shutdown() }
        try await steps.waitUntilSeen("after #0", in: id)
        try await second.client.raiseEvent(id, name: "go", payload: 1)
        #expect(try await second.client.result(of: id, as: EventSteps.self, timeout: .seconds(10)) == 1)

        #expect(steps.seen(id) == [
            Step(name: "start", replaying: true), Step(name: "after #0", replaying: true),
            Step(name: "after go", replaying: false), Step(name: "after #1", replaying: false),
        ])
        #expect(steps.written(id) == ["start", "after #0", "after go", "after #1"])
    }

    @Test func aResultThatArrivesAfterARestartIsLive() async throws {
        let store = InMemoryHistoryStore()
        let started = Gate()
        let first = try await DurableRuntime(storage: .store(store)) {
            BlockedSteps.self
            EchoStep()
            BlockStep(started: started, release: Gate())
        }
        let id = try await first.client.start(BlockedSteps.self, input: 0)
        await started.wait()
        first.shutdown()
        #expect(store.history(of: id)?.kindNames == [
            "ExecutionStarted", "TaskScheduled", "TaskCompleted", "TaskScheduled",
        ])
        steps.forget(id)

        let second = try await DurableRuntime(storage: .store(store)) {
            BlockedSteps.self
            EchoStep()
            BlockStep(started: Gate(), release: Gate.opened())
        }
        defer { second.shutdown() }
        #expect(try await second.client.result(of: id, as: BlockedSteps.self, timeout: .seconds(10)) == 1)

        // #1 was recorded, so the code before it ran before the restart; its result is new.
        #expect(steps.seen(id) == [
            Step(name: "start", replaying: true), Step(name: "after #0", replaying: true),
            Step(name: "after block", replaying: false),
        ])
        #expect(steps.written(id) == ["start", "after #0", "after block"])
    }

    @Test func aScheduledStartStillAheadAtARestartRunsLive() async throws {
        let store = InMemoryHistoryStore()
        let clock = ManualClock()
        let first = try await runtime(.store(store), clock: clock)
        let id = try await first.client.start(ChainSteps.self, input: 0, startAt: clock.now.addingTimeInterval(60))
        first.shutdown()

        let second = try await runtime(.store(store), clock: clock)
        defer { second.shutdown() }
        await clock.waitForSleepers()
        clock.advance(by: .seconds(60))
        _ = try await second.client.waitForCompletion(of: id, timeout: .seconds(10))

        // Its code never ran before the restart, so nothing of it is replay.
        #expect(steps.seen(id).map(\.name) == ["start", "after #0", "after status", "after #1"])
        #expect(steps.written(id) == ["start", "after #0", "after status", "after #1"])
    }
}
