import Foundation

/// One running orchestration instance: an actor whose executor is its own ``InstanceExecutor``.
///
/// The orchestration's code runs in a task that prefers that executor, so the code and the actor
/// share one thread of control. Commands the code issues are matched against the stored history
/// by sequence number; results come back as mailbox messages, one per drain.
actor OrchestrationInstance {
    nonisolated let instanceId: String
    nonisolated let executor: InstanceExecutor
    nonisolated let host: any InstanceHost
    private nonisolated let orchestration: OrchestrationEntry
    private nonisolated let input: Payload
    /// When the execution started; seeds deterministic UUIDs.
    private nonisolated let startedAt: Date

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private struct PendingCommand {
        let command: Command
        let continuation: UnsafeContinuation<Payload, any Error>
    }

    private let log: ReplayLog
    private var replayEventsLeft: Int
    private var nextSequence = 0
    private var customStatusCount = 0
    private var uuidCount = 0
    private var pending: [Int: PendingCommand] = [:]
    private var isFinished = false
    /// The timestamp of the event being processed: the orchestration's clock.
    private(set) var currentTime: Date

    /// Creates an instance from its history, which starts with ExecutionStarted.
    init(
        instanceId: String, orchestration: OrchestrationEntry, input: Payload, history: [HistoryEvent],
        host: any InstanceHost, scheduling: InstanceExecutor.Scheduling = .automatic
    ) {
        self.instanceId = instanceId
        self.orchestration = orchestration
        self.input = input
        self.host = host
        self.executor = InstanceExecutor(scheduling: scheduling)
        self.startedAt = history.first?.timestamp ?? host.now()
        self.currentTime = startedAt
        self.log = ReplayLog(history)
        self.replayEventsLeft = log.results.count
        executor.instance = self
    }

    /// Starts the code, then queues the history's results behind it.
    nonisolated func start() {
        let context = OrchestrationContext(instance: self)
        let orchestration = self.orchestration
        let input = self.input
        Task(executorPreference: executor) {
            let result: Result<Payload, any Error>
            do {
                result = .success(try await orchestration.run(input, context))
            } catch {
                result = .failure(error)
            }
            self.withIsolation(operation: "return") { $0.finish(result) }
        }
        executor.post(contentsOf: log.results.map(InstanceMessage.replay))
    }

    // MARK: Entry points for the orchestration's code (nonisolated, checked to be on the executor)

    /// Runs `body` isolated to the instance if the caller is on its executor. Otherwise the code
    /// escaped the executor: the instance fails with a clear error and `body` does not run.
    nonisolated func withIsolation<T: Sendable>(
        operation: String, _ body: (isolated OrchestrationInstance) -> T
    ) -> T? {
        guard executor.isCurrentThreadDraining else {
            executor.post(.fail(FailureDetails(DurableError.escapedExecutor(instanceId: instanceId, operation: operation))))
            return nil
        }
        return assumeIsolated(body)
    }

    /// Issues `command` and suspends until its result is in history.
    nonisolated func issue(_ command: @Sendable (Int) -> Command, operation: String) async throws -> Payload {
        try await withUnsafeThrowingContinuation { continuation in
            let issued: Void? = withIsolation(operation: operation) { $0.schedule(command, continuation) }
            if issued == nil {
                continuation.resume(throwing: DurableError.escapedExecutor(instanceId: instanceId, operation: operation))
            }
        }
    }

    // MARK: Isolated state machine

    /// Whether the code is still re-running what history holds: results to deliver, commands or
    /// custom statuses to re-issue, or an end already recorded.
    var isReplaying: Bool {
        replayEventsLeft > 0 || nextSequence < log.commandCount || customStatusCount < log.customStatusCount
            || log.isFinished
    }

    func newUUID() -> UUID {
        uuidCount += 1
        return DeterministicUUID.make(instanceId: instanceId, startedAt: startedAt, count: uuidCount)
    }

    func setCustomStatus(_ status: Payload) {
        guard !isFinished else { return }
        customStatusCount += 1
        // The first `log.customStatusCount` calls are already in history.
        if customStatusCount > log.customStatusCount {
            host.record(HistoryEvent(.customStatusSet(status), at: host.now()), for: self)
        }
    }

    private func schedule(_ makeCommand: (Int) -> Command, _ continuation: UnsafeContinuation<Payload, any Error>) {
        guard !isFinished else {
            continuation.resume(throwing: DurableError.instanceStopped(instanceId))
            return
        }
        let sequence = nextSequence
        nextSequence += 1
        var command = makeCommand(sequence)
        host.issued(command, sequence: sequence, from: self)
        if let recorded = log.commands[sequence] {
            guard command.replays(recorded) else {
                let error = NondeterminismError(
                    instanceId: instanceId, sequence: sequence, recorded: recorded.description,
                    attempted: command.description)
                continuation.resume(throwing: error)
                fail(FailureDetails(error))
                return
            }
            command = recorded  // keeps ids the history chose, such as a sub-orchestration's
            pending[sequence] = PendingCommand(command: command, continuation: continuation)
            if !log.resolved.contains(sequence) {
                host.dispatch(command, sequence: sequence, from: self)  // scheduled before a crash, never finished
            }
        } else {
            host.record(HistoryEvent(command.scheduledEvent(sequence: sequence), at: host.now()), for: self)
            pending[sequence] = PendingCommand(command: command, continuation: continuation)
            host.dispatch(command, sequence: sequence, from: self)
        }
    }

    func handle(_ message: InstanceMessage) {
        guard !isFinished else { return }
        switch message {
        case .replay(let event):
            replayEventsLeft -= 1
            currentTime = event.timestamp
            deliver(event.kind, replaying: true)
        case .deliver(let kind):
            // A result nobody waits for (a duplicate report) is dropped, not recorded: replay would trip on it.
            guard let sequence = kind.sequence, pending[sequence] != nil else { return }
            let event = HistoryEvent(kind, at: host.now())
            host.record(event, for: self)
            currentTime = event.timestamp
            deliver(kind, replaying: false)
        case .fail(let failure):
            fail(failure)
        case .stop:
            isFinished = true
            resumeStranded(throwing: DurableError.runtimeShutDown)
        }
    }

    private func deliver(_ kind: HistoryEvent.Kind, replaying: Bool) {
        guard let sequence = kind.sequence, let waiting = pending.removeValue(forKey: sequence) else {
            if replaying, let sequence = kind.sequence {
                // History holds a result for a command the code has not issued (or issued differently).
                fail(FailureDetails(NondeterminismError(
                    instanceId: instanceId, sequence: sequence, recorded: log.commands[sequence]?.description,
                    attempted: nil)))
            }
            return
        }
        switch (kind, waiting.command) {
        case (.taskCompleted(_, let result), _), (.subOrchestrationCompleted(_, let result), _):
            waiting.continuation.resume(returning: result)
        case (.taskFailed(_, let failure), .activity(let name, _)):
            waiting.continuation.resume(throwing: ActivityFailure(activityName: name, details: failure, attempt: 1))
        case (.subOrchestrationFailed(_, let failure), .subOrchestration(let name, let childId, _)):
            waiting.continuation.resume(throwing: SubOrchestrationFailure(name: name, instanceId: childId, details: failure))
        default:
            let error = NondeterminismError(
                instanceId: instanceId, sequence: sequence, recorded: "\(kind.name)",
                attempted: waiting.command.description)
            waiting.continuation.resume(throwing: error)
            fail(FailureDetails(error))
        }
    }

    /// The code returned or threw.
    private func finish(_ result: Result<Payload, any Error>) {
        guard !isFinished else { return }
        if nextSequence < log.commandCount, let recorded = log.commands[nextSequence] {
            fail(FailureDetails(NondeterminismError(
                instanceId: instanceId, sequence: nextSequence, recorded: recorded.description, attempted: nil)))
            return
        }
        switch result {
        case .success(let output):
            end(.completed(output), recording: .executionCompleted(output: output))
        case .failure(let error):
            let failure = FailureDetails(error)
            end(.failed(failure), recording: .executionFailed(failure))
        }
    }

    /// Stops the instance with `failure`, whatever its code is doing.
    private func fail(_ failure: FailureDetails) {
        guard !isFinished else { return }
        end(.failed(failure), recording: .executionFailed(failure))
    }

    private func end(_ outcome: InstanceOutcome, recording event: HistoryEvent.Kind) {
        isFinished = true
        if !log.isFinished {
            host.record(HistoryEvent(event, at: host.now()), for: self)
        }
        resumeStranded(throwing: DurableError.instanceStopped(instanceId))
        host.instanceFinished(self, outcome: outcome)
    }

    /// Unblocks code still waiting, so its task can unwind and release the instance.
    private func resumeStranded(throwing error: DurableError) {
        let stranded = pending.values
        pending.removeAll()
        for waiting in stranded {
            waiting.continuation.resume(throwing: error)
        }
    }
}
