import Foundation

/// What an instance needs from the world around it. The engine is the live host; a replay-only
/// host records what the code would do without doing it.
protocol InstanceHost: AnyObject, Sendable {
    /// The time to stamp on new events.
    func now() -> Date
    /// Tells a person what no caller can be told (the runtime's log): a misuse with no instance
    /// left to fail, a history nearing its limit.
    func warn(_ message: String)
    /// How large a value the code may put into history; an instance reads it once, when it is made.
    var payloadLimit: PayloadLimit { get }
    /// How far an execution's history may grow; an instance reads it once, when it is made.
    var historyLimit: HistoryLimit { get }
    /// How the executors of the instances this host makes start their drains.
    var drainScheduling: InstanceExecutor.Scheduling { get }
    /// Appends an event the code produced (a command, a custom status, the end) to the history.
    /// Throws the store's error: the instance then stops without an end (see
    /// ``instanceStopped(_:storageFailure:)``).
    @discardableResult
    func record(_ event: HistoryEvent, for instance: OrchestrationInstance) throws -> JournalPosition?
    /// The code issued `command`, whether history already holds it or not.
    func issued(_ command: Command, sequence: Int, from instance: OrchestrationInstance)
    /// Carries out a command that has no result in history yet; `position` is where it was recorded.
    func dispatch(_ command: Command, sequence: Int, from instance: OrchestrationInstance, after position: JournalPosition?)
    /// The code no longer waits for `command` (its task was cancelled); a timer should not fire.
    func abandon(_ command: Command, sequence: Int, from instance: OrchestrationInstance)
    /// Records an event from outside (an activity's result, a fired timer) and queues it for the instance.
    func report(_ event: HistoryEvent.Kind, to instance: OrchestrationInstance)
    /// The instance ended; called once. `position` is where its end was recorded, if it was.
    func instanceFinished(_ instance: OrchestrationInstance, outcome: InstanceOutcome, after position: JournalPosition?)
    /// The instance stopped without an end because the store could not record it (`reason`);
    /// called instead of ``instanceFinished(_:outcome:after:)``, once.
    func instanceStopped(_ instance: OrchestrationInstance, storageFailure reason: String)
    /// The client an activity of this host's instances gets (``ActivityContext/client``); `nil`
    /// where no activity runs (a replay in isolation).
    var activityClient: DurableClient? { get }
    /// The code asked `context.patched(changeId)` and got `newBranch`; a replay-only host notes
    /// it, to tell which histories still need a patch's old branch.
    func patchAnswered(_ changeId: String, newBranch: Bool, from instance: OrchestrationInstance)
    /// What a ``NondeterminismError`` does to an instance; an instance reads it when it diverges.
    var nondeterminismPolicy: NondeterminismPolicy { get }
    /// What a replayed command with a different input than recorded does; read once per instance.
    var inputMismatch: InputMismatchPolicy { get }
    /// The instance diverged from its history under ``NondeterminismPolicy/hold`` and stopped,
    /// recording nothing; called instead of ``instanceFinished(_:outcome:after:)``, once.
    func instanceHeld(_ instance: OrchestrationInstance, nondeterminism error: NondeterminismError)
    /// Who hears of what the instance does; `nil` when nobody listens (always, for a replay in isolation).
    var observers: RuntimeObservers? { get }
}

extension InstanceHost {
    func patchAnswered(_ changeId: String, newBranch: Bool, from instance: OrchestrationInstance) {}
    /// A replay in isolation reports the divergence as its outcome.
    var nondeterminismPolicy: NondeterminismPolicy { .fail }
    /// A replay in isolation matches by name; ``CompatibilityCheck`` compares inputs itself.
    var inputMismatch: InputMismatchPolicy { .ignore }
    func instanceHeld(_ instance: OrchestrationInstance, nondeterminism error: NondeterminismError) {}
    var observers: RuntimeObservers? { nil }
}

/// How an instance ended.
enum InstanceOutcome: Sendable {
    case completed(Payload)
    case failed(FailureDetails)
    case terminated(reason: String?)
    /// The code asked to start over with `input`; `carriedEvents` are raised events it had not
    /// consumed. `onLatestVersion`: the new execution runs the latest registered version.
    case continuedAsNew(input: Payload, carriedEvents: [HistoryEvent], onLatestVersion: Bool = false)

    /// The history event that records this end; `nil` for continue-as-new, which starts over instead.
    var endEvent: HistoryEvent.Kind? {
        switch self {
        case .completed(let output): .executionCompleted(output: output)
        case .failed(let failure): .executionFailed(failure)
        case .terminated(let reason): .executionTerminated(reason: reason)
        case .continuedAsNew: nil
        }
    }
}
