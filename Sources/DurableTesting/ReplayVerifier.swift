import Durable
import Foundation

/// Replays a folder of archived histories (``HistoryArchive`` files) against the current
/// registrations and reports per file: compatible, or the first divergence — the step, what
/// history recorded and what the code did now, as a diff of the steps. Meant for CI: "does this
/// change break the instances recorded in production?"
///
/// Finished histories are checked too: the code must also end as recorded. Nothing runs; the
/// runtime passed in only lends its registrations (give it `.memory` storage).
public struct ReplayVerifier: Sendable {
    /// Whether each command's input is compared with the recorded one (warnings; see
    /// ``CompatibilityCheck/comparesInputs``).
    public var comparesInputs: Bool

    /// Creates a verifier.
    public init(comparesInputs: Bool = true) {
        self.comparesInputs = comparesInputs
    }

    /// Verifies every `.json` file of `folder`; a file that does not read is reported, not thrown.
    public func verify(folder: String, against runtime: DurableRuntime) async throws -> ReplayVerification {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw HistoryArchiveError.io(file: folder, reason: "cannot be listed (\(error.localizedDescription))")
        }
        var files: [ReplayVerification.File] = []
        for name in names {
            let path = (folder as NSString).appendingPathComponent(name)
            do {
                files.append(await verify(try HistoryArchive(contentsOf: path), file: path, against: runtime))
            } catch {
                files.append(.init(file: path, instanceId: nil, outcome: .unreadable(error), diff: []))
            }
        }
        return ReplayVerification(folder: folder, files: files)
    }

    /// Verifies one archive; `file` names it in the report.
    public func verify(_ archive: HistoryArchive, file: String, against runtime: DurableRuntime) async -> ReplayVerification.File {
        let result = await CompatibilityCheck(comparesInputs: comparesInputs)
            .check(history: archive.events, instanceId: archive.instanceId, against: runtime)
        return .init(file: file, instanceId: archive.instanceId, outcome: .checked(result), diff: Self.diff(archive.events, result))
    }

    /// The recorded steps up to a divergence, unchanged ones as `  #n …`, the diverging one as
    /// `- #n recorded` / `+ #n now`.
    private static func diff(_ history: [HistoryEvent], _ result: CompatibilityReport.Instance) -> [String] {
        guard case .diverges(let divergence) = result.verdict else { return [] }
        var lines: [String] = []
        var seen = Set<Int>()
        for event in history {
            guard let step = event.kind.sequence, Self.isScheduling(event.kind), seen.insert(step).inserted, step < divergence.step
            else { continue }
            lines.append("  #\(step) \(event)")
        }
        lines.append("- #\(divergence.step) \(divergence.recorded ?? "no command (history ends here)")")
        lines.append("+ #\(divergence.step) \(divergence.now ?? "no command")")
        return lines
    }

    private static func isScheduling(_ kind: HistoryEvent.Kind) -> Bool {
        switch kind {
        case .taskScheduled, .subOrchestrationCreated, .timerCreated, .eventSent: true
        default: false
        }
    }
}

/// What ``ReplayVerifier`` found, per file. Its `description` is the text a CI log shows.
public struct ReplayVerification: Sendable, CustomStringConvertible {
    /// One archive file's result.
    public struct File: Sendable {
        /// The file's path.
        public var file: String
        /// The instance the file holds; `nil` if it did not read.
        public var instanceId: String?
        /// What checking it found.
        public var outcome: Outcome
        /// For a divergence, the steps up to it as a diff; empty otherwise.
        public var diff: [String]

        /// Whether the code replays the file's history.
        public var isCompatible: Bool {
            if case .checked(let result) = outcome { return !result.verdict.breaks }
            return false
        }
    }

    /// A file's result: checked, or not readable.
    public enum Outcome: Sendable {
        /// Replayed; the verdict and warnings say how it went.
        case checked(CompatibilityReport.Instance)
        /// The file is not a readable archive (a ``HistoryArchiveError``, usually).
        case unreadable(any Error)
    }

    /// The folder verified.
    public var folder: String
    /// One result per file, sorted by name.
    public var files: [File]

    /// Whether every file replays.
    public var isCompatible: Bool { files.allSatisfy(\.isCompatible) }

    /// The process exit status a CI step uses: 0 if every file replays, 1 otherwise.
    public var exitStatus: Int32 { isCompatible ? 0 : 1 }

    /// A line per file, and each divergence's diff under it.
    public var description: String {
        var lines = ["Replay of \(files.count) archived histories in \(folder): \(files.filter { !$0.isCompatible }.count) incompatible."]
        for file in files {
            let name = (file.file as NSString).lastPathComponent
            switch file.outcome {
            case .unreadable(let error):
                lines.append("FAIL \(name): unreadable: \(error)")
            case .checked(let result):
                switch result.verdict {
                case .compatible: lines.append("ok   \(name) (\(result.instanceId), \(result.orchestration))")
                case .missingRegistration(let reason): lines.append("FAIL \(name): not registered: \(reason)")
                case .diverges(let divergence): lines.append("FAIL \(name) (\(result.instanceId)): diverges at step \(divergence.step)")
                case .failsOnReplay(let failure): lines.append("FAIL \(name): the code now fails on replay: \(failure)")
                }
                lines += file.diff.map { "     " + $0 }
                lines += result.warnings.map { "     warning: " + $0 }
            }
        }
        return lines.joined(separator: "\n")
    }
}
