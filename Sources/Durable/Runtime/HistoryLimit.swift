/// How far one execution's history may grow: the one place that knows
/// ``DurableRuntime/Configuration/maxHistoryEvents`` and ``DurableRuntime/Configuration/maxHistoryBytes``,
/// and the warning threshold below them.
struct HistoryLimit: Sendable {
    /// The most events a history may hold; the event past it fails the instance.
    let events: Int
    /// The most counted bytes a history may hold (see ``HistoryEvent/Kind/countedSize``).
    let bytes: Int
    /// From this many events on, continue-as-new is suggested and the runtime warns once: a
    /// fifth of the limit, as Temporal warns at 10,240 of its 51,200 events.
    let warningEvents: Int
    /// As ``warningEvents``, for bytes: a fifth of ``bytes`` (10 MiB of 50 MiB by default).
    let warningBytes: Int

    /// The configured limits, or ``DurableError/invalidConfiguration(_:)`` if one is out of range.
    init(_ configuration: DurableRuntime.Configuration) throws(DurableError) {
        guard configuration.maxHistoryEvents >= 1, configuration.maxHistoryBytes >= 1 else {
            throw .invalidConfiguration(
                "maxHistoryEvents is \(configuration.maxHistoryEvents) and maxHistoryBytes is"
                    + " \(configuration.maxHistoryBytes); both must be at least 1.")
        }
        guard configuration.maxSubOrchestrationDepth >= 0 else {
            throw .invalidConfiguration(
                "maxSubOrchestrationDepth is \(configuration.maxSubOrchestrationDepth); it must be at least 0"
                    + " (0 allows no sub-orchestrations).")
        }
        self.init(events: configuration.maxHistoryEvents, bytes: configuration.maxHistoryBytes)
    }

    init(events: Int, bytes: Int) {
        self.events = events
        self.bytes = bytes
        self.warningEvents = events / 5
        self.warningBytes = bytes / 5
    }
}

/// One execution's history as counted so far against its ``HistoryLimit``: the events the code
/// has seen or produced, in the order it saw them. Counted the same way live and on replay (from
/// the recorded events themselves), so what it says at a point in the code is the same every time.
struct HistoryBudget: Sendable {
    /// What adding an event did.
    enum Growth {
        case withinLimit
        /// This event reached the warning threshold (first for this execution).
        case reachedWarning
        /// The history is now past the limit.
        case overLimit
    }

    let limit: HistoryLimit
    private(set) var events = 0
    private(set) var bytes = 0

    init(limit: HistoryLimit) {
        self.limit = limit
    }

    /// Whether the history has reached the warning threshold.
    var isContinueAsNewSuggested: Bool { events >= limit.warningEvents || bytes >= limit.warningBytes }

    /// Whether one more event of `size` bytes would take the history past the limit.
    func wouldExceed(adding size: Int) -> Bool {
        events >= limit.events || size > limit.bytes - bytes
    }

    /// Counts one event of `size` bytes.
    mutating func add(_ size: Int) -> Growth {
        let wasSuggested = isContinueAsNewSuggested
        let over = wouldExceed(adding: size)
        events += 1  // at most one past the limit: the event past it ends the execution
        bytes = size > Int.max - bytes ? Int.max : bytes + size
        if over { return .overLimit }
        return !wasSuggested && isContinueAsNewSuggested ? .reachedWarning : .withinLimit
    }

    /// The error that fails an execution whose history went past the limit.
    func error(instanceId: String) -> DurableError {
        .historyTooLarge(instanceId: instanceId, events: events, bytes: bytes, eventLimit: limit.events, byteLimit: limit.bytes)
    }

    /// The warning logged once when the history reaches the threshold.
    func warning(instanceId: String) -> String {
        "instance '\(instanceId)' has \(events) events (\(bytes) bytes) in its history: continue-as-new is"
            + " suggested (context.isContinueAsNewSuggested); at \(limit.events) events or \(limit.bytes) bytes"
            + " the instance fails."
    }
}

extension HistoryEvent.Kind {
    /// The bytes this event counts toward ``DurableRuntime/Configuration/maxHistoryBytes``: the
    /// values and texts it carries. Not the journal's framing, which is small and fixed per event.
    var countedSize: Int {
        switch self {
        case .executionStarted(let name, let input, let parent, _, let executionId, let version):
            name.utf8.count + input.data.count + (parent?.instanceId.utf8.count ?? 0) + executionId.utf8.count
                + (version?.utf8.count ?? 0)
        case .taskScheduled(_, let name, let input, _): name.utf8.count + input.data.count
        case .subOrchestrationCreated(_, let name, let instanceId, let input):
            name.utf8.count + instanceId.utf8.count + input.data.count
        case .eventSent(_, let instanceId, let name, let input, let target):
            instanceId.utf8.count + name.utf8.count + input.data.count + (target?.utf8.count ?? 0)
        case .taskCompleted(_, let result), .subOrchestrationCompleted(_, let result): result.data.count
        case .taskFailed(_, let failure), .subOrchestrationFailed(_, let failure), .executionFailed(let failure):
            failure.errorType.utf8.count + failure.message.utf8.count
        case .eventRaised(let name, let input, let source): name.utf8.count + input.data.count + (source?.utf8.count ?? 0)
        case .executionSuspended(let reason), .executionResumed(let reason), .executionTerminated(let reason, _):
            reason?.utf8.count ?? 0
        case .customStatusSet(let status): status.data.count
        case .patchMarker(let changeId): changeId.utf8.count
        case .eventWaitStarted(let name): name.utf8.count
        case .executionRepaired(let action, let reason, _): action.utf8.count + (reason?.utf8.count ?? 0)
        case .executionCompleted(let output): output.data.count
        case .timerCreated, .timerFired: 0
        }
    }
}

extension Command {
    /// ``HistoryEvent/Kind/countedSize`` of the event that records the command, without making it.
    var countedSize: Int {
        switch self {
        case .activity(let name, let input, _): name.utf8.count + input.data.count
        case .subOrchestration(let name, let instanceId, let input): name.utf8.count + instanceId.utf8.count + input.data.count
        case .sendEvent(let instanceId, let name, let input): instanceId.utf8.count + name.utf8.count + input.data.count
        case .timer: 0
        }
    }
}
