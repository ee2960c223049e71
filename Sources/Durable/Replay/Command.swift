/// Something the orchestration asks the outside world to do. Each gets the next sequence number.
enum Command: Sendable, Hashable, CustomStringConvertible {
    case activity(name: String, input: Payload)
    case subOrchestration(name: String, instanceId: String, input: Payload)

    /// The history event that records this command.
    func scheduledEvent(sequence: Int) -> HistoryEvent.Kind {
        switch self {
        case .activity(let name, let input):
            .taskScheduled(sequence: sequence, name: name, input: input)
        case .subOrchestration(let name, let instanceId, let input):
            .subOrchestrationCreated(sequence: sequence, name: name, instanceId: instanceId, input: input)
        }
    }

    /// The command a scheduling event recorded, if it is one.
    init?(recordedBy event: HistoryEvent.Kind) {
        switch event {
        case .taskScheduled(_, let name, let input):
            self = .activity(name: name, input: input)
        case .subOrchestrationCreated(_, let name, let instanceId, let input):
            self = .subOrchestration(name: name, instanceId: instanceId, input: input)
        default:
            return nil
        }
    }

    /// Whether replayed code issuing `self` agrees with history having recorded `recorded`.
    /// Kind and name must match; inputs may change between versions of the code.
    func replays(_ recorded: Command) -> Bool {
        switch (self, recorded) {
        case (.activity(let name, _), .activity(let recordedName, _)),
            (.subOrchestration(let name, _, _), .subOrchestration(let recordedName, _, _)):
            name == recordedName
        default:
            false
        }
    }

    var name: String {
        switch self {
        case .activity(let name, _), .subOrchestration(let name, _, _): name
        }
    }

    var description: String {
        switch self {
        case .activity(let name, _): "activity '\(name)'"
        case .subOrchestration(let name, _, _): "sub-orchestration '\(name)'"
        }
    }
}

/// A message in an instance's mailbox, handled on its executor when no job is left.
enum InstanceMessage: Sendable {
    /// An event from the stored history, replayed into the code.
    case replay(HistoryEvent)
    /// News from outside (an activity result, a sub-orchestration's end): recorded, then delivered.
    case deliver(HistoryEvent.Kind)
    /// Stop the instance with this failure.
    case fail(FailureDetails)
    /// The runtime is shutting down: stop without recording anything, so a restart resumes the instance.
    case stop
}
