import Foundation

/// What ``CompatibilityCheck`` found for the unfinished instances of a journal: for each, whether
/// the current code can take it over, and why not. Its `description` is the text a CI log shows.
public struct CompatibilityReport: Sendable, Hashable, CustomStringConvertible {
    /// One unfinished instance's result.
    public struct Instance: Sendable, Hashable {
        /// The instance's id.
        public var instanceId: String
        /// The orchestration its history names.
        public var orchestration: String
        /// Whether the current code replays its history.
        public var verdict: Verdict
        /// What the stricter input check found, and other changes that do not stop a replay.
        public var warnings: [String]
        /// The events the current code waits for after replaying the history (derived by the
        /// replay), so a renamed event an instance can no longer receive is visible.
        public var awaitedEvents: [String]

        /// Creates a result.
        public init(instanceId: String, orchestration: String, verdict: Verdict, warnings: [String] = [], awaitedEvents: [String] = []) {
            self.instanceId = instanceId
            self.orchestration = orchestration
            self.verdict = verdict
            self.warnings = warnings
            self.awaitedEvents = awaitedEvents
        }
    }

    /// Whether the current code can take an instance over.
    public enum Verdict: Sendable, Hashable {
        /// The code replays the history as recorded.
        case compatible
        /// No orchestration (or version) the history names is registered; `reason` says which.
        case missingRegistration(reason: String)
        /// The code's commands differ from history at a step.
        case diverges(Divergence)
        /// The code throws while replaying history it used to replay (its input no longer
        /// decodes, say): the instance would fail.
        case failsOnReplay(FailureDetails)

        /// Whether deploying the code breaks the instance.
        public var breaks: Bool { self != .compatible }
    }

    /// The first step at which the code and history part ways.
    public struct Divergence: Sendable, Hashable, CustomStringConvertible {
        /// The command's sequence number: its position in the order the code issues commands.
        public var step: Int
        /// What history recorded at that step, such as `activity 'Charge'`; `nil` if nothing.
        public var recorded: String?
        /// What the code did now; `nil` if it issued no command there.
        public var now: String?

        /// Creates a divergence.
        public init(step: Int, recorded: String?, now: String?) {
            self.step = step
            self.recorded = recorded
            self.now = now
        }

        /// Two lines, `- recorded` and `+ now`, as a diff shows them.
        public var description: String {
            "step \(step):\n    - recorded: \(recorded ?? "no command")\n    + now:      \(now ?? "no command")"
        }
    }

    /// The directory (or other source) checked.
    public var source: String
    /// One result per unfinished instance, sorted by id.
    public var instances: [Instance]
    /// How many instances had finished (and so were not checked).
    public var finishedCount: Int

    /// Creates a report.
    public init(source: String, instances: [Instance], finishedCount: Int) {
        self.source = source
        self.instances = instances
        self.finishedCount = finishedCount
    }

    /// The instances the current code would break.
    public var broken: [Instance] { instances.filter { $0.verdict.breaks } }

    /// Whether nothing would break (warnings do not count).
    public var isCompatible: Bool { broken.isEmpty }

    /// How many instances carry warnings.
    public var warningCount: Int { instances.filter { !$0.warnings.isEmpty }.count }

    /// The process exit status a CI gate uses: 0 if nothing would break, 1 otherwise.
    public var exitStatus: Int32 { isCompatible ? 0 : 1 }

    /// The report as text: a summary line, then each instance that breaks or warns.
    public var description: String {
        var lines = [
            "Compatibility of \(source): \(instances.count) unfinished instance(s) checked, \(broken.count) would break, "
                + "\(warningCount) with warnings, \(finishedCount) finished (not checked)."
        ]
        for instance in instances {
            let head = "\(instance.instanceId) (\(instance.orchestration))"
            switch instance.verdict {
            case .compatible:
                lines.append("  ok     \(head)" + Self.awaiting(instance.awaitedEvents))
            case .missingRegistration(let reason):
                lines.append("  BREAKS \(head): not registered: \(reason)")
            case .diverges(let divergence):
                lines.append("  BREAKS \(head): diverges at \(divergence)")
            case .failsOnReplay(let failure):
                lines.append("  BREAKS \(head): the code now fails on replay: \(failure)")
            }
            for warning in instance.warnings { lines.append("    warning: \(warning)") }
        }
        lines.append(isCompatible ? "Result: compatible." : "Result: INCOMPATIBLE — do not deploy this code over this journal.")
        return lines.joined(separator: "\n")
    }

    private static func awaiting(_ events: [String]) -> String {
        events.isEmpty ? "" : " — waits for event " + events.map { "'\($0)'" }.joined(separator: ", ")
    }
}
