import Foundation

/// Checks, before new code is deployed, whether it can take over the instances a journal holds:
/// it replays every unfinished instance's history through a runtime's registrations and reports
/// per instance — compatible, missing registration, or diverging at step N (recorded vs now).
///
/// Nothing runs: no activity, timer or event is dispatched, and the journal is read through a
/// ``JournalSnapshot``, so the old build may keep running on it. The runtime passed in only
/// lends its registrations; give it in-memory storage (`.memory`), not the journal checked.
public struct CompatibilityCheck: Sendable {
    /// Whether each command's input is compared with the recorded one (a fingerprint of its
    /// bytes). A replay matches commands by kind and name only, so swapping two calls of the
    /// same activity, or reordering parallel ones, replays "successfully" with swapped results;
    /// this check reports such a difference as a warning.
    public var comparesInputs: Bool

    /// Creates a check; `comparesInputs` turns on the stricter input check.
    public init(comparesInputs: Bool = true) {
        self.comparesInputs = comparesInputs
    }

    /// Checks the unfinished instances of the journal in `directory` against `runtime`'s
    /// registrations. Throws the ``JournalError`` that stops the journal from being read.
    public func check(journal directory: String, against runtime: DurableRuntime) async throws -> CompatibilityReport {
        let snapshot = try JournalSnapshot(directory: directory)
        return await check(histories: snapshot.histories, against: runtime, source: directory)
    }

    /// Checks the unfinished ones of `histories` (by instance id) against `runtime`'s registrations.
    public func check(
        histories: [String: [HistoryEvent]], against runtime: DurableRuntime, source: String = "histories"
    ) async -> CompatibilityReport {
        var results: [CompatibilityReport.Instance] = []
        var finished = 0
        for (id, history) in histories.sorted(by: { $0.key < $1.key }) {
            guard let status = InstanceStatus(instanceId: id, events: history) else { continue }
            if status.runtimeStatus.isFinished {
                finished += 1
                continue
            }
            results.append(await check(history: history, instanceId: id, against: runtime))
        }
        return CompatibilityReport(source: source, instances: results, finishedCount: finished)
    }

    /// Checks one history, finished or not, against `runtime`'s registrations. For a finished
    /// one, the code must also end as history recorded (the same output, or a failure).
    public func check(history: [HistoryEvent], instanceId id: String, against runtime: DurableRuntime) async
        -> CompatibilityReport.Instance
    {
        guard let status = InstanceStatus(instanceId: id, events: history) else {
            return .init(
                instanceId: id, orchestration: "?",
                verdict: .failsOnReplay(FailureDetails(errorType: "InvalidHistory", message: "the history does not start with ExecutionStarted")))
        }
        let name = status.name
        let result: ReplayResult
        do {
            result = try await runtime.replay(history, instanceId: id)
        } catch DurableError.unknownOrchestration {
            return .init(
                instanceId: id, orchestration: name,
                verdict: .missingRegistration(reason: "no orchestration named '\(name)' is registered"))
        } catch {
            return .init(instanceId: id, orchestration: name, verdict: .missingRegistration(reason: "\(error)"))
        }
        let recorded = Self.firstCommands(history.map(\.kind))
        let now = Self.firstCommands(result.commands)
        var warnings: [String] = []
        var divergence: CompatibilityReport.Divergence?
        for step in recorded.keys.sorted() {
            guard let then = recorded[step] else { continue }
            guard let issued = now[step] else {
                // Say why the code stopped short: it threw (an input that no longer decodes, say) or finished.
                let stopped: String
                switch result.outcome {
                case .failed(let failure) where !failure.errorType.hasSuffix("NondeterminismError"):
                    stopped = "no command: the code threw first: \(Self.clipped(failure.message))"
                case .waiting:
                    stopped = "no command: the code waits without issuing it"
                        + (result.awaitedEvents.isEmpty ? "" : " (for event \(result.awaitedEvents.map { "'\($0)'" }.joined(separator: ", ")))")
                default:
                    stopped = "no command: the code did not reach it"
                }
                divergence = .init(step: step, recorded: then.description, now: stopped)
                break
            }
            guard issued.replays(then) else {
                divergence = .init(step: step, recorded: then.description, now: issued.description)
                break
            }
            if comparesInputs, let warning = Self.inputDifference(step, then, issued) { warnings.append(warning) }
        }
        let verdict: CompatibilityReport.Verdict
        if divergence == nil, let ending = Self.recordedEnding(history), let differs = Self.endingDifference(ending, result.outcome) {
            divergence = .init(step: recorded.count, recorded: differs.recorded, now: differs.now)
        }
        if divergence == nil, !status.runtimeStatus.isFinished, case .waiting = result.outcome {
            // The replay matched, but an instance parked on an event the code no longer waits for never wakes.
            divergence = Self.waitDivergence(history: history, awaitedNow: result.awaitedEvents, step: recorded.count)
        }
        if let divergence {
            verdict = .diverges(divergence)
        } else if status.runtimeStatus.isFinished {
            verdict = .compatible  // it ended as recorded
        } else {
            switch result.outcome {
            case .failed(let failure):
                verdict = .failsOnReplay(failure)
            case .completed, .continuedAsNew:
                verdict = .compatible
                warnings.append("the code now finishes on the recorded history alone, where the recorded run was still waiting")
            case .waiting, .terminated:
                verdict = .compatible
            }
        }
        return .init(instanceId: id, orchestration: name, verdict: verdict, warnings: warnings, awaitedEvents: result.awaitedEvents)
    }

