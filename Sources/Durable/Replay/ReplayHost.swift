import Dispatch
import Foundation
import Synchronization

/// What replaying a history through the current code produced.
public struct ReplayResult: Sendable {
    /// How the replay ended.
    public enum Outcome: Sendable, Hashable {
        /// The code returned this output.
        case completed(Payload)
        /// The code threw, or diverged from history (see ``NondeterminismError``).
        case failed(FailureDetails)
        /// A client terminated the instance.
        case terminated(reason: String?)
        /// The code continued as new with this input.
        case continuedAsNew(Payload)
        /// The code is waiting for results the history does not hold yet.
        case waiting
    }

    /// How the replay ended.
    public var outcome: Outcome
    /// Every command the code issued, in order, as the scheduling event it corresponds to.
    public var commands: [HistoryEvent.Kind]
    /// The events a live run would append after the given history.
    public var newEvents: [HistoryEvent]
    /// The names of the events the code waits for where the replay stopped (sorted): what a
    /// `.waiting` instance needs from outside besides the results of its pending commands.
    public var awaitedEvents: [String] = []
    /// The patches (``OrchestrationContext/patched(_:)`` change ids) whose old branch the history
    /// took: the code must keep that branch while such a history runs.
    public var oldBranchPatches: Set<String> = []
}

/// Hosts an instance that replays a history in isolation: nothing is dispatched, nothing stored.
final class ReplayHost: InstanceHost {
    var activityClient: DurableClient? { nil }  // a replay runs no activity
    private struct State {
        var commands: [HistoryEvent.Kind] = []
        var newEvents: [HistoryEvent] = []
        var outcome: ReplayResult.Outcome = .waiting
        var awaitedEvents: [String] = []
        var oldBranchPatches: Set<String> = []
    }

    private let state = Mutex(State())
    private let clock: Date
    /// The history holds a termination: the live run recorded nothing after it landed, and what
    /// its code issued after that was refused, so nothing the replay issues beyond history is new.
    private let isTerminated: Bool
    /// The runtime's: a replay refuses what the live run would.
    let payloadLimit: PayloadLimit
    /// The runtime's too: a replay fails where the live run would.
    let historyLimit: HistoryLimit
    var drainScheduling: InstanceExecutor.Scheduling { .manual }

    private init(clock: Date, isTerminated: Bool, expectedCommands: Int, payloadLimit: PayloadLimit, historyLimit: HistoryLimit) {
        self.clock = clock
        self.isTerminated = isTerminated
        self.payloadLimit = payloadLimit
        self.historyLimit = historyLimit
        state.withLock { $0.commands.reserveCapacity(expectedCommands) }
    }

    static func replay(
        _ history: [HistoryEvent], instanceId: String, orchestration: OrchestrationEntry, input: Payload,
        payloadLimit: PayloadLimit, historyLimit: HistoryLimit
    ) async -> ReplayResult {
        let isTerminated = history.contains { if case .executionTerminated = $0.kind { true } else { false } }
        let host = ReplayHost(
            clock: history.last?.timestamp ?? Date(), isTerminated: isTerminated, expectedCommands: history.count / 2,
            payloadLimit: payloadLimit, historyLimit: historyLimit)
        let instance = OrchestrationInstance(
            instanceId: instanceId, orchestration: orchestration, input: input, history: history, replaying: true, host: host,
            scheduling: .manual)
        instance.start()
        // Drain on a plain thread: running jobs from inside this task's own thread of execution is not allowed.
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                instance.executor.drain()
                // Read on the thread that drained it, with no drain to come: the instance's state is at rest.
                let awaited = OrchestrationInstance.Unchecked.awaitedEventNames(instance)
                host.state.withLock { $0.awaitedEvents = awaited }
                instance.executor.instance = nil  // a replay that stopped waiting keeps no cycle
                continuation.resume()
            }
        }
        return host.state.withLock {
            ReplayResult(
                outcome: $0.outcome, commands: $0.commands, newEvents: $0.newEvents, awaitedEvents: $0.awaitedEvents,
                oldBranchPatches: $0.oldBranchPatches)
        }
    }

    func now() -> Date { clock }

    func warn(_ message: String) {}  // a replay in isolation has no log; nothing outlives it

    func record(_ event: HistoryEvent, for instance: OrchestrationInstance) -> JournalPosition? {
        if !isTerminated { state.withLock { $0.newEvents.append(event) } }
        return nil
    }

    func issued(_ command: Command, sequence: Int, from instance: OrchestrationInstance) {
        state.withLock { $0.commands.append(command.scheduledEvent(sequence: sequence)) }
    }

    func dispatch(_ command: Command, sequence: Int, from instance: OrchestrationInstance, after position: JournalPosition?) {}

    func abandon(_ command: Command, sequence: Int, from instance: OrchestrationInstance) {}

    func report(_ event: HistoryEvent.Kind, to instance: OrchestrationInstance) {}

    func instanceFinished(_ instance: OrchestrationInstance, outcome: InstanceOutcome, after position: JournalPosition?) {
        state.withLock { state in
            switch outcome {
            case .completed(let output): state.outcome = .completed(output)
            case .failed(let failure): state.outcome = .failed(failure)
            case .terminated(let reason): state.outcome = .terminated(reason: reason)
            case .continuedAsNew(let input, _, _): state.outcome = .continuedAsNew(input)
            }
        }
    }

    func instanceStopped(_ instance: OrchestrationInstance, storageFailure reason: String) {}  // records nothing

    func patchAnswered(_ changeId: String, newBranch: Bool, from instance: OrchestrationInstance) {
        if !newBranch { state.withLock { _ = $0.oldBranchPatches.insert(changeId) } }
    }
}
