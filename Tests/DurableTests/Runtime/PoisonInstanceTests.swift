import Durable
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An instance whose code kills the process every time it is replayed must not keep the runtime
/// from starting: restarted until it comes up, a real child process (Sources/DurablePoisonHarness)
/// quarantines that instance within a bounded number of crashes, and every other instance recovers
/// and finishes. Without the quarantine every restart crashes again.
@Suite(.serialized, .timeLimit(.minutes(3))) struct PoisonInstanceTests {
    private var harness: URL { ChildProcess.harness("DurablePoisonHarness") }

    private func run(_ arguments: [String]) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(harness, arguments)
    }

    @Test(arguments: ["recursion", "trap"])
    func anInstanceWhoseReplayCrashesTheProcessIsQuarantinedAndTheOthersFinish(crash: String) async throws {
        #expect(FileManager.default.isExecutableFile(atPath: harness.path), "build the DurablePoisonHarness target")
        let journal = TemporaryDirectory()
        let seeded = try await run([journal.path, "seed"])
        try #require(seeded.output.contains("SEEDED"), "seeding failed: \(seeded)")

        // One crash with every instance recovering together, then two with the poison instance
        // recovering alone: the fourth start comes up. Eight is the bound the test allows.
        var crashes: [Int32] = []
        var up: String?
        for _ in 0..<8 {
            let attempt = try await run([journal.path, "run", crash])
            if attempt.signaled {
                crashes.append(attempt.status)
                continue
            }
            up = attempt.output
            break
        }
        let expectedSignals = crash == "trap" ? [SIGILL, SIGTRAP] : [SIGSEGV]
        #expect(crashes.allSatisfy { expectedSignals.contains($0) }, "the child died of \(crashes), not the poison")
        #expect(crashes.count == 3, "came up after \(crashes.count) crashes")
        let output = try #require(up, "the runtime never came up: \(crashes.count) crashes in a row")
        let lines = output.split(separator: "\n").map(String.init)
        for index in 0..<6 {
            let expected = ((index * 2) + 100 + index) * 2
            #expect(lines.contains("worker-\(index) completed \(expected)"), "\(lines)")
        }
        #expect(lines.contains("poison quarantined"), "\(lines)")
        #expect(lines.contains("listed poison"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("poison failure: ") && $0.contains("died 3 times while this instance was being recovered") })
        #expect(lines.contains { $0.hasPrefix("poison raise refused: Instance 'poison' is quarantined") }, "\(lines)")
        #expect(lines.last == "UP")

        // The quarantine holds across restarts of the same bad build: nothing crashes.
        let again = try await run([journal.path, "run", crash])
        #expect(!again.signaled && again.output.contains("poison quarantined"), "\(again)")

        // The fixed build resumes it: the quarantine is lifted and its code runs to the end.
        let fixed = try await run([journal.path, "fixed"])
        #expect(fixed.output.contains("poison was quarantined"), "\(fixed)")
        // It finishes with the first "finish" event acknowledged: the bad build's "too early" one if
        // a run acknowledged it before the replay crashed (an acknowledged event is never lost), else the fixed build's.
        #expect(
            fixed.output.contains("poison poison finished: fixed") || fixed.output.contains("poison poison finished: too early"),
            "\(fixed)")
    }

    /// A SIGKILL (a deploy, the OOM killer, an operator) leaves no crash note, so however often
    /// it lands during recovery nothing is blamed: here the poison instance's own SIGKILL stands
    /// in for it, and after five of them the instance is still unquarantined and runs once fixed.
    @Test func killsFromOutsideDuringRecoveryQuarantineNothing() async throws {
        let journal = TemporaryDirectory()
        let seeded = try await run([journal.path, "seed"])
        try #require(seeded.output.contains("SEEDED"), "seeding failed: \(seeded)")
        for attempt in 0..<5 {
            let killed = try await run([journal.path, "run", "sigkill"])
            #expect(killed.signaled && killed.status == SIGKILL, "attempt \(attempt): \(killed)")
        }
        let fixed = try await run([journal.path, "fixed"])
        #expect(fixed.output.contains("poison was running"), "\(fixed)")
        // It finishes with the first "finish" event acknowledged: the bad build's "too early" one if
        // a run acknowledged it before the replay crashed (an acknowledged event is never lost), else the fixed build's.
        #expect(
            fixed.output.contains("poison poison finished: fixed") || fixed.output.contains("poison poison finished: too early"),
            "\(fixed)")
    }
}
