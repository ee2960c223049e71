import Foundation

/// The `--check-journal DIR` command the samples (and apps) offer as a CI/CD gate.
extension CompatibilityCheck {
    /// The directory after `--check-journal` in `arguments`, if the flag is there.
    public static func journalToCheck(in arguments: [String] = CommandLine.arguments) -> String? {
        guard let index = arguments.firstIndex(of: "--check-journal"), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    /// Checks the journal in `directory` against `runtime`, prints the report, and returns the
    /// exit status for the process: 0 compatible, 1 something would break, 2 the journal could
    /// not be read. Pass a runtime on `.memory` storage with the app's registrations.
    public func run(
        journal directory: String, against runtime: DurableRuntime,
        print: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
    ) async -> Int32 {
        do {
            let report = try await check(journal: directory, against: runtime)
            print(report.description)
            return report.exitStatus
        } catch {
            print("Cannot check the journal in '\(directory)': \(error)")
            return 2
        }
    }
}
