@testable import Durable
import Foundation
import Testing

private struct Charge: Activity {
    static let name = "Charge"
    func run(_ amount: Int, context: ActivityContext) async throws -> Int { amount }
}

private struct Refund: Activity {
    static let name = "Refund"
    func run(_ amount: Int, context: ActivityContext) async throws -> Int { -amount }
}

/// The code the recorded histories were written by.
private struct CheckoutV1: Orchestration {
    static let name = "Checkout"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let first = try await context.call(Charge.self, 5)
        let second = try await context.call(Charge.self, 7)
        let approval: String = try await context.waitForEvent("Approval")
        return first + second + approval.count
    }
}

/// The two calls of the same activity swapped: replays, with swapped results.
private struct CheckoutSwapped: Orchestration {
    static let name = "Checkout"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let first = try await context.call(Charge.self, 7)
        let second = try await context.call(Charge.self, 5)
        let approval: String = try await context.waitForEvent("Approval")
        return first + second + approval.count
    }
}

/// The second step calls another activity: diverges at step 1.
private struct CheckoutRefunds: Orchestration {
    static let name = "Checkout"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let first = try await context.call(Charge.self, 5)
        let second = try await context.call(Refund.self, 7)
        let approval: String = try await context.waitForEvent("Approval")
        return first + second + approval.count
    }
}

/// The awaited event renamed.
private struct CheckoutRenamedEvent: Orchestration {
    static let name = "Checkout"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let first = try await context.call(Charge.self, 5)
        let second = try await context.call(Charge.self, 7)
        let approval: String = try await context.waitForEvent("ApprovalV2")
        return first + second + approval.count
    }
}

/// Waits for an event before its second call: history's step 1 is never reached.
private struct CheckoutWaitsFirst: Orchestration {
    static let name = "Checkout"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let first = try await context.call(Charge.self, 5)
        let go: String = try await context.waitForEvent("Go")
        return first + (try await context.call(Charge.self, 7)) + go.count
    }
}

/// Two calls of one activity in parallel, and the same with the calls reordered.
private struct FanOut: Orchestration {
    static let name = "FanOut"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        async let small = context.call(Charge.self, 1)
        async let large = context.call(Charge.self, 100)
        return try await small * 1_000 + large
    }
}

private struct FanOutReordered: Orchestration {
    static let name = "FanOut"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        async let large = context.call(Charge.self, 100)
        async let small = context.call(Charge.self, 1)
        return try await small * 1_000 + large
    }
}

private struct Unrelated: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int { input }
}

@Suite struct CompatibilityCheckTests {
    private let start = Date(timeIntervalSinceReferenceDate: 800_000_000)

    /// What CheckoutV1 recorded: both charges done, waiting for "Approval".
    private func waitingHistory() throws -> [HistoryEvent] {
        let kinds: [HistoryEvent.Kind] = [
            .executionStarted(name: "Checkout", input: try Payload(encoding: 0), parent: nil, scheduledStart: nil, executionId: "e1"),
            .taskScheduled(sequence: 0, name: "Charge", input: try Payload(encoding: 5), attempt: 1),
            .taskCompleted(sequence: 0, result: try Payload(encoding: 5)),
            .taskScheduled(sequence: 1, name: "Charge", input: try Payload(encoding: 7), attempt: 1),
            .taskCompleted(sequence: 1, result: try Payload(encoding: 7)),
        ]
        return kinds.enumerated().map { HistoryEvent($1, at: start.addingTimeInterval(Double($0))) }
    }

    private func finishedHistory() throws -> [HistoryEvent] {
        var history = try waitingHistory()
        history.append(HistoryEvent(.eventRaised(name: "Approval", input: try Payload(encoding: "ok")), at: start.addingTimeInterval(10)))
        history.append(HistoryEvent(.executionCompleted(output: try Payload(encoding: 14)), at: start.addingTimeInterval(11)))
        return history
    }

    private func report<O: Orchestration>(_ code: O.Type, comparesInputs: Bool = true) async throws -> CompatibilityReport {
        let runtime = try await DurableRuntime(storage: .memory) {
            code
            Charge()
            Refund()
        }
        defer { runtime.shutdown() }
        return await CompatibilityCheck(comparesInputs: comparesInputs)
            .check(histories: ["waiting": try waitingHistory(), "done": try finishedHistory()], against: runtime)
    }

    @Test func theCodeThatRecordedTheHistoryIsCompatibleAndItsWaitIsKnown() async throws {
        let report = try await report(CheckoutV1.self)
        #expect(report.isCompatible)
        #expect(report.exitStatus == 0)
        #expect(report.finishedCount == 1)
        let instance = try #require(report.instances.first)
        #expect(report.instances.count == 1)
        #expect(instance.instanceId == "waiting" && instance.verdict == .compatible && instance.warnings.isEmpty)
        #expect(instance.awaitedEvents == ["Approval"])
        #expect(report.description.contains("waits for event 'Approval'"))
    }

