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
        /// The instance was started with this orchestration and input; `parent` links a sub-orchestration to its caller.
        case executionStarted(name: String, input: Payload, parent: ParentInstance?)
        /// The code called an activity.
        case taskScheduled(sequence: Int, name: String, input: Payload)
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
        /// The code set its custom status.
        case customStatusSet(Payload)
        /// The orchestration returned.
        case executionCompleted(output: Payload)
        /// The orchestration threw, or the engine stopped it (for example on nondeterminism).
        case executionFailed(FailureDetails)
    }
}

/// The caller of a sub-orchestration: its instance and the sequence number of the call.
public struct ParentInstance: Sendable, Hashable, Codable {
    /// The parent's instance id.
    public var instanceId: String
    /// The sequence number of the `callSubOrchestration` command in the parent.
    public var sequence: Int

    /// Creates a link.
    public init(instanceId: String, sequence: Int) {
        self.instanceId = instanceId
        self.sequence = sequence
    }
}

extension HistoryEvent.Kind {
    /// The sequence number of the command this event belongs to, if any.
    public var sequence: Int? {
        switch self {
        case .taskScheduled(let sequence, _, _), .taskCompleted(let sequence, _), .taskFailed(let sequence, _),
            .subOrchestrationCreated(let sequence, _, _, _), .subOrchestrationCompleted(let sequence, _),
            .subOrchestrationFailed(let sequence, _):
            return sequence
        case .executionStarted, .customStatusSet, .executionCompleted, .executionFailed:
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
        case .customStatusSet: "CustomStatusSet"
        case .executionCompleted: "ExecutionCompleted"
        case .executionFailed: "ExecutionFailed"
        }
    }
}

extension HistoryEvent: CustomStringConvertible {
    /// One line of an audit trail: `TaskScheduled #2 ProcessPayment input={"amount":12}`.
    public var description: String {
        let detail: String
        switch kind {
        case .executionStarted(let name, let input, let parent):
            detail = "\(name) input=\(input)" + (parent.map { " parent=\($0.instanceId)#\($0.sequence)" } ?? "")
        case .taskScheduled(let seq, let name, let input):
            detail = "#\(seq) \(name) input=\(input)"
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
        }
        return "\(kind.name) \(detail)"
    }
}
