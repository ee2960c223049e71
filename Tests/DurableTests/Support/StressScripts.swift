import Durable
import Foundation
import Synchronization

/// One input a resumed run must take at its turn: an activity's result, a fired timer, a raised event.
enum Turn: Sendable, Hashable {
    case activity(label: String, attempt: Int)
    case timer(Date)
    case event(name: String, payload: Payload)
}

/// The inputs an original run recorded after a prefix of its history, in order, so a runtime
/// resuming that prefix live takes them in the same order: activities wait for their turn, and a
/// driver fires timers and raises events at theirs. The same inputs in the same order must give
/// the same commands and output; anything else recorded is a mismatch.
final class TurnScript: Sendable {
    private struct ActivityKey: Hashable {
        var label: String
        var attempt: Int
    }

    private struct State {
        var next = 0
        var isFinished = false
        var mismatch: String?
        var waiters: [(index: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    let instanceId: String
    let turns: [Turn]
    /// The input events the original recorded, parallel to `turns`.
    let expected: [HistoryEvent.Kind]
    private let activityTurns: [ActivityKey: Int]
    private let state = Mutex(State())

    /// The script for resuming `execution` from its first `cut` events; `nil` if an input after
    /// the cut is one a script cannot reproduce (a child's end, a client's lifecycle call).
    init?(instanceId: String, execution: [HistoryEvent], cut: Int) {
        var scheduled: [Int: ActivityKey] = [:]
        for event in execution {
            if case .taskScheduled(let sequence, _, let input, let attempt) = event.kind,
                let work = try? input.decode(WorkInput.self)
            {
                scheduled[sequence] = ActivityKey(label: work.label, attempt: attempt)
            }
        }
        var turns: [Turn] = []
        var expected: [HistoryEvent.Kind] = []
        var activityTurns: [ActivityKey: Int] = [:]
        for event in execution.dropFirst(cut) where event.kind.isInput {
            switch event.kind {
            case .taskCompleted(let sequence, _), .taskFailed(let sequence, _):
                guard let key = scheduled[sequence] else { return nil }
                activityTurns[key] = turns.count
                turns.append(.activity(label: key.label, attempt: key.attempt))
            case .timerFired(_, let fireAt):
                turns.append(.timer(fireAt))
            case .eventRaised(let name, let payload, nil):
                turns.append(.event(name: name, payload: payload))
            default:
                return nil
            }
            expected.append(event.kind)
        }
        self.instanceId = instanceId
        self.turns = turns
        self.expected = expected
        self.activityTurns = activityTurns
    }

    var isFinished: Bool { state.withLock { $0.isFinished } }

    /// Where the script stands, for a failure message.
    var progress: String {
        state.withLock { state in
            "turn \(state.next) of \(turns.count)" + (state.next < turns.count ? ": \(turns[state.next])" : "")
        }
    }
    var mismatch: String? { state.withLock { $0.mismatch } }

    /// The store recorded `kind` for this instance: the turn passes if it is the expected input.
    func recorded(_ kind: HistoryEvent.Kind) {
        guard kind.isInput else { return }
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.isFinished else { return [] }
            if state.next < expected.count, expected[state.next] == kind {
                state.next += 1
            } else {
                let wanted = state.next < expected.count ? "\(expected[state.next])" : "nothing"
                state.mismatch = "\(instanceId) turn \(state.next): expected \(wanted), recorded \(kind)"
                state.isFinished = true
            }
            return Self.takeReady(&state)
        }
        for waiter in ready { waiter.resume() }
    }

    /// Waits until turn `index` comes (or has passed: an activity takes its own turn); returns
    /// false if the run finished first.
    func waitForTurn(_ index: Int) async -> Bool {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.isFinished || state.next >= index { return true }
                state.waiters.append((index, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
        return state.withLock { !$0.isFinished }
    }

    /// Waits for the turn of this activity's result; one the original never recorded waits until the run ends.
    func waitForActivity(_ label: String, attempt: Int) async {
        _ = await waitForTurn(activityTurns[ActivityKey(label: label, attempt: attempt)] ?? .max)
    }

    /// Passes turn `index` without its input: a timer the code had cancelled, whose late firing
    /// the original recorded but the code ignored.
    func skip(_ index: Int) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.next == index else { return [] }
            state.next += 1
            return Self.takeReady(&state)
        }
        for waiter in ready { waiter.resume() }
    }

    /// Ends the script: every waiter goes on.
    func finish() {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.isFinished = true
            return Self.takeReady(&state)
        }
        for waiter in ready { waiter.resume() }
    }

    private static func takeReady(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        let next = state.next
        let finished = state.isFinished
        let ready = state.waiters.filter { finished || $0.index <= next }.map(\.continuation)
        state.waiters.removeAll { finished || $0.index <= next }
        return ready
    }
}

/// The scripts of every instance a resumed runtime runs, by instance id.
struct ScriptBook: Sendable {
    var scripts: [String: TurnScript] = [:]
}

extension HistoryEvent.Kind {
    /// Whether the event comes from outside the code (a result, a timer, an event, a client's
    /// call), as opposed to a command or an end the code recorded.
    var isInput: Bool {
        switch self {
        case .taskCompleted, .taskFailed, .timerFired, .eventRaised, .subOrchestrationCompleted, .subOrchestrationFailed,
            .executionSuspended, .executionResumed, .executionTerminated:
            true
        case .executionStarted, .taskScheduled, .subOrchestrationCreated, .timerCreated, .eventSent, .customStatusSet,
            .executionCompleted, .executionFailed, .patchMarker, .eventWaitStarted, .executionRepaired:
            false
        }
    }

    /// Whether the event records a command the code issued (what `ReplayResult.commands` lists).
    var isCommand: Bool {
        switch self {
        case .taskScheduled, .subOrchestrationCreated, .timerCreated, .eventSent: true
        default: false
        }
    }
}
