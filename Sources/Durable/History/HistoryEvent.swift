import Foundation

/// One entry of an instance's history: what happened, and when.
///
/// History is the source of truth. The orchestration's state is whatever replaying these events
/// through its code produces, and the list doubles as the instance's audit trail.
public struct HistoryEvent: Sendable, Hashable, Codable {
    /// When the event was recorded. During replay this is what `context.now` reports.
    public var timestamp: Date
    /// What happened.
    public var kind: Kind

    /// Creates an event.
    public init(_ kind: Kind, at timestamp: Date) {
        self.kind = kind
        self.timestamp = timestamp
    }

    /// The kinds of events an instance's history holds.
    ///
    /// Events that carry a `sequence` belong to one command of the orchestration: the number is
    /// the command's position in the order the code issued its commands.
    public enum Kind: Sendable, Hashable, Codable {
        /// An execution of the instance began, with this orchestration and input: a start, a
        /// restart of a reused id, a continue-as-new, a sub-orchestration's start. `parent` links a
        /// sub-orchestration to its caller, `scheduledStart` delays the first run.
        ///
        /// `executionId` names this execution (a new one per start, reuse and continue-as-new):
        /// what reaches the instance from outside is meant for one execution, and a child's end
        /// reaches its parent only if the parent still runs the execution that created it. It is
        /// empty in histories written before executions had ids (and by default in histories built
        /// by hand, for ``DurableRuntime/replay(_:instanceId:)``).
        ///
        /// `version` is the orchestration's ``Orchestration/version`` this execution runs: it keeps
        /// running that version's code across restarts. `nil` for an unversioned orchestration, and
        /// in histories written before versions (optional, so their encoded forms still decode).
        ///
        /// Boxed (`indirect`): one allocation per execution, so its fields, the largest of any
        /// kind, do not set the size of every event (B3 memory ~25% slower unboxed).
        indirect case executionStarted(
            name: String, input: Payload, parent: ParentInstance?, scheduledStart: Date?, executionId: String = "",
            version: String? = nil)
        /// The code called an activity; `attempt` counts retries from 1.
        case taskScheduled(sequence: Int, name: String, input: Payload, attempt: Int)
        /// The activity returned.
        case taskCompleted(sequence: Int, result: Payload)
        /// The activity threw.
        case taskFailed(sequence: Int, failure: FailureDetails)
        /// The code started a sub-orchestration.
        case subOrchestrationCreated(sequence: Int, name: String, instanceId: String, input: Payload)
        /// The sub-orchestration returned.
        case subOrchestrationCompleted(sequence: Int, result: Payload)
        /// The sub-orchestration failed.
        case subOrchestrationFailed(sequence: Int, failure: FailureDetails)
        /// The code started a durable timer.
        case timerCreated(sequence: Int, fireAt: Date)
        /// The timer's time came.
        case timerFired(sequence: Int, fireAt: Date)
        /// An external event arrived, from a client or another orchestration.
        ///
        /// `sourceEventId` names an event another orchestration sent (`context.sendEvent`): the
        /// sender's instance, execution and sequence number. A send is delivered again after a
        /// crash; the receiver records each id once and drops a repeat. `nil` for a client's event.
        case eventRaised(name: String, input: Payload, sourceEventId: String? = nil)
        /// The code sent an event to another instance.
        ///
        /// `targetExecution` names the target's execution that took events when the send was
        /// recorded (its execution id; for an execution started before executions had ids, its
        /// start time): the event goes to that execution only, live and when recovery sends it
        /// again. Empty if no execution of the target took events then: the event is dropped.
        /// `nil` in histories written before sends named it (and by default in histories built
        /// by hand); such a send goes to a target execution started no later than the send.
        case eventSent(sequence: Int, instanceId: String, name: String, input: Payload, targetExecution: String? = nil)
        /// A client suspended the instance; events that arrive are held until it resumes.
        case executionSuspended(reason: String?)
        /// A client resumed the instance.
        case executionResumed(reason: String?)
        /// A client terminated the instance. `includeSubOrchestrations` records that the whole
        /// tree is to be terminated: the descendants this execution started are terminated after
        /// it, and a recovery that finds some still running (a crash cut the descent short)
        /// terminates them before anything resumes.
        case executionTerminated(reason: String?, includeSubOrchestrations: Bool = false)
        /// The code set its custom status.
        case customStatusSet(Payload)
        /// The orchestration returned.
        case executionCompleted(output: Payload)
        /// The orchestration threw, or the engine stopped it (for example on nondeterminism).
        case executionFailed(FailureDetails)
        /// Live code reached `context.patched(changeId)` (or `deprecatePatch`) and took the new
        /// branch. It carries no sequence number, so old histories, which have none, keep theirs.
        case patchMarker(changeId: String)
        /// Live code began waiting for an event named `name` that was not already buffered: a
        /// record of what the instance waits for, which the pre-deploy check compares with what
        /// new code waits for. Like a patch marker it carries no sequence number; replay ignores it.
        case eventWaitStarted(name: String)
        /// A client repaired the execution (``DurableClient/rewind(_:reason:)``,
        /// ``DurableClient/reset(_:toEvent:reason:)``): `action` says which, `reason` who and why,
        /// `discardedEvents` how many recorded events the repair took out of the history.
        /// The audit record of a rewritten history; replay ignores it.
        case executionRepaired(action: String, reason: String?, discardedEvents: Int)
    }
}

