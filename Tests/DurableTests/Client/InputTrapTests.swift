import Durable
import Foundation
import Testing

// Values a user can pass that used to trap the process — and, being journaled, trap it again on
// every restart. Each test here crashed the test process on the code before the fix (or, for the
// payload-depth replay, reported the wrong error), and now gets a result or a typed error.

/// Retries `Flaky` with the issue's policy: 1 ms doubling, capped at 1 ms, 200 attempts.
struct RetriesTwoHundredTimes: Orchestration {
    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        let policy = RetryPolicy(
            maxAttempts: 200, firstRetryInterval: .milliseconds(1), backoffCoefficient: 2, maxRetryInterval: .milliseconds(1))
        return try await context.call(Flaky.self, input, retry: policy)
    }
}

/// Calls with a policy whose coefficient was set to NaN after it was made.
struct RetriesWithABrokenPolicy: Orchestration {
    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        var policy = RetryPolicy.exponential(first: .seconds(1), attempts: 3)
        policy.backoffCoefficient = .nan
        do {
            return try await context.call(Flaky.self, input, retry: policy)
        } catch let error as DurableError {
            return "\(error)"
        }
    }
}

/// Waits for an event with a timeout ~292 years long, on whatever clock the runtime has.
struct WaitsCenturies: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let value = try await context.waitForEvent("go", as: Int.self, timeout: .seconds(9_223_372_036))
        // A near timer after the far one: the timer thread must have survived waiting on it.
        try await context.sleep(for: .milliseconds(1))
        return value + input
    }
}

/// Races the distant future against an event.
struct SleepsUntilTheDistantFuture: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                try await context.sleep(until: .distantFuture)
                return "woke"
            }
            group.addTask { "event \(try await context.waitForEvent("go", as: Int.self))" }
            defer { group.cancelAll() }
            return try await group.next() ?? "none"
        }
    }
}

/// Takes a chain as input and reports its length.
struct MeasuresChain: Orchestration {
    func run(_ chain: Chain, context: OrchestrationContext) async throws -> Int {
        var length = 0
        var node: Chain? = chain
        while let current = node {
            length += 1
            node = current.next
        }
        return length
    }
}

@Suite struct InputTrapTests {
    /// The delay was `first × 2^(attempt−1)` as a `Duration`, capped after: at attempt 79 it left
    /// `Duration`'s range and trapped, before the 1 ms cap could apply.
    @Test func twoHundredDoublingRetriesCappedAtAMillisecondRunToTheEnd() async throws {
        let clock = ManualClock()
        let attempts = CallLog()
        let runtime = try await DurableRuntime.manual(clock) {
            RetriesTwoHundredTimes.self
            Flaky(attempts: attempts, succeedOnAttempt: 200)
        }
        let id = try await runtime.client.start(RetriesTwoHundredTimes.self, input: "charge")
        let (status, fired) = try await runtime.drive(id, on: clock)
        #expect(try status.output(as: String.self) == "charge on attempt 200")
        #expect(fired == 199)
        let history = try await runtime.client.history(of: id)
        let waits = zip(history, history.dropFirst()).compactMap { failure, timer -> Double? in
            guard case .taskFailed = failure.kind, case .timerCreated(_, let fireAt) = timer.kind else { return nil }
            return fireAt.timeIntervalSince(timer.timestamp)
        }
        #expect(waits.count == 199)
        #expect(waits.allSatisfy { abs($0 - 0.001) < 1e-6 })
    }

    @Test func aPolicySetOutOfRangeIsATypedErrorBeforeAnyAttempt() async throws {
        let clock = ManualClock()
        let attempts = CallLog()
        let runtime = try await DurableRuntime.manual(clock) {
            RetriesWithABrokenPolicy.self
            Flaky(attempts: attempts, succeedOnAttempt: 1)
        }
        let id = try await runtime.client.start(RetriesWithABrokenPolicy.self, input: "x")
        let output = try await runtime.client.result(of: id, as: RetriesWithABrokenPolicy.self, timeout: .seconds(30))
        #expect(output.hasPrefix("Invalid RetryPolicy: backoffCoefficient is nan"))
        #expect(attempts.all == [])
    }

