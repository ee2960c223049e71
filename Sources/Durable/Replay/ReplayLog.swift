/// What an instance's stored history says, indexed for replay.
struct ReplayLog: Sendable {
    /// Recorded commands by sequence number.
    private(set) var commands: [Int: Command] = [:]
    /// Sequence numbers whose result is in the history.
    private(set) var resolved: Set<Int> = []
    /// The result events, in history order: they are fed back to the code one at a time.
    private(set) var results: [HistoryEvent] = []
    /// How many times the code set its custom status.
    private(set) var customStatusCount = 0
    /// Whether the history already ends with ExecutionCompleted or ExecutionFailed.
    private(set) var isFinished = false
    /// One past the highest recorded sequence number.
    private(set) var commandCount = 0

    init(_ history: some Sequence<HistoryEvent>) {
        for event in history {
            switch event.kind {
            case .taskScheduled(let sequence, _, _), .subOrchestrationCreated(let sequence, _, _, _):
                commands[sequence] = Command(recordedBy: event.kind)
                commandCount = max(commandCount, sequence + 1)
            case .taskCompleted(let sequence, _), .taskFailed(let sequence, _),
                .subOrchestrationCompleted(let sequence, _), .subOrchestrationFailed(let sequence, _):
                resolved.insert(sequence)
                results.append(event)
            case .customStatusSet:
                customStatusCount += 1
            case .executionCompleted, .executionFailed:
                isFinished = true
            case .executionStarted:
                break
            }
        }
    }

}
