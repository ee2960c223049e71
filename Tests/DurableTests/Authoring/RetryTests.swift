import Durable
import Foundation
import Testing

struct TransientError: Error, CustomStringConvertible {
    var description: String { "try again" }
}

struct FatalError: Error, CustomStringConvertible {
    var description: String { "do not retry" }
}

/// Fails until its attempt number reaches `succeedOnAttempt`; logs every attempt number.
struct Flaky: Activity {
    let attempts: CallLog
    let succeedOnAttempt: Int
    var fatal = false

    func run(_ input: String, context: ActivityContext) async throws -> String {
        attempts.record("\(context.attempt)")
        guard context.attempt >= succeedOnAttempt else {
            if fatal { throw FatalError() }
            throw TransientError()
        }
        return "\(input) on attempt \(context.attempt)"
    }
}

struct CallWithRetry: Orchestration {
    struct Plan: Codable, Sendable {
        var maxAttempts = 3
        var retryTimeoutSeconds: Double?
        var retriableOnly = false
    }

    func run(_ plan: Plan, context: OrchestrationContext) async throws -> String {
        let policy = RetryPolicy(
            maxAttempts: plan.maxAttempts, firstRetryInterval: .seconds(5), backoffCoefficient: 2,
            retryTimeout: plan.retryTimeoutSeconds.map { .seconds($0) },
            shouldRetry: { plan.retriableOnly ? $0.errorType.hasSuffix("TransientError") : true })
        return try await context.call(Flaky.self, "charge", retry: policy)
    }
}

@Suite struct RetryTests {
    /// The waits between attempts as history records them: each timer's fire time minus the failure before it.
    private func backoffs(in history: [HistoryEvent]) -> [Double] {
        var lastFailure: Date?
        var delays: [Double] = []
        for event in history {
            switch event.kind {
            case .taskFailed: lastFailure = event.timestamp
            case .timerCreated(_, let fireAt): delays.append(fireAt.timeIntervalSince(lastFailure ?? event.timestamp))
            default: break
            }
        }
        return delays
    }

    private func runtime(_ clock: ManualClock, _ attempts: CallLog, succeedOn: Int, fatal: Bool = false) async throws
        -> DurableRuntime
    {
        try await DurableRuntime.manual(clock) {
            CallWithRetry.self
            Flaky(attempts: attempts, succeedOnAttempt: succeedOn, fatal: fatal)
        }
    }

    @Test func failingTwiceThenSucceedingWaitsFiveThenTenSecondsOnDurableTimers() async throws {
        let clock = ManualClock()
        let attempts = CallLog()
        let runtime = try await runtime(clock, attempts, succeedOn: 3)
        let id = try await runtime.client.start(CallWithRetry.self, input: .init())

        let (status, fired) = try await runtime.drive(id, on: clock)

        #expect(try status.output(as: String.self) == "charge on attempt 3")
        #expect(attempts.all == ["1", "2", "3"])
        #expect(fired == 2)
        let history = try await runtime.client.history(of: id)
        #expect(backoffs(in: history) == [5, 10])
        let recordedAttempts = history.compactMap { event -> Int? in
            if case .taskScheduled(_, _, _, let attempt) = event.kind { return attempt }
            return nil
        }
        #expect(recordedAttempts == [1, 2, 3])
    }

    @Test func runningOutOfAttemptsFailsWithTheLastFailure() async throws {
        let clock = ManualClock()
        let attempts = CallLog()
        let runtime = try await runtime(clock, attempts, succeedOn: 10)
        let id = try await runtime.client.start(CallWithRetry.self, input: .init())

        let (status, _) = try await runtime.drive(id, on: clock)

        #expect(status.runtimeStatus == .failed)
        let transient = String(reflecting: TransientError.self)
        let expected = FailureDetails(errorType: transient, message: "activity 'Flaky' (attempt 3) failed: \(transient): try again")
        #expect(status.failure == expected)
        #expect(try await runtime.client.history(of: id).last?.kind == .executionFailed(expected))
        #expect(attempts.all == ["1", "2", "3"])
    }

