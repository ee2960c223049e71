import Durable
import Foundation
import Testing

/// Opens the gate named by its input: tells a test that a child reached its wait.
struct ExecArrived: Activity {
    let gates: [String: Gate]
    func run(_ name: String, context: ActivityContext) async throws -> Bool {
        gates[name]?.open()
        return true
    }
}

/// Returns its value; when `waits`, first reports its arrival (``ExecArrived``) and waits for "go".
struct ExecGatedChild: Orchestration {
    struct Input: Codable, Sendable {
        var value: String
        var waits: Bool
    }

    func run(_ input: Input, context: OrchestrationContext) async throws -> String {
        if input.waits {
            _ = try await context.call(ExecArrived.self, input.value)
            _ = try await context.waitForEvent("go", as: Int.self)
        }
        return input.value
    }
}

/// Round 0 races a child ("<id>-old", which waits for "go") against a 10-second timer. The timer
/// wins: it continues as new (or returns, when `finishOnTimeout`). Round 1 calls "<id>-new", as its
/// first command, or after a 5-second sleep when `sleepFirst`.
struct ExecAbandoningParent: Orchestration {
    struct Input: Codable, Sendable {
        var round: Int
        var sleepFirst = false
        var finishOnTimeout = false
    }

    func run(_ input: Input, context: OrchestrationContext) async throws -> String {
        guard input.round > 0 else {
            let winner = try await withThrowingTaskGroup(of: String?.self) { group in
                // Added first, so the child is launched before the timer is armed (one FIFO of jobs).
                group.addTask {
                    try await context.callSubOrchestration(
                        ExecGatedChild.self, .init(value: "old", waits: true), instanceId: "\(context.instanceId)-old")
                }
                group.addTask {
                    try await context.sleep(for: .seconds(10))
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            if let winner { return "child won: \(winner)" }
            if input.finishOnTimeout { return "timed out" }
            try context.continueAsNew(with: Input(round: 1, sleepFirst: input.sleepFirst))
        }
        if input.sleepFirst { try await context.sleep(for: .seconds(5)) }
        return try await context.callSubOrchestration(
            ExecGatedChild.self, .init(value: "new", waits: !input.sleepFirst), instanceId: "\(context.instanceId)-new")
    }
}

/// Calls a child with its default id (the same each round) and continues as new until it has three results.
struct ExecEternalCaller: Orchestration {
    func run(_ seen: [Int], context: OrchestrationContext) async throws -> [Int] {
        let value = try await context.callSubOrchestration(ExecEcho.self, seen.count)
        let next = seen + [value]
        guard next.count >= 3 else { try context.continueAsNew(with: next) }
        return next
    }
}

struct ExecEcho: Orchestration {
    func run(_ value: Int, context: OrchestrationContext) async throws -> Int { value }
}

/// Each round sleeps, then calls "<id>-child" (so the call is sequence 1 in both rounds): in round
/// 0 it waits for "go", in round 1 it returns at once.
struct ExecRestartCaller: Orchestration {
    func run(_ seen: [String], context: OrchestrationContext) async throws -> [String] {
        try await context.sleep(for: .seconds(5))
        let value = try await context.callSubOrchestration(
            ExecGatedChild.self, .init(value: "\(seen.count)", waits: seen.isEmpty), instanceId: "\(context.instanceId)-child")
        let next = seen + [value]
        guard next.count >= 2 else { try context.continueAsNew(with: next) }
        return next
    }
}

/// Races an activity (which waits for `release`) against a 10-second timer in round 0; the timer
/// wins and it continues as new. Round 1 sleeps 5 seconds, then calls ``ExecArrived``.
struct ExecAbandonedActivityParent: Orchestration {
    func run(_ round: Int, context: OrchestrationContext) async throws -> String {
        guard round > 0 else {
            _ = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { try await context.call(ExecHeldWork.self, "old") }
                group.addTask {
                    try await context.sleep(for: .seconds(10))
                    return false
                }
                defer { group.cancelAll() }
                return try await group.next() ?? false
            }
            try context.continueAsNew(with: 1)
        }
        try await context.sleep(for: .seconds(5))
        _ = try await context.call(ExecArrived.self, "after")
        return "done"
    }
}

/// Opens `started`, then returns once `release` opens.
struct ExecHeldWork: Activity {
    let started: Gate
    let release: Gate
    func run(_ name: String, context: ActivityContext) async throws -> Bool {
        started.open()
        await release.wait()
        return true
    }
}

/// A child, timer or activity result addressed to one execution never reaches the next one of the same id.
@Suite struct ExecutionAddressingTests {
    private static func gates(_ names: String...) -> [String: Gate] {
        Dictionary(uniqueKeysWithValues: names.map { ($0, Gate()) })
    }

