import Foundation
import Synchronization

/// A command as the code asks for it, before it has its sequence number. A value, not a closure:
/// a closure passed through the instance's unchecked entry is re-abstracted, an allocation a step.
enum CommandRequest: Sendable {
    case command(Command)
    /// A sub-orchestration without an id of its own: it gets `parent:sequence` (see
    /// ``DefaultChildID``), the same on replay.
    case numberedChild(name: String, parentId: String, input: Payload)

    func command(sequence: Int) -> Command {
        switch self {
        case .command(let command): command
        case .numberedChild(let name, let parentId, let input):
            .subOrchestration(name: name, instanceId: DefaultChildID.make(parentId: parentId, sequence: sequence), input: input)
        }
    }
}

/// Something the orchestration asks the outside world to do. Each gets the next sequence number.
enum Command: Sendable, Hashable, CustomStringConvertible {
    case activity(name: String, input: Payload, attempt: Int)
    case subOrchestration(name: String, instanceId: String, input: Payload)
    case timer(fireAt: Date)
    case sendEvent(instanceId: String, name: String, input: Payload)

    /// The history event that records this command.
    func scheduledEvent(sequence: Int) -> HistoryEvent.Kind {
        switch self {
        case .activity(let name, let input, let attempt):
            .taskScheduled(sequence: sequence, name: name, input: input, attempt: attempt)
        case .subOrchestration(let name, let instanceId, let input):
            .subOrchestrationCreated(sequence: sequence, name: name, instanceId: instanceId, input: input)
        case .timer(let fireAt):
            .timerCreated(sequence: sequence, fireAt: fireAt)
        case .sendEvent(let instanceId, let name, let input):
            .eventSent(sequence: sequence, instanceId: instanceId, name: name, input: input)
        }
    }

    /// The command a scheduling event recorded, if it is one.
    init?(recordedBy event: HistoryEvent.Kind) {
        switch event {
        case .taskScheduled(_, let name, let input, let attempt):
            self = .activity(name: name, input: input, attempt: attempt)
        case .subOrchestrationCreated(_, let name, let instanceId, let input):
            self = .subOrchestration(name: name, instanceId: instanceId, input: input)
        case .timerCreated(_, let fireAt):
            self = .timer(fireAt: fireAt)
        case .eventSent(_, let instanceId, let name, let input, _):
            self = .sendEvent(instanceId: instanceId, name: name, input: input)
        default:
            return nil
        }
    }

    /// Whether replayed code issuing `self` agrees with history having recorded `recorded`.
    /// Kind and name must match; inputs and times may change between versions of the code.
    func replays(_ recorded: Command) -> Bool {
        switch (self, recorded) {
        case (.activity(let name, _, _), .activity(let recordedName, _, _)),
            (.subOrchestration(let name, _, _), .subOrchestration(let recordedName, _, _)),
            (.sendEvent(_, let name, _), .sendEvent(_, let recordedName, _)):
            name == recordedName
        case (.timer, .timer):
            true
        default:
            false
        }
    }

    /// The value the command puts into history, if it carries one.
    var payload: Payload? {
        switch self {
        case .activity(_, let input, _), .subOrchestration(_, _, let input), .sendEvent(_, _, let input): input
        case .timer: nil
        }
    }

    /// What ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` calls ``payload``.
    var payloadStep: String {
        switch self {
        case .activity(let name, _, _): "input of activity '\(name)'"
        case .subOrchestration(let name, _, _): "input of sub-orchestration '\(name)'"
        case .timer: "timer"
        case .sendEvent(let instanceId, let name, _): "event '\(name)' sent to '\(instanceId)'"
        }
    }

    /// Whether the command is done once recorded: nothing comes back for it.
    var isFireAndForget: Bool {
        if case .sendEvent = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .activity(let name, _, _): "activity '\(name)'"
        case .subOrchestration(let name, _, _): "sub-orchestration '\(name)'"
        case .timer: "timer"
        case .sendEvent(let instanceId, let name, _): "event '\(name)' sent to '\(instanceId)'"
        }
    }
}

/// A message in an instance's mailbox, handled on its executor when no job is left.
enum InstanceMessage: Sendable {
    /// A new history event for the code: a result, a fired timer, a raised event, a lifecycle
    /// change. It is already in the stored history. (Events an instance is rebuilt from do not
    /// come through the mailbox: the executor feeds them from the instance's log first.)
    case event(HistoryEvent)
    /// Stop the instance with this failure.
    case fail(FailureDetails)
    /// The code stopped waiting (its task was cancelled) for a command or an event.
    case cancel(CancelTarget)
    /// The runtime is shutting down: stop without recording anything, so a restart resumes the instance.
    case stop
    /// The store could not record the instance's events (the reason, as text): stop as on
    /// shutdown, recording nothing, and let the host publish the failure to waiters.
    case storageFailure(String)
}

/// What a cancelled wait was waiting for.
enum CancelTarget: Sendable {
    case command(Int)
    case eventWait(name: String, id: Int)
}

/// Carries a wait's sequence number or waiter id from the executor to a cancellation handler.
final class WaitTicket: Sendable {
    private let storage = Atomic<Int>(-1)

    /// -1 until the wait is registered.
    var id: Int {
        get { storage.load(ordering: .acquiring) }
        set { storage.store(newValue, ordering: .releasing) }
    }
}

extension HistoryEvent.Kind {
    /// The name of a raised event.
    var eventName: String? {
        if case .eventRaised(let name, _, _) = self { return name }
        return nil
    }

    /// Events that act on a suspended instance instead of waiting for it to resume.
    var isLifecycleChange: Bool {
        switch self {
        case .executionSuspended, .executionResumed, .executionTerminated: true
        default: false
        }
    }

    /// Whether this result event is the kind of answer `command` expects.
    func answers(_ command: Command) -> Bool {
        switch (self, command) {
        case (.taskCompleted, .activity), (.taskFailed, .activity),
            (.subOrchestrationCompleted, .subOrchestration), (.subOrchestrationFailed, .subOrchestration),
            (.timerFired, .timer):
            true
        default:
            false
        }
    }
}