    @Test func anotherActivityAtAStepDivergesThereWithRecordedAndNow() async throws {
        let report = try await report(CheckoutRefunds.self)
        #expect(!report.isCompatible)
        #expect(report.exitStatus == 1)
        let instance = try #require(report.instances.first)
        #expect(instance.verdict == .diverges(.init(step: 1, recorded: "activity 'Charge'", now: "activity 'Refund'")))
        #expect(report.description.contains("- recorded: activity 'Charge'"))
        #expect(report.description.contains("+ now:      activity 'Refund'"))
    }

    @Test func swappedCallsOfTheSameActivityAreCaughtByTheInputCheckAsWarnings() async throws {
        let strict = try await report(CheckoutSwapped.self)
        #expect(strict.isCompatible)  // a replay matches names only: it would run, with swapped results
        let warnings = try #require(strict.instances.first).warnings
        #expect(warnings.count == 2)
        #expect(warnings.first?.hasPrefix("step 0: activity 'Charge' has a different input") == true)
        #expect(warnings.first?.contains("recorded 5, now 7") == true)
        #expect(warnings.first?.contains(InputFingerprint(try Payload(encoding: 5)).description) == true)
        let lenient = try await report(CheckoutSwapped.self, comparesInputs: false)
        #expect(lenient.instances.first?.warnings.isEmpty == true)
    }

    @Test func reorderedParallelCallsOfTheSameActivityAreCaughtByTheInputCheck() async throws {
        let kinds: [HistoryEvent.Kind] = [
            .executionStarted(name: "FanOut", input: try Payload(encoding: 0), parent: nil, scheduledStart: nil, executionId: "e1"),
            .taskScheduled(sequence: 0, name: "Charge", input: try Payload(encoding: 1), attempt: 1),
            .taskScheduled(sequence: 1, name: "Charge", input: try Payload(encoding: 100), attempt: 1),
            .taskCompleted(sequence: 1, result: try Payload(encoding: 100)),
        ]
        let history = kinds.enumerated().map { HistoryEvent($1, at: start.addingTimeInterval(Double($0))) }
        func check<O: Orchestration>(_ code: O.Type) async throws -> CompatibilityReport.Instance {
            let runtime = try await DurableRuntime(storage: .memory) {
                code
                Charge()
            }
            defer { runtime.shutdown() }
            return await CompatibilityCheck().check(history: history, instanceId: "fan", against: runtime)
        }
        let same = try await check(FanOut.self)
        #expect(same.verdict == .compatible && same.warnings.isEmpty)
        let reordered = try await check(FanOutReordered.self)
        #expect(reordered.verdict == .compatible)  // by name it replays, with the results swapped
        #expect(reordered.warnings.map { $0.prefix(7) } == ["step 0:", "step 1:"])
    }

    @Test func aRenamedAwaitedEventShowsWhatTheWaitingInstanceNowWaitsFor() async throws {
        let report = try await report(CheckoutRenamedEvent.self)
        #expect(report.instances.first?.awaitedEvents == ["ApprovalV2"])
        #expect(report.description.contains("waits for event 'ApprovalV2'"))
    }

    @Test func aRecordedStepTheCodeNoLongerReachesDivergesThere() async throws {
        let report = try await report(CheckoutWaitsFirst.self)
        #expect(report.instances.first?.verdict == .diverges(.init(
            step: 1, recorded: "activity 'Charge'", now: "no command: the code did not reach it")))
    }

    @Test func aRenamedOrchestrationIsReportedAsAMissingRegistration() async throws {
        let report = try await report(Unrelated.self)
        #expect(!report.isCompatible)
        #expect(report.instances.first?.verdict == .missingRegistration(reason: "no orchestration named 'Checkout' is registered"))
        #expect(report.description.contains("BREAKS waiting (Checkout): not registered"))
    }

    @Test func aJournalHeldByARunningRuntimeIsCheckedWithoutRunningAnything() async throws {
        let directory = TemporaryDirectory()
        let journal = try FileJournal(directory: directory.path)
        defer { journal.close() }
        for event in try waitingHistory() { _ = try journal.append(event, to: "waiting") }
        try await journal.waitUntilDurable(try journal.append(HistoryEvent(.customStatusSet(.empty), at: start), to: "other"))
        let runtime = try await DurableRuntime(storage: .memory) {
            CheckoutRefunds.self
            Charge()
            Refund()
        }
        defer { runtime.shutdown() }
        let report = try await CompatibilityCheck().check(journal: directory.path, against: runtime)
        #expect(report.source == directory.path)
        #expect(report.instances.map(\.instanceId) == ["waiting"])  // "other" has no ExecutionStarted
        #expect(report.broken.count == 1)
        // Nothing ran: the checked journal's history is as recorded, and the lending runtime holds no instance.
        #expect(journal.history(of: "waiting") == (try waitingHistory()))
        await #expect(throws: DurableError.self) { try await runtime.client.history(of: "waiting") }
    }
}
