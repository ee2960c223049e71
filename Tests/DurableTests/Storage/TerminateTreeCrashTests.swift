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
    private var harness: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("DurableTerminateTreeHarness")
    }

    /// Runs the harness to its end and returns what it printed and whether a signal ended it.
    private func run(_ arguments: [String]) async throws -> (output: String, killed: Bool) {
        let process = Process()
        process.executableURL = harness
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.yield() }
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        for await _ in exited.stream { break }
        return (text, process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
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
