import Durable
import Foundation
import Synchronization

/// A clock whose time stands still and whose timers fire only when a test fires them, one at a
/// time and in any order it picks: ``fireRandom()`` for the randomized runs, ``fire(deadline:)``
/// to fire one chosen timer when a resumed run must repeat the original order.
///
/// ``ManualClock`` fires by moving time, so every timer due by then fires at once, in deadline
/// order; this one can let a later timer win a race, and can fire exactly the timer a script names.
final class SteppingClock: DurableClock {
    private struct Sleeper {
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
        /// Deadlines of sleeps that were cancelled (a race's losing timer), for ``fire(deadline:)``.
        var cancelled: [Date: Int] = [:]
        /// Bumped at every change, so a waiter cannot miss one between looking and waiting.
        var version = 0
        /// Woken at a change of their deadline's sleep (any change for `nil`), or at a poke.
        var watchers: [(deadline: Date?, continuation: CheckedContinuation<Void, Never>)] = []
        var isStopped = false
    }

    private let state = Mutex(State())
    let now: Date

    init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        self.now = now
    }

    func sleep(until deadline: Date) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (cancelled, watchers) = state.withLock { state in
                    let cancelled = Task.isCancelled  // read once: onCancel looks under this lock too
                    if cancelled {
                        state.cancelled[deadline, default: 0] += 1
                    } else {
                        state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    }
                    return (cancelled, Self.changed(&state, at: deadline))
                }
                if cancelled { continuation.resume(throwing: CancellationError()) }
                for watcher in watchers { watcher.resume() }
            }
        } onCancel: {
            let (sleeper, watchers) = state.withLock { state -> (Sleeper?, [CheckedContinuation<Void, Never>]) in
                guard let sleeper = state.sleepers.removeValue(forKey: id) else { return (nil, []) }
                state.cancelled[sleeper.deadline, default: 0] += 1
                return (sleeper, Self.changed(&state, at: sleeper.deadline))
            }
            sleeper?.continuation.resume(throwing: CancellationError())
            for watcher in watchers { watcher.resume() }
        }
    }

    /// Bumps the version and takes the watchers to wake: those of `deadline`, or all for `nil`.
    private static func changed(_ state: inout State, at deadline: Date? = nil) -> [CheckedContinuation<Void, Never>] {
        state.version += 1
        let woken = { (watcher: (deadline: Date?, continuation: CheckedContinuation<Void, Never>)) in
            deadline == nil || watcher.deadline == nil || watcher.deadline == deadline
        }
        defer { state.watchers.removeAll(where: woken) }
        return state.watchers.filter(woken).map(\.continuation)
    }

    var version: Int { state.withLock { $0.version } }
    var isStopped: Bool { state.withLock { $0.isStopped } }

    /// Returns once anything changed after `version` (a sleep began or was cancelled, a poke); with
    /// a `deadline`, once a sleep until it began or was cancelled, or at a poke.
    func waitForChange(after version: Int, at deadline: Date? = nil) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.version != version || state.isStopped { return true }
                state.watchers.append((deadline, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Wakes every ``waitForChange(after:)``, for a waiter whose own condition changed.
    func poke() {
        for watcher in state.withLock({ Self.changed(&$0) }) { watcher.resume() }
    }

    /// Wakes every waiter for good.
    func stop() {
        for watcher in state.withLock({ state in
            state.isStopped = true
            return Self.changed(&state)
        }) { watcher.resume() }
    }

    /// Fires one armed timer, chosen at random; returns whether there was one.
    func fireRandom() -> Bool {
        let sleeper = state.withLock { state -> Sleeper? in
            guard let id = state.sleepers.keys.randomElement() else { return nil }
            return state.sleepers.removeValue(forKey: id)
        }
        sleeper?.continuation.resume()
        return sleeper != nil
    }

    /// Fires the timer armed for `deadline` and returns true; returns false if that timer was
    /// cancelled instead; `nil` if neither happened yet.
    func fire(deadline: Date) -> Bool? {
        let (outcome, sleeper) = state.withLock { state -> (Bool?, Sleeper?) in
            if let id = state.sleepers.first(where: { $0.value.deadline == deadline })?.key {
                return (true, state.sleepers.removeValue(forKey: id))
            }
            guard let count = state.cancelled[deadline] else { return (nil, nil) }
            state.cancelled[deadline] = count > 1 ? count - 1 : nil
            return (false, nil)
        }
        sleeper?.continuation.resume()
        return outcome
    }
}

/// One execution of an instance as its store held it: the events, and how many of them its start
/// recorded (the ExecutionStarted and the events a continue-as-new carried).
struct RecordedExecution: Sendable {
    var events: [HistoryEvent]
    var startCount: Int

    /// The raised events carried from the execution before.
    var carried: ArraySlice<HistoryEvent> { events.prefix(startCount).dropFirst() }
    /// Everything recorded after the start.
    var appended: ArraySlice<HistoryEvent> { events.dropFirst(startCount) }
}

/// An in-memory store that keeps every execution a continue-as-new or an id reuse replaced, so
/// each can be replayed on its own, and tells `onAppend` of every event appended.
final class ArchivingStore: HistoryStore {
    private struct State {
        var current: [String: RecordedExecution] = [:]
        var replaced: [String: [RecordedExecution]] = [:]
        var appended: UInt64 = 0
    }

    private let state: Mutex<State>
    private let onAppend: @Sendable (HistoryEvent, String) -> Void

    init(histories: [String: [HistoryEvent]] = [:], onAppend: @escaping @Sendable (HistoryEvent, String) -> Void = { _, _ in }) {
        state = Mutex(State(current: histories.mapValues { RecordedExecution(events: $0, startCount: 1) }))
        self.onAppend = onAppend
    }

    func append(_ event: HistoryEvent, to instanceId: String) -> JournalPosition {
        let position = state.withLock { state in
            state.current[instanceId, default: RecordedExecution(events: [], startCount: 1)].events.append(event)
            state.appended += 1
            return JournalPosition(state.appended)
        }
        onAppend(event, instanceId)
        return position
    }

    func replaceHistory(of instanceId: String, with events: [HistoryEvent]) -> JournalPosition {
        state.withLock { state in
            if let previous = state.current[instanceId] { state.replaced[instanceId, default: []].append(previous) }
            state.current[instanceId] = RecordedExecution(events: events, startCount: events.count)
            state.appended += UInt64(events.count)
            return JournalPosition(state.appended)
        }
    }

    func waitUntilDurable(_ position: JournalPosition) async {}

    func isDurable(_ position: JournalPosition) -> Bool { true }

    func history(of instanceId: String) -> [HistoryEvent]? {
        state.withLock { $0.current[instanceId]?.events }
    }

    func allHistories() -> [String: [HistoryEvent]] {
        state.withLock { $0.current.mapValues(\.events) }
    }

    func removeHistory(of instanceId: String) -> JournalPosition {
        state.withLock { state in
            state.current.removeValue(forKey: instanceId)
            state.appended += 1
            return JournalPosition(state.appended)
        }
    }

    /// Every execution each instance had, oldest first.
    func executions() -> [String: [RecordedExecution]] {
        state.withLock { state in
            state.current.reduce(into: [:]) { all, entry in all[entry.key] = (state.replaced[entry.key] ?? []) + [entry.value] }
        }
    }
}