    /// How a finished history ended, if it did by its code: an output or a failure.
    private static func recordedEnding(_ history: [HistoryEvent]) -> HistoryEvent.Kind? {
        history.last { if case .executionCompleted = $0.kind { true } else if case .executionFailed = $0.kind { true } else { false } }?.kind
    }

    /// What differs between how history ended and how the code ends now, if anything.
    private static func endingDifference(_ ending: HistoryEvent.Kind, _ now: ReplayResult.Outcome) -> (recorded: String, now: String)? {
        let recorded: String
        switch ending {
        case .executionCompleted(let output):
            if case .completed(let again) = now, again == output { return nil }
            recorded = "completed with \(clipped(output))"
        case .executionFailed(let failure):
            if case .failed(let again) = now, again.errorType == failure.errorType { return nil }
            recorded = "failed with \(failure.errorType)"
        default:
            return nil
        }
        let text: String
        switch now {
        case .completed(let output): text = "completed with \(clipped(output))"
        case .failed(let failure): text = "failed with \(failure.errorType): \(failure.message)"
        case .terminated: text = "terminated"
        case .continuedAsNew(let input): text = "continued as new with \(clipped(input))"
        case .waiting: text = "still waiting for something history does not hold"
        }
        return (recorded, text)
    }

    /// Each step's command, as first scheduled (a retry schedules the same step again).
    private static func firstCommands(_ events: [HistoryEvent.Kind]) -> [Int: Command] {
        var commands: [Int: Command] = [:]
        for event in events {
            guard let step = event.sequence, commands[step] == nil, let command = Command(recordedBy: event) else { continue }
            commands[step] = command
        }
        return commands
    }

    /// A warning if the command's input (or a timer's time) is not the recorded one.
    private static func inputDifference(_ step: Int, _ recorded: Command, _ now: Command) -> String? {
        if case .timer(let then) = recorded, case .timer(let fireAt) = now {
            return then == fireAt ? nil : "step \(step): timer now fires at \(fireAt), history recorded \(then)"
        }
        guard let then = recorded.payload, let input = now.payload, then != input else { return nil }
        return "step \(step): \(now) has a different input than recorded (fingerprint \(InputFingerprint(then)) recorded, "
            + "\(InputFingerprint(input)) now): recorded \(clipped(then)), now \(clipped(input)) — calls swapped or reordered?"
    }

    private static func clipped(_ payload: Payload) -> String { clipped(payload.description) }

    private static func clipped(_ text: String) -> String {
        text.count <= 80 ? text : text.prefix(77) + "..."
    }
}

/// A short, stable fingerprint of a command's input: FNV-1a over its bytes, as 16 hex digits.
/// The same bytes give the same fingerprint in every build and process.
public struct InputFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// The 64-bit hash.
    public let value: UInt64

    /// The fingerprint of `payload`'s bytes.
    public init(_ payload: Payload) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in payload.data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        value = hash
    }

    /// The hash as 16 lowercase hex digits.
    public var description: String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
