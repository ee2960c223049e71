import DurableTesting
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

/// The code that recorded the fixtures in Fixtures/Checkout.
private struct Checkout: Orchestration {
    static let name = "Checkout"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let first = try await context.call(Charge.self, 5)
        let second = try await context.call(Charge.self, 7)
        let approval: String = try await context.waitForEvent("Approval")
        return first + second + approval.count
    }
}

/// Its second step changed to another activity.
private struct CheckoutRefunds: Orchestration {
    static let name = "Checkout"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let first = try await context.call(Charge.self, 5)
        let second = try await context.call(Refund.self, 7)
        let approval: String = try await context.waitForEvent("Approval")
        return first + second + approval.count
    }
}

/// The same steps, a different result.
private struct CheckoutNewTotal: Orchestration {
    static let name = "Checkout"
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let first = try await context.call(Charge.self, 5)
        let second = try await context.call(Charge.self, 7)
        let _: String = try await context.waitForEvent("Approval")
        return first + second
    }
}

@Suite struct ReplayVerifierTests {
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Checkout").path

    private func verify<O: Orchestration>(_ code: O.Type, folder: String? = nil) async throws -> ReplayVerification {
        let runtime = try await DurableRuntime(storage: .memory) {
            code
            Charge()
            Refund()
        }
        defer { runtime.shutdown() }
        return try await ReplayVerifier().verify(folder: folder ?? fixtures, against: runtime)
    }

    @Test func theCodeThatRecordedTheFixturesReplaysThemAll() async throws {
        let verification = try await verify(Checkout.self)
        #expect(verification.files.map { ($0.file as NSString).lastPathComponent } == ["done.json", "waiting.json"])
        #expect(verification.isCompatible)
        #expect(verification.exitStatus == 0)
        #expect(verification.description.contains("ok   done.json (checkout-done, Checkout)"))
    }

    @Test func aChangedStepIsReportedPerFileWithTheStepsAsADiff() async throws {
        let verification = try await verify(CheckoutRefunds.self)
        #expect(!verification.isCompatible)
        #expect(verification.exitStatus == 1)
        let waiting = try #require(verification.files.last)
        #expect(waiting.diff == [
            "  #0 TaskScheduled #0 Charge input=5",
            "- #1 activity 'Charge'",
            "+ #1 activity 'Refund'",
        ])
        #expect(verification.description.contains("FAIL waiting.json (checkout-waiting): diverges at step 1"))
    }

    @Test func aFinishedHistoryMustAlsoEndAsRecorded() async throws {
        let verification = try await verify(CheckoutNewTotal.self)
        let done = try #require(verification.files.first)
        #expect(!done.isCompatible)
        #expect(done.diff.suffix(2) == ["- #2 completed with 14", "+ #2 completed with 12"])
        #expect(verification.files.last?.isCompatible == true)  // the waiting one has not ended yet
    }

    @Test func anUnreadableFileIsReportedAndTheOthersStillChecked() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("durable-verify-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.copyItem(atPath: fixtures + "/waiting.json", toPath: folder + "/waiting.json")
        try Data(#"{"format":"durable-history","version":1,"instanceId":"x","events":[{"type":"TaskCompleted","timestamp":"2026-05-09T10:00:00Z"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: folder + "/broken.json"))
        let verification = try await verify(Checkout.self, folder: folder)
        #expect(verification.files.map(\.isCompatible) == [false, true])
        #expect(verification.description.contains("FAIL broken.json: unreadable: '\(folder)/broken.json', event 0, field 'sequence'"))
    }

    @Test func historiesRecordedByARunningBuildAreVerifiedAgainstTheNextOne() async throws {
        let journal = ArchiveTemporaryDirectory()
        let folder = ArchiveTemporaryDirectory()
        let old = try await DurableRuntime(storage: .directory(journal.path)) {
            Checkout.self
            Charge()
        }
        defer { old.shutdown() }
        let done = try await old.client.start(Checkout.self, input: 0, instanceId: "done")
        try await old.client.raiseEvent(done, name: "Approval", payload: "ok")
        _ = try await old.client.waitForCompletion(of: done)
        // Recorded while the old build still holds its journal.
        try HistoryArchive.write(try HistoryArchive.all(inJournal: journal.path), toFolder: folder.path)
        #expect(try await verify(Checkout.self, folder: folder.path).isCompatible)
        let changed = try await verify(CheckoutRefunds.self, folder: folder.path)
        #expect(changed.files.first?.diff.suffix(2) == ["- #1 activity 'Charge'", "+ #1 activity 'Refund'"])
    }
}
