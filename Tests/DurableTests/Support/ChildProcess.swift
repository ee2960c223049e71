import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of a harness executable built next to the test bundle (Sources/Durable*Harness), for
/// the tests that crash or kill a real process.
struct ChildProcess {
    /// What a run printed and how it ended.
    struct Outcome: CustomStringConvertible {
        let output: String
        let errors: String
        /// Ended by a signal; `status` is then the signal's number, else the exit status.
        let signaled: Bool
        let status: Int32

        /// Ended by SIGKILL: a kill, not a crash of its own (a trap is SIGILL or SIGTRAP).
        var killed: Bool { signaled && status == SIGKILL }

        var description: String { "(signaled: \(signaled), status: \(status), output: \(output), errors: \(errors))" }
    }

    /// The harness named `name`, next to the test bundle.
    static func harness(_ name: String) -> URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Runs `executable` and, with `killAfter`, sends it SIGKILL after that long unless it exited
    /// first. Waits for the exit without blocking a thread (a blocking read starved the
    /// cooperative pool and delayed other crash tests' kills); the output, a few lines, fits the pipe.
    static func run(_ executable: URL, _ arguments: [String], killAfter delay: Duration? = nil) async throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"  // a crash ends the process at once, without a report
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        let errors = Pipe()
        process.standardError = errors
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exited.continuation.yield() }
        try process.run()
        let killer = delay.map { delay in
            Task {
                try await Task.sleep(for: delay)  // only picks the moment of the crash; nothing waits on it
                kill(process.processIdentifier, SIGKILL)
            }
        }
        for await _ in exited.stream { break }
        killer?.cancel()
        let outcome = Outcome(
            output: String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            errors: String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            signaled: process.terminationReason == .uncaughtSignal, status: process.terminationStatus)
        // Closed here, not left to the handles' deinit: they outlived the runs, the suite held
        // 2,000+ pipe descriptors, and Foundation's Process.run crashed (a bad memcpy) past that.
        for pipe in [output, errors] {
            try? pipe.fileHandleForReading.close()
            try? pipe.fileHandleForWriting.close()
        }
        return outcome
    }
}
