import Foundation

/// What an instance needs from the world around it. The engine is the live host; a replay-only
/// host records what the code would do without doing it.
protocol InstanceHost: AnyObject, Sendable {
    /// The time to stamp on new events.
    func now() -> Date
    /// Appends a new event to the instance's history.
    func record(_ event: HistoryEvent, for instance: OrchestrationInstance)
    /// The code issued `command`, whether history already holds it or not.
    func issued(_ command: Command, sequence: Int, from instance: OrchestrationInstance)
    /// Carries out a command that has no result in history yet.
    func dispatch(_ command: Command, sequence: Int, from instance: OrchestrationInstance)
    /// The instance ended; called once.
    func instanceFinished(_ instance: OrchestrationInstance, outcome: InstanceOutcome)
}

/// How an instance ended.
enum InstanceOutcome: Sendable {
    case completed(Payload)
    case failed(FailureDetails)
}
