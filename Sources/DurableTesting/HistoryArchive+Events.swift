import Durable
import Foundation

/// One event as an archive file holds it: a `type` and the fields of that type, flat.
///
/// `init(_:)` and `event()` hold the one switch over ``HistoryEvent/Kind`` each: a new kind
/// is added there (its fields here), and the round-trip test covering every kind fails until it is.
struct ArchivedEvent: Codable {
    var type: String
    var timestamp: String
    var timestampExact: Double?
    var sequence: Int?
    var name: String?
    var instanceId: String?
    var input: ArchivedPayload?
    var result: ArchivedPayload?
    var output: ArchivedPayload?
    var status: ArchivedPayload?
    var attempt: Int?
    var failure: FailureDetails?
    var fireAt: String?
    var fireAtExact: Double?
    var parent: ParentInstance?
    var scheduledStart: String?
    var scheduledStartExact: Double?
    var executionId: String?
    var sourceEventId: String?
    var targetExecution: String?
    var reason: String?
    var includeSubOrchestrations: Bool?
    var orchestrationVersion: String?
    var changeId: String?
    var action: String?
    var discardedEvents: Int?

    init(_ event: HistoryEvent) {
        type = event.kind.name
        (timestamp, timestampExact) = ArchivedDate.encode(event.timestamp)
        switch event.kind {
        case .executionStarted(let name, let input, let parent, let scheduledStart, let executionId, let version):
            self.name = name
            self.orchestrationVersion = version
            self.input = ArchivedPayload(input)
            self.parent = parent
            if let scheduledStart { (self.scheduledStart, scheduledStartExact) = ArchivedDate.encode(scheduledStart) }
            self.executionId = executionId
        case .taskScheduled(let sequence, let name, let input, let attempt):
            (self.sequence, self.name, self.input, self.attempt) = (sequence, name, ArchivedPayload(input), attempt)
        case .taskCompleted(let sequence, let result), .subOrchestrationCompleted(let sequence, let result):
            (self.sequence, self.result) = (sequence, ArchivedPayload(result))
        case .taskFailed(let sequence, let failure), .subOrchestrationFailed(let sequence, let failure):
            (self.sequence, self.failure) = (sequence, failure)
        case .subOrchestrationCreated(let sequence, let name, let instanceId, let input):
            (self.sequence, self.name, self.instanceId, self.input) = (sequence, name, instanceId, ArchivedPayload(input))
        case .timerCreated(let sequence, let fireAt), .timerFired(let sequence, let fireAt):
            self.sequence = sequence
            (self.fireAt, fireAtExact) = ArchivedDate.encode(fireAt)
        case .eventRaised(let name, let input, let sourceEventId):
            (self.name, self.input, self.sourceEventId) = (name, ArchivedPayload(input), sourceEventId)
        case .eventSent(let sequence, let instanceId, let name, let input, let targetExecution):
            (self.sequence, self.instanceId, self.name, self.input) = (sequence, instanceId, name, ArchivedPayload(input))
            self.targetExecution = targetExecution
        case .executionSuspended(let reason), .executionResumed(let reason):
            self.reason = reason
        case .executionTerminated(let reason, let includeSubOrchestrations):
            (self.reason, self.includeSubOrchestrations) = (reason, includeSubOrchestrations)
        case .customStatusSet(let status):
            self.status = ArchivedPayload(status)
        case .executionCompleted(let output):
            self.output = ArchivedPayload(output)
        case .executionFailed(let failure):
            self.failure = failure
        case .patchMarker(let changeId):
            self.changeId = changeId
        case .eventWaitStarted(let name):
            self.name = name
        case .executionRepaired(let action, let reason, let discardedEvents):
            (self.action, self.reason, self.discardedEvents) = (action, reason, discardedEvents)
        }
    }

    struct FieldError: Error {
        var field: String
        var reason: String
    }