    @Test func aNonRetriableFailureFailsAtOnce() async throws {
        let clock = ManualClock()
        let attempts = CallLog()
        let runtime = try await runtime(clock, attempts, succeedOn: 3, fatal: true)
        let id = try await runtime.client.start(CallWithRetry.self, input: .init(retriableOnly: true))

        let (status, fired) = try await runtime.drive(id, on: clock)

        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.errorType.hasSuffix("FatalError") == true)
        #expect(attempts.all == ["1"])
        #expect(fired == 0)
    }

    @Test func retriesStopWhenTheNextWaitWouldPassTheRetryTimeout() async throws {
        let clock = ManualClock()
        let attempts = CallLog()
        let runtime = try await runtime(clock, attempts, succeedOn: 10)
        // Waits would be 5 s, then 10 s: 5 + 10 > 12, so the third attempt never starts.
        let id = try await runtime.client.start(CallWithRetry.self, input: .init(maxAttempts: 10, retryTimeoutSeconds: 12))

        let (status, fired) = try await runtime.drive(id, on: clock)

        #expect(status.runtimeStatus == .failed)
        #expect(attempts.all == ["1", "2"])
        #expect(fired == 1)
    }

    @Test func aCrashDuringABackoffResumesTheWait() async throws {
        let clock = ManualClock()
        let store = InMemoryHistoryStore()
        let attempts = CallLog()
        let first = try await DurableRuntime.manual(clock, storage: .store(store)) {
            CallWithRetry.self
            Flaky(attempts: attempts, succeedOnAttempt: 2)
        }
        let id = try await first.client.start(CallWithRetry.self, input: .init())
        await clock.waitForSleepers()  // attempt 1 failed; the 5 s backoff is armed
        first.shutdown()
        clock.advance(by: .seconds(3))

        let second = try await DurableRuntime.manual(clock, storage: .store(store)) {
            CallWithRetry.self
            Flaky(attempts: attempts, succeedOnAttempt: 2)
        }
        await clock.waitForSleepers()
        #expect(clock.nextDeadline == clock.now.addingTimeInterval(2))  // 2 s left of the 5, not 5 anew
        let (status, _) = try await second.drive(id, on: clock)

        #expect(try status.output(as: String.self) == "charge on attempt 2")
        #expect(attempts.all == ["1", "2"])
    }

    @Test func policyValuesAreClampedToTheirMinimums() {
        let policy = RetryPolicy(maxAttempts: 0, firstRetryInterval: .seconds(-1), backoffCoefficient: 0.5)
        #expect(policy.maxAttempts == 1)
        #expect(policy.firstRetryInterval == .zero)
        #expect(policy.backoffCoefficient == 1)
    }
}

/// A child that fails until its input's attempt counter says otherwise.
struct FlakyChild: Orchestration {
    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        try await context.call(Flaky.self, input)
    }
}

struct ParentRetryingChild: Orchestration {
    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        try await context.callSubOrchestration(
            FlakyChild.self, input, instanceId: "child", retry: .exponential(first: .seconds(1), attempts: 3))
    }
}

@Suite struct SubOrchestrationRetryTests {
    @Test func aFailedChildIsRetriedUnderANewIdAfterADurableWait() async throws {
        let clock = ManualClock()
        let calls = CallLog()
        // Each child makes one attempt of its activity; the activity succeeds on its 1st attempt only
        // once it has been called twice before, so the third child succeeds.
        let runtime = try await DurableRuntime.manual(clock) {
            ParentRetryingChild.self
            FlakyChild.self
            CountingFlaky(calls: calls, succeedOnCall: 3)
        }
        let id = try await runtime.client.start(ParentRetryingChild.self, input: "x")

        let (status, fired) = try await runtime.drive(id, on: clock)

        #expect(try status.output(as: String.self) == "x on call 3")
        #expect(fired == 2)
        #expect(try await runtime.client.status(of: "child").runtimeStatus == .failed)
        #expect(try await runtime.client.status(of: "child#2").runtimeStatus == .failed)
        #expect(try await runtime.client.status(of: "child#3").runtimeStatus == .completed)
    }
}

/// Fails until it has been called `succeedOnCall` times in all, across instances.
struct CountingFlaky: Activity {
    static var name: String { Flaky.name }
    let calls: CallLog
    let succeedOnCall: Int

    func run(_ input: String, context: ActivityContext) async throws -> String {
        calls.record(input)
        guard calls.total >= succeedOnCall else { throw TransientError() }
        return "\(input) on call \(calls.total)"
    }
}
