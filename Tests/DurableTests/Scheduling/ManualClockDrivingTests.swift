import Durable
import Foundation
import Synchronization
import Testing

/// A quote that arrives only when the test opens its gate; says when it started.
private struct SlowQuote: Activity {
    let started: Gate
    let release: Gate

    func run(_ symbol: String, context: ActivityContext) async throws -> String {
        started.open()
        await release.wait()
        return "quote for \(symbol)"
    }
}

/// Races a quote against a 60-second timeout.
private struct QuoteOrTimeout: Orchestration {
    func run(_ symbol: String, context: OrchestrationContext) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { try await context.call(SlowQuote.self, symbol) }
            group.addTask {
                try await context.sleep(for: .seconds(60))
                return "timed out"
            }
            defer { group.cancelAll() }
            return try await group.next() ?? "none"
        }
    }
}

/// Sleeps `seconds`, then returns how long it slept by its own clock.
private struct Nap: Orchestration {
    func run(_ seconds: Int, context: OrchestrationContext) async throws -> Double {
        let start = context.now
        try await context.sleep(for: .seconds(seconds))
        return context.now.timeIntervalSince(start)
    }
}

private struct AwaitApproval: Orchestration {
    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        try await context.waitForEvent("approval", as: String.self)
    }
}

@Suite struct ManualClockDrivingTests {
    @Test func drivesAMonitorThroughItsTimersToTheEnd() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            CheckStockPrice.self
            GetStockPrice(prices: [100, 104, 108, 112])
            SendAlert()
        }
        let started = clock.now
        let id = try await runtime.client.start(
            CheckStockPrice.self, input: .init(symbol: "MSFT", threshold: 110, expiresAfter: 3_600))
        let status = try await clock.advance(untilFinished: id, in: runtime)
        #expect(status.runtimeStatus == .completed)
        #expect(try status.output?.decode(String.self) == "sent: MSFT at 112.0")
        #expect(clock.now.timeIntervalSince(started) == 360)  // three polls of 120 s, and not a second more
    }

    /// Time does not move while an activity runs: the quote wins against the timeout it races, as
    /// on the wall clock. A driver that advanced whenever a timer was armed would fire the timeout.
    @Test func anActivityInFlightFinishesBeforeTimeMoves() async throws {
        let clock = ManualClock()
        let started = Gate()
        let release = Gate()
        let runtime = try await DurableRuntime.manual(clock) {
            QuoteOrTimeout.self
            SlowQuote(started: started, release: release)
        }
        let begin = clock.now
        let id = try await runtime.client.start(QuoteOrTimeout.self, input: "MSFT")
        await started.wait()
        await clock.waitForSleepers(of: id)  // the timeout is armed: a driver is free to move time
        let driving = Task { try await clock.advance(untilFinished: id, in: runtime) }
        for _ in 0..<1_000 { await Task.yield() }  // give a wrong driver every chance to do so
        release.open()
        let status = try await driving.value
        #expect(try status.output?.decode(String.self) == "quote for MSFT")
        #expect(clock.now == begin)
    }

    @Test func aWaitWithNoTimerIsReportedNotWaitedForForever() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) { AwaitApproval.self }
        let id = try await runtime.client.start(AwaitApproval.self, input: "expense")
        await #expect(throws: DurableError.waitsForInput(instanceIds: [id])) {
            try await clock.advance(untilFinished: id, in: runtime)
        }
        try await runtime.client.raiseEvent(id, name: "approval", payload: "yes")
        let status = try await clock.advance(untilFinished: id, in: runtime)
        #expect(try status.output?.decode(String.self) == "yes")
    }

    @Test func aTimerBeyondTheLimitTimesOut() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) { Nap.self }
        let id = try await runtime.client.start(Nap.self, input: 7_200)
        await #expect(throws: DurableError.timedOut(instanceId: id, after: .seconds(3_600))) {
            try await clock.advance(untilFinished: id, in: runtime, limit: .seconds(3_600))
        }
        #expect(try await runtime.client.status(of: id).runtimeStatus == .running)
    }

    @Test func drivesEveryInstanceToItsEnd() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) { Nap.self }
        let begin = clock.now
        let ids = try await runtime.client.start(Nap.self, inputs: [30, 90, 60])
        try await clock.advanceUntilAllFinished(in: runtime)
        for (id, seconds) in zip(ids, [30.0, 90, 60]) {
            let status = try await runtime.client.status(of: id)
            #expect(try status.output?.decode(Double.self) == seconds)
        }
        #expect(clock.now.timeIntervalSince(begin) == 90)
    }

    @Test func sleepersAreCountedAndAwaitedPerInstance() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            Nap.self
            AwaitApproval.self
        }
        let waiting = try await runtime.client.start(AwaitApproval.self, input: "x")
        let napping = try await runtime.client.start(Nap.self, input: 10)
        await clock.waitForSleepers(of: napping)
        #expect(clock.sleeperCount(of: napping) == 1)
        #expect(clock.sleeperCount(of: waiting) == 0)
        #expect(clock.sleeperCount == 1)
    }

    /// A test that restarts a runtime after a crash with a new clock needs no reading of the
    /// journal: the clock catches up with the latest recorded time, so the timer fires when it was
    /// due and the orchestration never sees time run backwards.
    @Test func aRestartedRuntimeCatchesANewManualClockUp() async throws {
        let directory = TemporaryDirectory()
        let first = ManualClock()
        let runtime = try await DurableRuntime.manual(first, storage: .directory(directory.path)) { Nap.self }
        let id = try await runtime.client.start(Nap.self, input: 3_600)
        await first.waitForSleepers(of: id)
        first.advance(by: .seconds(86_400 * 30))  // far past the clock a new test would make...
        let late = try await runtime.client.start(Nap.self, input: 60)  // ...and recorded there
        await first.waitForSleepers(of: late)
        runtime.shutdown()

        let second = ManualClock()
        #expect(second.now < first.now)
        let restarted = try await DurableRuntime.manual(second, storage: .directory(directory.path)) { Nap.self }
        #expect(second.now == first.now)
        let status = try await second.advance(untilFinished: late, in: restarted)
        #expect(try status.output?.decode(Double.self) == 60)
        let overdue = try await second.advance(untilFinished: id, in: restarted)
        #expect(try overdue.output?.decode(Double.self) ?? 0 >= 3_600)
        restarted.shutdown()
    }
}
