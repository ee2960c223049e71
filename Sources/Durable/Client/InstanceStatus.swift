import Foundation

/// A snapshot of one instance, as ``DurableClient/status(of:)`` reports it.
public struct InstanceStatus: Sendable, Hashable {
    /// The instance's id.
    public var instanceId: String
    /// The orchestration's registered name.
    public var name: String
    /// Where the instance is in its life.
    public var runtimeStatus: RuntimeStatus
    /// The input it was started with.
    public var input: Payload
    /// The output, once `completed`.
    public var output: Payload?
    /// The last value the code passed to `setCustomStatus`.
    public var customStatus: Payload?
    /// Why it failed, once `failed`; while `notRegistered`, which orchestration this build lacks;
    /// while `quarantined`, why its code is not run.
    /// When the code let an activity's or a sub-orchestration's failure escape, the message names
    /// that step ahead of the original type and message (see ``ActivityFailure``); the type name is
    /// the original error's.
    public var failure: FailureDetails?
    /// The reason the client gave to ``DurableClient/terminate(_:reason:includeSubOrchestrations:)``,
    /// once `terminated`; `nil` if it gave none, or while the instance is not terminated.
    ///
    /// A termination is not recorded as a ``failure``: the code did not fail, and code that reads
    /// `failure != nil` as "it failed" stays right. The reason is what `ExecutionTerminated` records.
    public var terminationReason: String?
    /// When it was created.
    public var createdAt: Date
    /// When its history last grew.
    public var lastUpdatedAt: Date
    /// The caller, for a sub-orchestration.
    public var parent: ParentInstance?
    /// When the instance was scheduled to start, if it was started with `startAt`.
    public var scheduledStart: Date?
    /// The current execution's id, as its `ExecutionStarted` records it: a new one per start,
    /// restart of a reused id and continue-as-new. Empty for an execution recorded before
    /// executions had ids.
    public var executionId: String = ""
    /// The orchestration version the current execution runs (see ``Orchestration/version``), as
    /// its `ExecutionStarted` records it; empty for an unversioned orchestration.
    public var version: String = ""
    /// Set when the store failed to record this instance's next step (a full disk, a failed
    /// sync): the store's error, as text. The instance then stopped where it was, as at a
    /// shutdown — its ``runtimeStatus`` is the last one recorded (`running`, say), not `failed`,
    /// because no failure is in its history — and waits for it throw
    /// ``DurableError/storageFailed(instanceId:reason:)``. Restarting the runtime on the same
    /// storage, once it can write again, resumes it; `nil` otherwise.
    public var storageFailure: String? = nil
    /// Set while the instance's code is stuck in one step: when the watchdog first saw the step
    /// that has now run longer than ``DurableRuntime/Configuration/stalledStepLimit`` without
    /// suspending (a blocking call, an endless loop, a deadlock). `nil` while steps return in time.
    /// Like Temporal's "potential deadlock detected", it is a diagnostic: nothing is recorded.
    public var stalledSince: Date? = nil

    /// Why the instance ended without an output: its failure, or, for one that ended otherwise
    /// (terminated), its status as a failure, with the termination's reason if it had one (cut
    /// as any failure message is). What a parent is told.
    var endFailure: FailureDetails {
        failure ?? FailureDetails(
            errorType: "Durable.RuntimeStatus",
            message: FailureDetails.bounded(
                "instance '\(instanceId)' is \(runtimeStatus)" + (terminationReason.map { ": \($0)" } ?? "")))
    }

    /// Decodes the output as `type`; `nil` while there is none.
    public func output<Value: Decodable>(as type: Value.Type) throws -> Value? {
        try output?.decode(type)
    }

    /// Decodes the custom status as `type`; `nil` while none was set.
    public func customStatus<Value: Decodable>(as type: Value.Type) throws -> Value? {
        try customStatus?.decode(type)
    }
}

extension InstanceStatus {
    /// The status an instance has after `event`. Live execution and recovery both fold history through here.
    mutating func apply(_ event: HistoryEvent) {
        lastUpdatedAt = event.timestamp
        switch event.kind {
        case .executionStarted(let name, let input, let parent, let scheduledStart, let executionId, let version):
            self.executionId = executionId
            self.version = version ?? ""
            self.name = name
            self.input = input
            self.parent = parent
            self.scheduledStart = scheduledStart
            self.createdAt = event.timestamp
            runtimeStatus = scheduledStart.map { $0 > event.timestamp } == true ? .pending : .running
        case .executionSuspended:
            runtimeStatus = .suspended
        case .executionResumed:
            runtimeStatus = .running
        case .executionTerminated(let reason, _):
            runtimeStatus = .terminated
            terminationReason = reason
        case .customStatusSet(let value):
            customStatus = value
        case .executionCompleted(let output):
            self.output = output
            runtimeStatus = .completed
        case .executionFailed(let failure):
            self.failure = failure
            runtimeStatus = .failed
        case .executionRepaired:
            runtimeStatus = .running  // a repaired history holds no end: the code runs again
        case .taskScheduled, .taskCompleted, .taskFailed, .subOrchestrationCreated, .subOrchestrationCompleted,
            .subOrchestrationFailed, .timerCreated, .timerFired, .eventRaised, .eventSent, .patchMarker, .eventWaitStarted:
            break
        }
    }

    /// The status of an instance whose history is `events`, or `nil` if it does not start with ExecutionStarted.
    init?(instanceId: String, events: some Sequence<HistoryEvent>) {
        var iterator = events.makeIterator()
        guard let first = iterator.next(), case .executionStarted(let name, let input, _, _, _, _) = first.kind else {
            return nil
        }
        self.init(
            instanceId: instanceId, name: name, runtimeStatus: .running, input: input, createdAt: first.timestamp,
            lastUpdatedAt: first.timestamp)
        apply(first)
        while let event = iterator.next() { apply(event) }
    }
}

extension HistoryEvent.Kind {
    /// Whether recording this event changes the status a client sees right away. Commands change
    /// nothing a client sees (so they skip the table), and the end shows only once it is durable
    /// (see `Engine.instanceFinished`).
    var showsWhenRecorded: Bool {
        switch self {
        case .taskScheduled, .subOrchestrationCreated, .timerCreated, .eventSent, .executionCompleted,
            .executionFailed:
            false
        default:
            true
        }
    }
}