    /// On the wall clock's timer thread, `NSCondition.wait(until:)` trapped on a deadline past 2262.
    @Test func aTimeoutCenturiesLongOnTheWallClockWaitsAndAnEventEndsIt() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { WaitsCenturies.self }
        let id = try await runtime.client.start(WaitsCenturies.self, input: 1)
        try await waitForTimer(of: id, in: runtime)
        try await runtime.client.raiseEvent(id, name: "go", payload: 41)
        #expect(try await runtime.client.result(of: id, as: WaitsCenturies.self, timeout: .seconds(30)) == 42)
    }

    @Test func sleepingUntilTheDistantFutureWaitsForever() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { SleepsUntilTheDistantFuture.self }
        let id = try await runtime.client.start(SleepsUntilTheDistantFuture.self, input: 0)
        try await waitForTimer(of: id, in: runtime)
        try await runtime.client.raiseEvent(id, name: "go", payload: 7)
        #expect(try await runtime.client.result(of: id, as: SleepsUntilTheDistantFuture.self, timeout: .seconds(30)) == "event 7")
    }

    /// On a manual clock the far timer is armed and time can be moved past it.
    @Test func aManualClockMovesPastTheDistantFuture() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) { SleepsUntilTheDistantFuture.self }
        let id = try await runtime.client.start(SleepsUntilTheDistantFuture.self, input: 0)
        await clock.waitForSleepers()
        clock.advance(by: .seconds(Int64.max))
        #expect(try await runtime.client.result(of: id, as: SleepsUntilTheDistantFuture.self, timeout: .seconds(30)) == "woke")
    }

    /// A pending start is a timer on the same thread; one after a far one still runs.
    @Test func aStartScheduledForTheDistantFutureStaysPending() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { MeasuresChain.self }
        let far = try await runtime.client.start(MeasuresChain.self, input: Chain(next: nil), startAt: .distantFuture)
        let near = try await runtime.client.start(
            MeasuresChain.self, input: Chain(next: Chain(next: nil)), startAt: Date().addingTimeInterval(0.01))
        #expect(try await runtime.client.result(of: near, as: MeasuresChain.self, timeout: .seconds(30)) == 2)
        #expect(try await runtime.client.status(of: far).runtimeStatus == .pending)
    }

    /// `Task.sleep(for:)` traps on a duration past ~292 years.
    @Test func aClientWaitWithAnEnormousTimeoutReturnsTheResult() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { SleepsUntilTheDistantFuture.self }
        let id = try await runtime.client.start(SleepsUntilTheDistantFuture.self, input: 0)
        async let result = runtime.client.result(of: id, as: SleepsUntilTheDistantFuture.self, timeout: .seconds(Int64.max))
        try await runtime.client.raiseEvent(id, name: "go", payload: 3)
        #expect(try await result == "event 3")
    }

    /// The retention sweeper slept `retention / 4` with one `Task.sleep`, which trapped at startup.
    @Test func anEnormousRetentionStartsAndKeepsFinishedInstances() async throws {
        let runtime = try await DurableRuntime(storage: .memory, configuration: .init(retention: .seconds(Int64.max))) {
            MeasuresChain.self
        }
        let id = try await runtime.client.start(MeasuresChain.self, input: Chain(next: nil))
        #expect(try await runtime.client.result(of: id, as: MeasuresChain.self, timeout: .seconds(30)) == 1)
        #expect(try await runtime.client.status(of: id).runtimeStatus == .completed)
    }

    @Test func aNegativeRetentionIsAConfigurationError() async throws {
        await #expect(throws: DurableError.invalidConfiguration(
            "retention is -5.0 seconds; it must not be negative (nil keeps finished instances forever).")) {
            try await DurableRuntime(storage: .memory, configuration: .init(retention: .seconds(-5))) { MeasuresChain.self }
        }
    }

    @Test func aTooDeepInputIsRefusedAtStart() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { MeasuresChain.self }
        // 10,000: the old code's JSONEncoder overflowed a debug build's cooperative stack at ~5,200.
        let (head, nodes) = Chain.make(depth: 10_000)
        defer { dismantle(nodes) }
        await #expect(throws: DurableError.payloadTooDeep(type: String(reflecting: Chain.self), limit: Payload.maxNestingDepth)) {
            try await runtime.client.start(MeasuresChain.self, input: head)
        }
    }

    /// A history on disk whose input nests 100,000 deep (written by another build, or damaged):
    /// recovery replays it into a typed failure of that instance, and the runtime runs on.
    @Test func aTooDeepPayloadInAHistoryOnDiskFailsItsInstanceOnRecovery() async throws {
        let directory = TemporaryDirectory()
        let journal = try FileJournal(directory: directory.path)
        let started = HistoryEvent(
            .executionStarted(name: MeasuresChain.name, input: Payload(data: Chain.json(depth: 100_000)), parent: nil,
                scheduledStart: nil),
            at: Date())
        try await journal.waitUntilDurable(try journal.append(started, to: "deep"))
        journal.close()

        let runtime = try await DurableRuntime(storage: .directory(directory.path)) { MeasuresChain.self }
        let status = try await runtime.client.waitForCompletion(of: "deep", timeout: .seconds(30))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.message.contains("levels deep") == true, "\(String(describing: status.failure))")
        let fine = try await runtime.client.start(MeasuresChain.self, input: Chain(next: nil))
        #expect(try await runtime.client.result(of: fine, as: MeasuresChain.self, timeout: .seconds(30)) == 1)
    }

    /// Polls until the instance's history records a timer: the wall clock's timers cannot be
    /// observed otherwise. Bounded, so a timer never armed fails the test instead of hanging it.
    private func waitForTimer(of id: String, in runtime: DurableRuntime) async throws {
        let giveUp = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < giveUp {
            if try await runtime.client.history(of: id).contains(where: { $0.kind.name == "TimerCreated" }) { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("no timer was armed")
    }
}
