/// How a repair rewrites an execution's history. Pure functions of the history, so what each
/// repair keeps is decided in one place and tested without a runtime.
enum HistoryRepair {
    /// A failed execution's history for `rewind`: its failed activity and sub-orchestration
    /// results, and everything the code did after seeing the first of them, taken out.
    ///
    /// Kept: every event before the first failure; after it, the results of commands issued
    /// before it that succeeded (they do not run again), the events raised from outside and the
    /// client's suspensions and resumptions (nobody sends those again). Dropped: the failures
    /// (their commands run again), the commands, statuses and markers the code recorded after
    /// the first failure (it saw that failure; it issues them anew, or not), and the end.
    static func rewound(_ history: [HistoryEvent]) -> (events: [HistoryEvent], discarded: Int) {
        let body = history.prefix { !$0.kind.isExecutionEnd }
        let cut = body.firstIndex { $0.kind.isFailedResult } ?? body.endIndex
        var events = Array(body[..<cut])
        var issued = Set<Int>()
        for event in events where event.kind.isCommandRecord {
            if let sequence = event.kind.sequence { issued.insert(sequence) }
        }
        for event in body[cut...] {
            switch event.kind {
            case .taskCompleted(let sequence, _), .subOrchestrationCompleted(let sequence, _), .timerFired(let sequence, _):
                if issued.contains(sequence) { events.append(event) }
            case .eventRaised, .executionSuspended, .executionResumed:
                events.append(event)
            default:
                break
            }
        }
        return (events, history.count - events.count)
    }

    /// The history for `reset`: every event up to and including `index`, then the events raised
    /// from outside after it (nobody sends those again). `nil` if `index` is not a point of
    /// the history before its end.
    static func reset(_ history: [HistoryEvent], through index: Int) -> (events: [HistoryEvent], discarded: Int)? {
        guard index >= 0, index <= lastResetPoint(of: history) else { return nil }
        var events = Array(history[...index])
        for event in history[(index + 1)...] {
            if case .eventRaised = event.kind { events.append(event) }
        }
        return (events, history.count - events.count)
    }

    /// The last index `reset` accepts: the event before the end (or the last event, if none).
    static func lastResetPoint(of history: [HistoryEvent]) -> Int {
        (history.firstIndex { $0.kind.isExecutionEnd } ?? history.count) - 1
    }
}

extension HistoryEvent.Kind {
    /// Completed, failed or terminated: an execution's end.
    var isExecutionEnd: Bool {
        switch self {
        case .executionCompleted, .executionFailed, .executionTerminated: true
        default: false
        }
    }

    /// An activity's or sub-orchestration's failure.
    var isFailedResult: Bool {
        switch self {
        case .taskFailed, .subOrchestrationFailed: true
        default: false
        }
    }

    /// The record of a command the code issued.
    var isCommandRecord: Bool {
        switch self {
        case .taskScheduled, .subOrchestrationCreated, .timerCreated, .eventSent: true
        default: false
        }
    }
}
