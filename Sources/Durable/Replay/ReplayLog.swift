/// What an instance's stored history says, indexed for replay.
struct ReplayLog: Sendable {
    /// Recorded commands by sequence number.
    private(set) var commands: [Int: Command] = [:]
    /// Sequence numbers whose result is in the history.
    private(set) var resolved: Set<Int> = []
    /// The events that came from outside (results, fired timers, raised events, lifecycle
    /// changes), in history order: they are fed back to the code one at a time.
    private(set) var results: [HistoryEvent] = []
    /// How many times the code set its custom status.
    private(set) var customStatusCount = 0
    /// Whether the history already holds the end: ExecutionCompleted, ExecutionFailed or ExecutionTerminated.
    private(set) var isFinished = false
    /// One past the highest recorded sequence number.
    private(set) var commandCount = 0

    init(_ history: some Sequence<HistoryEvent>) {
        for event in history {
            if let command = Command(recordedBy: event.kind), let sequence = event.kind.sequence {
                commands[sequence] = command
                commandCount = max(commandCount, sequence + 1)
                if command.isFireAndForget { resolved.insert(sequence) }
                continue
            }
            switch event.kind {
            case .taskCompleted(let sequence, _), .taskFailed(let sequence, _),
                .subOrchestrationCompleted(let sequence, _), .subOrchestrationFailed(let sequence, _),
                .timerFired(let sequence, _):
                resolved.insert(sequence)
                results.append(event)
            case .eventRaised, .executionSuspended, .executionResumed:
                results.append(event)
            case .executionTerminated:
                results.append(event)
                isFinished = true
            case .customStatusSet:
                customStatusCount += 1
            case .executionCompleted, .executionFailed:
                isFinished = true
            case .executionStarted, .taskScheduled, .subOrchestrationCreated, .timerCreated, .eventSent:
                break
            }
        }
    }
}