    func event() throws(FieldError) -> HistoryEvent {
        func need<T>(_ value: T?, _ field: String) throws(FieldError) -> T {
            guard let value else { throw FieldError(field: field, reason: "missing (a \(type) event has one)") }
            return value
        }
        let at = try ArchivedDate.decode(timestamp, timestampExact, field: "timestamp")
        let kind: HistoryEvent.Kind
        switch type {
        case "ExecutionStarted":
            kind = .executionStarted(
                name: try need(name, "name"), input: try need(input, "input").payload, parent: parent,
                scheduledStart: try scheduledStart.map { (text) throws(FieldError) in
                    try ArchivedDate.decode(text, scheduledStartExact, field: "scheduledStart")
                },
                executionId: executionId ?? "", version: orchestrationVersion)
        case "TaskScheduled":
            kind = .taskScheduled(
                sequence: try need(sequence, "sequence"), name: try need(name, "name"), input: try need(input, "input").payload,
                attempt: attempt ?? 1)
        case "TaskCompleted":
            kind = .taskCompleted(sequence: try need(sequence, "sequence"), result: try need(result, "result").payload)
        case "TaskFailed":
            kind = .taskFailed(sequence: try need(sequence, "sequence"), failure: try need(failure, "failure"))
        case "SubOrchestrationCreated":
            kind = .subOrchestrationCreated(
                sequence: try need(sequence, "sequence"), name: try need(name, "name"), instanceId: try need(instanceId, "instanceId"),
                input: try need(input, "input").payload)
        case "SubOrchestrationCompleted":
            kind = .subOrchestrationCompleted(sequence: try need(sequence, "sequence"), result: try need(result, "result").payload)
        case "SubOrchestrationFailed":
            kind = .subOrchestrationFailed(sequence: try need(sequence, "sequence"), failure: try need(failure, "failure"))
        case "TimerCreated", "TimerFired":
            let sequence = try need(sequence, "sequence")
            let fireAt = try ArchivedDate.decode(try need(fireAt, "fireAt"), fireAtExact, field: "fireAt")
            kind = type == "TimerCreated" ? .timerCreated(sequence: sequence, fireAt: fireAt) : .timerFired(sequence: sequence, fireAt: fireAt)
        case "EventRaised":
            kind = .eventRaised(name: try need(name, "name"), input: try need(input, "input").payload, sourceEventId: sourceEventId)
        case "EventSent":
            kind = .eventSent(
                sequence: try need(sequence, "sequence"), instanceId: try need(instanceId, "instanceId"), name: try need(name, "name"),
                input: try need(input, "input").payload, targetExecution: targetExecution)
        case "ExecutionSuspended":
            kind = .executionSuspended(reason: reason)
        case "ExecutionResumed":
            kind = .executionResumed(reason: reason)
        case "ExecutionTerminated":
            kind = .executionTerminated(reason: reason, includeSubOrchestrations: includeSubOrchestrations ?? false)
        case "CustomStatusSet":
            kind = .customStatusSet(try need(status, "status").payload)
        case "ExecutionCompleted":
            kind = .executionCompleted(output: try need(output, "output").payload)
        case "ExecutionFailed":
            kind = .executionFailed(try need(failure, "failure"))
        case "PatchMarker":
            kind = .patchMarker(changeId: try need(changeId, "changeId"))
        case "EventWaitStarted":
            kind = .eventWaitStarted(name: try need(name, "name"))
        case "ExecutionRepaired":
            kind = .executionRepaired(
                action: try need(action, "action"), reason: reason, discardedEvents: try need(discardedEvents, "discardedEvents"))
        default:
            throw FieldError(field: "type", reason: "'\(type)' is not an event type this build knows")
        }
        return HistoryEvent(kind, at: at)
    }
}

/// A payload in an archive: its JSON text as a string when it is UTF-8 JSON, so the file reads
/// like the data; otherwise `{"base64": …}`. Either way the very bytes come back.
struct ArchivedPayload: Codable {
    var payload: Payload

    init(_ payload: Payload) { self.payload = payload }

    private enum Keys: String, CodingKey { case base64 }

    func encode(to encoder: any Encoder) throws {
        if let text = String(data: payload.data, encoding: .utf8),
            (try? JSONSerialization.jsonObject(with: payload.data, options: [.fragmentsAllowed])) != nil
        {
            var container = encoder.singleValueContainer()
            try container.encode(text)
        } else {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(payload.data.base64EncodedString(), forKey: .base64)
        }
    }

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer(), let text = try? container.decode(String.self) {
            payload = Payload(data: Data(text.utf8))
            return
        }
        let container = try decoder.container(keyedBy: Keys.self)
        let text = try container.decode(String.self, forKey: .base64)
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(forKey: .base64, in: container, debugDescription: "not valid base64")
        }
        payload = Payload(data: data)
    }
}

/// Times as ISO 8601 with milliseconds, plus the exact value when those would round it.
enum ArchivedDate {
    private static func formatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    static func encode(_ date: Date) -> (String, Double?) {
        let text = formatter().string(from: date)
        let exact = formatter().date(from: text) == date ? nil : date.timeIntervalSinceReferenceDate
        return (text, exact)
    }

    static func decode(_ text: String, _ exact: Double?, field: String) throws(ArchivedEvent.FieldError) -> Date {
        if let exact, exact.isFinite { return Date(timeIntervalSinceReferenceDate: exact) }
        let formatter = formatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        throw ArchivedEvent.FieldError(field: field, reason: "'\(text)' is not an ISO 8601 time")
    }
}
