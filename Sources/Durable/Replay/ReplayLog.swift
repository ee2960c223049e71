/// What an instance's stored history says, indexed for replay.
///
/// Sequence numbers are dense from 0, so commands and their resolution are arrays indexed by them.
struct ReplayLog: Sendable {
    /// Recorded commands by sequence number.
    private var commandsBySequence: [Command?] = []
    /// Whether each sequence number's result is in the history (or needs none).
    private var resolvedBySequence: [Bool] = []
    /// The events that came from outside (results, fired timers, raised events, lifecycle
    /// changes), in history order: they are fed back to the code one at a time.
    private(set) var results: [HistoryEvent] = []
    /// How many times the code set its custom status.
    private(set) var customStatusCount = 0
    /// Whether the history already holds the end: ExecutionCompleted, ExecutionFailed or ExecutionTerminated.
    private(set) var isFinished = false
    /// The reason of the ExecutionTerminated the history holds; `nil` if it holds none.
    private(set) var termination: String??
    /// The change ids of the patch markers the history holds: where live code took a patch's new branch.
    private(set) var patchMarkers: Set<String> = []
    /// Whether the history holds an event-wait marker: then a wait the code makes again on
    /// recovery is a replayed one and must not record a second marker.
    private(set) var holdsEventWaitMarkers = false

    /// One past the highest recorded sequence number.
    var commandCount: Int { commandsBySequence.count }

    func command(at sequence: Int) -> Command? {
        sequence >= 0 && sequence < commandsBySequence.count ? commandsBySequence[sequence] : nil
    }

    func isResolved(_ sequence: Int) -> Bool {
        sequence >= 0 && sequence < resolvedBySequence.count && resolvedBySequence[sequence]
    }

    init(_ history: some Collection<HistoryEvent>) {
        // A typical history is half commands, half results.
        results.reserveCapacity(history.count / 2)
        commandsBySequence.reserveCapacity(history.count / 2)
        resolvedBySequence.reserveCapacity(history.count / 2)
        // Sequence numbers are dense from 0, one event each, so a valid one is below the event
        // count. Others (a damaged or hand-made history) index nothing: their results then fail
        // the replay with a nondeterminism error instead of trapping or allocating without bound.
        let limit = history.count
        for event in history {
            if let command = Command(recordedBy: event.kind), let sequence = event.kind.sequence {
                guard grow(to: sequence, below: limit) else { continue }
                commandsBySequence[sequence] = command
                if command.isFireAndForget { resolvedBySequence[sequence] = true }
                continue
            }
            switch event.kind {
            case .taskCompleted(let sequence, _), .taskFailed(let sequence, _),
                .subOrchestrationCompleted(let sequence, _), .subOrchestrationFailed(let sequence, _),
                .timerFired(let sequence, _):
                if grow(to: sequence, below: limit) { resolvedBySequence[sequence] = true }
                results.append(event)
            case .eventRaised, .executionSuspended, .executionResumed:
                results.append(event)
            case .executionTerminated(let reason, _):
                results.append(event)
                isFinished = true
                termination = .some(reason)
            case .customStatusSet:
                customStatusCount += 1
            case .patchMarker(let changeId):
                patchMarkers.insert(changeId)
            case .eventWaitStarted:
                holdsEventWaitMarkers = true
            case .executionCompleted, .executionFailed:
                isFinished = true
            case .executionStarted, .taskScheduled, .subOrchestrationCreated, .timerCreated, .eventSent, .executionRepaired:
                break
            }
        }
        // A result without its command (a damaged history) must not count as a command.
        while let last = commandsBySequence.last, last == nil {
            commandsBySequence.removeLast()
            resolvedBySequence.removeLast()
        }
    }

    /// Makes room for `sequence`; `false` (and nothing grows) if it is outside `0..<limit`.
    private mutating func grow(to sequence: Int, below limit: Int) -> Bool {
        guard sequence >= 0, sequence < limit else { return false }
        // Usually one step: sequence numbers come in order.
        while sequence >= commandsBySequence.count {
            commandsBySequence.append(nil)
            resolvedBySequence.append(false)
        }
        return true
    }
}
