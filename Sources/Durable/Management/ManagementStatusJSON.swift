import Foundation

extension RuntimeStatus {
    /// The status as Durable Functions spells it in its HTTP API, such as `Running` or `ContinuedAsNew`.
    public var managementName: String {
        switch self {
        case .pending: "Pending"
        case .running: "Running"
        case .completed: "Completed"
        case .failed: "Failed"
        case .terminated: "Terminated"
        case .suspended: "Suspended"
        case .continuedAsNew: "ContinuedAsNew"
        case .notRegistered: "NotRegistered"
        case .quarantined: "Quarantined"
        }
    }

    /// The status named `name` in Durable Functions' spelling, whatever its case; `nil` if none is.
    init?(managementName name: String) {
        let lowered = name.lowercased()
        guard let match = RuntimeStatus.allCases.first(where: { $0.managementName.lowercased() == lowered }) else {
            return nil
        }
        self = match
    }
}

/// Which parts of an instance a status answer includes (the `show…` query options).
struct StatusDetail {
    var input = true
    var history = false
    var historyOutput = false
}

extension InstanceStatus {
    /// The instance in Durable Functions' status shape: `name`, `instanceId`, `runtimeStatus`,
    /// `input`, `customStatus`, `output`, `createdTime`, `lastUpdatedTime` (and `historyEvents`).
    func managementJSON(_ detail: StatusDetail, history: [HistoryEvent]?) -> ManagementJSON {
        // Like Durable Functions, a failed instance's output is its failure and a terminated
        // one's the reason it was given: what a dashboard shows in the output column.
        let output: ManagementJSON =
            switch runtimeStatus {
            case .failed: failure.map { .string($0.description) } ?? .null
            case .terminated: terminationReason.map(ManagementJSON.string) ?? .null
            default: .payload(self.output)
            }
        var fields: [(String, ManagementJSON)] = [
            ("name", .string(name)), ("instanceId", .string(instanceId)),
            ("runtimeStatus", .string(runtimeStatus.managementName)),
            ("input", detail.input ? .payload(input) : .null), ("customStatus", .payload(customStatus)),
            ("output", output), ("createdTime", .date(createdAt)), ("lastUpdatedTime", .date(lastUpdatedAt)),
        ]
        if let history {
            fields.append(("historyEvents", .array(history.map { $0.managementJSON(withOutput: detail.historyOutput) })))
        }
        return .object(fields)
    }
}

extension HistoryEvent {
    /// The event as Durable Functions lists history: `EventType`, `Timestamp`, and the names and
    /// (with `withOutput`) the payloads it carries.
    func managementJSON(withOutput: Bool) -> ManagementJSON {
        var fields: [(String, ManagementJSON)] = [("EventType", .string(kind.name)), ("Timestamp", .date(timestamp))]
        func add(_ key: String, _ value: ManagementJSON) { fields.append((key, value)) }
        switch kind {
        case .executionStarted(let name, let input, _, _, _, _):
            add("FunctionName", .string(name))
            if withOutput { add("Input", .payload(input)) }
        case .taskScheduled(let sequence, let name, _, let attempt):
            add("EventId", .int(sequence))
            add("FunctionName", .string(name))
            // Not in Durable Functions' shape: lets a timeline draw retries as attempts on one lane.
            add("Attempt", .int(attempt))
        case .subOrchestrationCreated(let sequence, let name, let instanceId, _):
            add("EventId", .int(sequence))
            add("FunctionName", .string(name))
            add("InstanceId", .string(instanceId))
        case .taskCompleted(let sequence, let result), .subOrchestrationCompleted(let sequence, let result):
            add("TaskScheduledId", .int(sequence))
            if withOutput { add("Result", .payload(result)) }
        case .taskFailed(let sequence, let failure), .subOrchestrationFailed(let sequence, let failure):
            add("TaskScheduledId", .int(sequence))
            add("Reason", .string(failure.description))
        case .timerCreated(let sequence, let fireAt), .timerFired(let sequence, let fireAt):
            add("TimerId", .int(sequence))
            add("FireAt", .date(fireAt))
        case .eventRaised(let name, let input, _), .eventSent(_, _, let name, let input, _):
            add("Name", .string(name))
            if withOutput { add("Input", .payload(input)) }
        case .executionSuspended(let reason), .executionResumed(let reason), .executionTerminated(let reason, _):
            add("Reason", reason.map(ManagementJSON.string) ?? .null)
        case .customStatusSet(let value):
            if withOutput { add("CustomStatus", .payload(value)) }
        case .executionCompleted(let output):
            add("OrchestrationStatus", .string("Completed"))
            if withOutput { add("Result", .payload(output)) }
        case .executionFailed(let failure):
            add("OrchestrationStatus", .string("Failed"))
            add("Reason", .string(failure.description))
        case .patchMarker(let changeId):
            add("ChangeId", .string(changeId))
        case .executionRepaired(let action, let reason, _):
            add("Action", .string(action))
            add("Reason", reason.map(ManagementJSON.string) ?? .null)
        case .eventWaitStarted(let name):
            add("Name", .string(name))
        }
        return .object(fields)
    }
}