/// The caller of a sub-orchestration: its instance, the execution of it that made the call, and
/// the sequence number of the call.
public struct ParentInstance: Sendable, Hashable, Codable {
    /// The parent's instance id.
    public var instanceId: String
    /// The sequence number of the `callSubOrchestration` command in the parent.
    public var sequence: Int
    /// The parent's execution that started the child (see ``InstanceStatus/executionId``): the
    /// child's end is delivered to that execution only. Empty in histories written before
    /// executions had ids.
    public var executionId: String

    /// Creates a link.
    public init(instanceId: String, sequence: Int, executionId: String = "") {
        self.instanceId = instanceId
        self.sequence = sequence
        self.executionId = executionId
    }

    private enum CodingKeys: String, CodingKey {
        case instanceId, sequence, executionId
    }

    /// Decodes a link; one encoded before executions had ids has an empty ``executionId``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        instanceId = try container.decode(String.self, forKey: .instanceId)
        sequence = try container.decode(Int.self, forKey: .sequence)
        executionId = try container.decodeIfPresent(String.self, forKey: .executionId) ?? ""
    }
}

extension HistoryEvent.Kind {
    /// The sequence number of the command this event belongs to, if any.
    public var sequence: Int? {
        switch self {
        case .taskScheduled(let sequence, _, _, _), .taskCompleted(let sequence, _), .taskFailed(let sequence, _),
            .subOrchestrationCreated(let sequence, _, _, _), .subOrchestrationCompleted(let sequence, _),
            .subOrchestrationFailed(let sequence, _), .timerCreated(let sequence, _), .timerFired(let sequence, _),
            .eventSent(let sequence, _, _, _, _):
            return sequence
        case .executionStarted, .eventRaised, .executionSuspended, .executionResumed, .executionTerminated,
            .customStatusSet, .executionCompleted, .executionFailed, .patchMarker, .eventWaitStarted, .executionRepaired:
            return nil
        }
    }

    /// The event's name as it appears in audit trails, such as `TaskScheduled`.
    public var name: String {
        switch self {
        case .executionStarted: "ExecutionStarted"
        case .taskScheduled: "TaskScheduled"
        case .taskCompleted: "TaskCompleted"
        case .taskFailed: "TaskFailed"
        case .subOrchestrationCreated: "SubOrchestrationCreated"
        case .subOrchestrationCompleted: "SubOrchestrationCompleted"
        case .subOrchestrationFailed: "SubOrchestrationFailed"
        case .timerCreated: "TimerCreated"
        case .timerFired: "TimerFired"
        case .eventRaised: "EventRaised"
        case .eventSent: "EventSent"
        case .executionSuspended: "ExecutionSuspended"
        case .executionResumed: "ExecutionResumed"
        case .executionTerminated: "ExecutionTerminated"
        case .customStatusSet: "CustomStatusSet"
        case .executionCompleted: "ExecutionCompleted"
        case .executionFailed: "ExecutionFailed"
        case .patchMarker: "PatchMarker"
        case .eventWaitStarted: "EventWaitStarted"
        case .executionRepaired: "ExecutionRepaired"
        }
    }
}

extension HistoryEvent: CustomStringConvertible {
    /// One line of an audit trail: `TaskScheduled #2 ProcessPayment input={"amount":12}`.
    public var description: String {
        let detail: String
        switch kind {
        case .executionStarted(let name, let input, let parent, let scheduledStart, let executionId, let version):
            detail = "\(name)" + (version.map { " version=\($0)" } ?? "") + " input=\(input)"
                + (parent.map { " parent=\($0.instanceId)#\($0.sequence)" } ?? "")
                + (scheduledStart.map { " scheduledStart=\($0)" } ?? "")
                + (executionId.isEmpty ? "" : " execution=\(executionId)")
        case .taskScheduled(let seq, let name, let input, let attempt):
            detail = "#\(seq) \(name) input=\(input)" + (attempt > 1 ? " attempt=\(attempt)" : "")
        case .timerCreated(let seq, let fireAt), .timerFired(let seq, let fireAt):
            detail = "#\(seq) fireAt=\(fireAt)"
        case .eventRaised(let name, let input, let source):
            detail = "\(name) input=\(input)" + (source.map { " from=\($0)" } ?? "")
        case .eventSent(let seq, let instanceId, let name, let input, let targetExecution):
            detail = "#\(seq) \(name) to=\(instanceId) input=\(input)"
                + (targetExecution.map { " execution=\($0.isEmpty ? "none" : $0)" } ?? "")
        case .executionSuspended(let reason), .executionResumed(let reason):
            detail = reason ?? ""
        case .executionTerminated(let reason, let includeSubOrchestrations):
            detail = (reason ?? "") + (includeSubOrchestrations ? " (with sub-orchestrations)" : "")
        case .taskCompleted(let seq, let result), .subOrchestrationCompleted(let seq, let result):
            detail = "#\(seq) result=\(result)"
        case .taskFailed(let seq, let failure), .subOrchestrationFailed(let seq, let failure):
            detail = "#\(seq) \(failure)"
        case .subOrchestrationCreated(let seq, let name, let instanceId, let input):
            detail = "#\(seq) \(name) instance=\(instanceId) input=\(input)"
        case .customStatusSet(let status):
            detail = "\(status)"
        case .executionCompleted(let output):
            detail = "output=\(output)"
        case .executionFailed(let failure):
            detail = "\(failure)"
        case .patchMarker(let changeId):
            detail = changeId
        case .eventWaitStarted(let name):
            detail = name
        case .executionRepaired(let action, let reason, let discarded):
            detail = "\(action) discarded=\(discarded)" + (reason.map { " \($0)" } ?? "")
        }
        return "\(kind.name) \(detail)"
    }
}