    /// Round 0 is running its race; returns once its child waits and its timer is armed.
    private func startRace(
        _ runtime: DurableRuntime, _ clock: ManualClock, _ arrived: [String: Gate], _ input: ExecAbandoningParent.Input
    ) async throws -> String {
        let id = try await runtime.client.start(ExecAbandoningParent.self, input: input, instanceId: "parent")
        await arrived["old"]?.wait()
        await clock.waitForSleepers()
        return id
    }

    /// Lets the abandoned child finish, then the new execution: it must end with its own child's result.
    private func finish(
        _ id: String, _ runtime: DurableRuntime, _ clock: ManualClock, _ arrived: [String: Gate], sleepFirst: Bool
    ) async throws {
        if sleepFirst {
            await clock.waitForSleepers()  // the new execution waits on its own timer (sequence 0)
        } else {
            await arrived["new"]?.wait()  // the new execution's child (sequence 0) is running
        }
        try await runtime.client.raiseEvent("\(id)-old", name: "go", payload: 1)
        let old = try await runtime.client.waitForCompletion(of: "\(id)-old", timeout: .seconds(10))
        #expect(try old.output(as: String.self) == "old")
        if sleepFirst {
            _ = try await runtime.drive(id, on: clock)
        } else {
            try await runtime.client.raiseEvent("\(id)-new", name: "go", payload: 1)
        }
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .completed, "\(String(describing: status.failure))")
        #expect(try status.output(as: String.self) == "new")
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "SubOrchestrationCompleted") == 1)
        #expect(history.count(of: "SubOrchestrationFailed") == 0)
    }

    @Test(arguments: [false, true])
    func aChildAbandonedBeforeAContinueAsNewDoesNotReachTheNextExecution(sleepFirst: Bool) async throws {
        let clock = ManualClock()
        let arrived = Self.gates("old", "new")
        let runtime = try await DurableRuntime.manual(clock) {
            ExecAbandoningParent.self
            ExecGatedChild.self
            ExecArrived(gates: arrived)
        }
        defer { runtime.shutdown() }
        let id = try await startRace(runtime, clock, arrived, .init(round: 0, sleepFirst: sleepFirst))
        clock.advance(by: .seconds(10))  // the timer wins; the parent continues as new

        try await finish(id, runtime, clock, arrived, sleepFirst: sleepFirst)
    }

    @Test(arguments: [false, true])
    func aChildOfAFinishedExecutionDoesNotReachTheOneThatReusedItsId(sleepFirst: Bool) async throws {
        let clock = ManualClock()
        let arrived = Self.gates("old", "new")
        let runtime = try await DurableRuntime.manual(clock) {
            ExecAbandoningParent.self
            ExecGatedChild.self
            ExecArrived(gates: arrived)
        }
        defer { runtime.shutdown() }
        let id = try await startRace(runtime, clock, arrived, .init(round: 0, finishOnTimeout: true))
        clock.advance(by: .seconds(10))
        let first = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(try first.output(as: String.self) == "timed out")

        try await runtime.client.start(
            ExecAbandoningParent.self, input: .init(round: 1, sleepFirst: sleepFirst), instanceId: id, reuse: .replaceFinished)
        try await finish(id, runtime, clock, arrived, sleepFirst: sleepFirst)
    }

    /// Activity results (and fired timers) are addressed to the actor of the execution that issued
    /// them, which closed its mailbox when that execution ended: a late one is recorded nowhere.
    @Test func aLateActivityResultOfAnEarlierExecutionIsRecordedNowhere() async throws {
        let clock = ManualClock()
        let started = Gate()
        let release = Gate()
        // One worker: round 1's activity runs only after the old one's result was delivered.
        let runtime = try await DurableRuntime(
            storage: .memory, configuration: .init(maxConcurrentActivities: 1, clock: clock)
        ) {
            ExecAbandonedActivityParent.self
            ExecHeldWork(started: started, release: release)
            ExecArrived(gates: [:])
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ExecAbandonedActivityParent.self, input: 0)
        await started.wait()
        await clock.waitForSleepers()
        let first = try await runtime.client.status(of: id).executionId
        clock.advance(by: .seconds(10))
        await clock.waitForSleepers()  // round 1 waits on its timer
        let second = try await runtime.client.status(of: id).executionId
        #expect(first != second)
        release.open()

        let (status, _) = try await runtime.drive(id, on: clock)
        #expect(try status.output(as: String.self) == "done")
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "TaskCompleted") == 1)  // "after" only
        #expect(history.count(of: "TaskScheduled") == 1)
    }

    /// `status(of:)` and `list` show the current execution; each start, continue-as-new and reuse gets a new
    /// one, recorded in `ExecutionStarted`, and a child's link names the parent's execution.
    @Test func everyExecutionHasItsOwnId() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            ExecEternalCaller.self
            ExecEcho.self
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ExecEternalCaller.self, input: [], instanceId: "eternal")
        _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        let status = try await runtime.client.status(of: id)
        let history = try await runtime.client.history(of: id)
        guard case .executionStarted(_, _, _, _, let recorded, _) = history.first?.kind else {
            Issue.record("no ExecutionStarted")
            return
        }
        #expect(recorded == status.executionId && recorded.count == 15)
        #expect(try await runtime.client.status(of: "\(id):0").parent?.executionId == status.executionId)
        #expect(await runtime.client.list().instances.first { $0.instanceId == id }?.executionId == status.executionId)

        try await runtime.client.start(ExecEternalCaller.self, input: [], instanceId: id, reuse: .replaceFinished)
        let reused = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(!reused.executionId.isEmpty && reused.executionId != status.executionId)
    }

    @Test func anEternalOrchestrationCallsAFreshChildEachRoundWhenTheClockStandsStill() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            ExecEternalCaller.self
            ExecEcho.self
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ExecEternalCaller.self, input: [])

        #expect(try await runtime.client.result(of: id, as: ExecEternalCaller.self, timeout: .seconds(10)) == [0, 1, 2])
    }

    @Test func afterARestartTheExecutionAdoptsItsOwnChildButNotAnEarlierExecutionsOne() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let arrived = Self.gates("0")
        func runtime() async throws -> DurableRuntime {
            try await DurableRuntime.manual(clock, storage: .directory(directory.path)) {
                ExecRestartCaller.self
                ExecGatedChild.self
                ExecArrived(gates: arrived)
            }
        }
        // Round 0's child is running when the runtime stops.
        let first = try await runtime()
        let id = try await first.client.start(ExecRestartCaller.self, input: [], instanceId: "caller")
        await clock.waitForSleepers()
        clock.advance(by: .seconds(5))
        await arrived["0"]?.wait()
        first.shutdown()

        // Recovered, round 0 adopts its child (starting it again would fail: it is running), which
        // reports back; round 1 waits on its timer when the runtime stops again.
        let second = try await runtime()
        try await second.client.raiseEvent("\(id)-child", name: "go", payload: 1)
        await clock.waitForSleepers()
        second.shutdown()

        // Round 1 calls a child of the same id: the finished one belongs to round 0, so it runs afresh.
        let third = try await runtime()
        defer { third.shutdown() }
        let (status, _) = try await third.drive(id, on: clock)
        #expect(status.runtimeStatus == .completed, "\(String(describing: status.failure))")
        #expect(try status.output(as: [String].self) == ["0", "1"])
    }
}
