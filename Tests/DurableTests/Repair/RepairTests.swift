import Durable
import Foundation
import Synchronization
import Testing

/// Counts its runs; returns its input tagged.
struct Reserve: Activity {
    let runs: Tally
    func run(_ item: String, context: ActivityContext) async throws -> String {
        _ = runs.next()
        return "reserved \(item)"
    }
}

/// Fails its first `failures` runs, then succeeds: an outage that was fixed.
private struct Charge: Activity {
    struct Outage: Error {}
    let runs: Tally
    let failures: Int
    func run(_ item: String, context: ActivityContext) async throws -> String {
        if runs.next() < failures { throw Outage() }
        return "charged \(item)"
    }
}

struct ReserveThenCharge: Orchestration {
    func run(_ item: String, context: OrchestrationContext) async throws -> String {
        let reserved = try await context.call(Reserve.self, item)
        let charged = try await context.call(Charge.self, item)
        return "\(reserved), \(charged)"
    }
}

/// Waits for a "go" event: a running instance.
struct WaitsForGo: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        try await context.waitForEvent("go", as: Int.self) + input
    }
}

/// Classifies an amount, with the bug that made instances take the wrong branch.
struct ClassifyBuggy: Orchestration {
    static var name: String { "Classify" }
    func run(_ item: String, context: OrchestrationContext) async throws -> String {
        let amount = try await context.call(Quote.self, item)
        return amount > 100 ? "small" : "large"  // the bug: the branches are swapped
    }
}

struct ClassifyFixed: Orchestration {
    static var name: String { "Classify" }
    func run(_ item: String, context: OrchestrationContext) async throws -> String {
        let amount = try await context.call(Quote.self, item)
        return amount > 100 ? "large" : "small"
    }
}

struct Quote: Activity {
    let runs: Tally
    func run(_ item: String, context: ActivityContext) async throws -> Int {
        _ = runs.next()
        return 250
    }
}

/// Counts runs of an activity: `next()` returns the run's number from 0, `count` how many ran.
final class Tally: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { value in
            defer { value += 1 }
            return value
        }
    }

    var count: Int { value.withLock { $0 } }
}

