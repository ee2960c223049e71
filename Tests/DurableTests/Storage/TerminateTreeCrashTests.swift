import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A SIGKILL inside `terminate(includeSubOrchestrations: true)`, between the parent's durable
/// termination and its children's (Sources/DurableTerminateTreeHarness kills itself there).
@Suite struct TerminateTreeCrashTests {
    private var harness: URL { ChildProcess.harness("DurableTerminateTreeHarness") }

    private func run(_ arguments: [String]) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(harness, arguments)
    }

    /// Recovery finishes the descent the crash cut short: every descendant is terminated, once,
    /// without anyone repeating the terminate (the old code left all four running).
    @Test(.timeLimit(.minutes(2)))
    func recoveryTerminatesTheDescendantsACrashLeftRunning() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: harness.path), "build the DurableTerminateTreeHarness target")
        let journal = TemporaryDirectory()
        let crash = try await run([journal.path, "crash"])
        #expect(crash.killed, "\(crash.output)")
        #expect(crash.output.contains("RUNNING\nKILLED before recording the termination of tree/"), "\(crash.output)")

        let expected = "tree terminated 1\ntree/a terminated 1\ntree/a/leaf terminated 1\ntree/b terminated 1\ntree/b/leaf terminated 1\n"
        let recovered = try await run([journal.path, "recover"])
        #expect(!recovered.killed)
        #expect(recovered.output == expected)
        // Durable, and done once: a second recovery finds the same and records nothing more.
        let again = try await run([journal.path, "recover"])
        #expect(again.output == expected)
    }
}