@Suite(.timeLimit(.minutes(1))) struct RepairTests {
    private final class Runs: Sendable {
        let reserve = Tally()
        let charge = Tally()
    }

    private func runtime(_ runs: Runs, failures: Int = 1) async throws -> DurableRuntime {
        try await DurableRuntime(storage: .memory) {
            ReserveThenCharge.self
            WaitsForGo.self
            Reserve(runs: runs.reserve)
            Charge(runs: runs.charge, failures: failures)
        }
    }

    @Test func rewindRunsTheFailedStepAgainAndKeepsTheOnesThatSucceeded() async throws {
        let runs = Runs()
        let runtime = try await runtime(runs)
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ReserveThenCharge.self, input: "book")
        #expect(try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10)).runtimeStatus == .failed)

        try await runtime.client.rewind(id, reason: "ops: payment provider is back")
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))

        #expect(status.runtimeStatus == .completed)
        #expect(try status.output(as: String.self) == "reserved book, charged book")
        #expect(runs.reserve.count == 1)  // not run again
        #expect(runs.charge.count == 2)
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "TaskFailed") == 0)
        #expect(history.count(of: "ExecutionFailed") == 0)
        #expect(history.map(\.description).contains("ExecutionRepaired rewind discarded=2 ops: payment provider is back"))
    }

    @Test func rewindRefusesAnInstanceThatDidNotFail() async throws {
        let runs = Runs()
        let runtime = try await runtime(runs, failures: 0)
        defer { runtime.shutdown() }
        let done = try await runtime.client.start(ReserveThenCharge.self, input: "pen")
        _ = try await runtime.client.waitForCompletion(of: done, timeout: .seconds(10))
        let waiting = try await runtime.client.start(WaitsForGo.self, input: 1)
        _ = try await runtime.client.waitForStart(of: waiting, timeout: .seconds(10))

        await #expect(throws: DurableError.invalidStatus(instanceId: done, status: .completed, operation: "rewind")) {
            try await runtime.client.rewind(done)
        }
        await #expect(throws: DurableError.invalidStatus(instanceId: waiting, status: .running, operation: "rewind")) {
            try await runtime.client.rewind(waiting)
        }
        await #expect(throws: DurableError.unknownInstance("nobody")) { try await runtime.client.rewind("nobody") }
    }

    @Test func restartRunsAFinishedInstanceAgainWithItsInputUnderItsIdOrANewOne() async throws {
        let runs = Runs()
        let runtime = try await runtime(runs, failures: 0)
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ReserveThenCharge.self, input: "mug", instanceId: "order-1")
        let first = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))

        #expect(try await runtime.client.restart(id) == id)
        let again = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        let copy = try await runtime.client.restart(id, newInstanceId: "order-1-copy")
        let copied = try await runtime.client.waitForCompletion(of: copy, timeout: .seconds(10))

        #expect(try again.output(as: String.self) == "reserved mug, charged mug")
        #expect(again.executionId != first.executionId)
        #expect(copy == "order-1-copy")
        #expect(try copied.output(as: String.self) == "reserved mug, charged mug")
        #expect(runs.reserve.count == 3)
        let waiting = try await runtime.client.start(WaitsForGo.self, input: 1)
        _ = try await runtime.client.waitForStart(of: waiting, timeout: .seconds(10))
        await #expect(throws: DurableError.invalidStatus(instanceId: waiting, status: .running, operation: "restart")) {
            try await runtime.client.restart(waiting)
        }
    }

    /// The buggy build completed the instance down the wrong branch; the fixed build resets it to
    /// just after the quote: the quote is not asked again, the right branch is taken.
    @Test func resetRerunsFromAChosenPointWithFixedCode() async throws {
        let directory = TemporaryDirectory()
        let quotes = Tally()
        do {
            let buggy = try await DurableRuntime(storage: .directory(directory.path)) {
                ClassifyBuggy.self
                Quote(runs: quotes)
            }
            try await buggy.client.start(ClassifyBuggy.self, input: "crate", instanceId: "crate")
            let wrong = try await buggy.client.waitForCompletion(of: "crate", timeout: .seconds(10))
            #expect(try wrong.output(as: String.self) == "small")
            buggy.shutdown()
        }
        let fixed = try await DurableRuntime(storage: .directory(directory.path)) {
            ClassifyFixed.self
            Quote(runs: quotes)
        }
        let history = try await fixed.client.history(of: "crate")
        let quoted = try #require(history.firstIndex { $0.kind.name == "TaskCompleted" })

        await #expect(throws: DurableError.invalidResetPoint(instanceId: "crate", eventIndex: history.count - 1, lastValid: quoted)) {
            try await fixed.client.reset("crate", toEvent: history.count - 1)
        }
        try await fixed.client.reset("crate", toEvent: quoted, reason: "fix #12: branches were swapped")
        let right = try await fixed.client.waitForCompletion(of: "crate", timeout: .seconds(10))

        #expect(try right.output(as: String.self) == "large")
        #expect(quotes.count == 1)
        let repaired = try await fixed.client.history(of: "crate").map(\.kind.name)
        #expect(repaired == ["ExecutionStarted", "TaskScheduled", "TaskCompleted", "ExecutionRepaired", "ExecutionCompleted"])
        fixed.shutdown()

        // The audit record is in the journal (kind 26): a restart reads it back.
        let reopened = try await DurableRuntime(storage: .directory(directory.path)) {
            ClassifyFixed.self
            Quote(runs: quotes)
        }
        defer { reopened.shutdown() }
        let audit = try await reopened.client.history(of: "crate").first { $0.kind.name == "ExecutionRepaired" }
        #expect(audit?.kind == .executionRepaired(action: "reset", reason: "fix #12: branches were swapped", discardedEvents: 1))
        #expect(try await reopened.client.status(of: "crate").runtimeStatus == .completed)
    }

    @Test func resetRefusesARunningInstance() async throws {
        let runtime = try await runtime(Runs())
        defer { runtime.shutdown() }
        let waiting = try await runtime.client.start(WaitsForGo.self, input: 1)
        _ = try await runtime.client.waitForStart(of: waiting, timeout: .seconds(10))
        await #expect(throws: DurableError.invalidStatus(instanceId: waiting, status: .running, operation: "reset")) {
            try await runtime.client.reset(waiting, toEvent: 0)
        }
    }
}
