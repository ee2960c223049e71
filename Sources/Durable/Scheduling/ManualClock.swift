import Foundation
import Synchronization

/// A clock that moves only when told to, for tests: durable timers fire when you ``advance(by:)``.
///
/// ```swift
/// let clock = ManualClock()
/// let runtime = try await DurableRuntime(configuration: .init(clock: clock)) { ... }
/// let id = try await runtime.client.start(Approval.self, input: request)
/// await clock.waitForSleepers()          // the orchestration is now waiting on its timer
/// clock.advance(by: .seconds(3600))      // ... and the timeout fires at once
/// ```
public final class ManualClock: DurableClock {
    private struct Sleeper {
        let deadline: Date
        /// The instance whose durable timer this is; `nil` for a sleep that is not a durable timer.
        let owner: String?
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct Watcher {
        let id: Int
        let count: Int
        /// Counts only this instance's sleepers; `nil` counts all.
        let owner: String?
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now: Date
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
        var watchers: [Watcher] = []

        func count(of owner: String?) -> Int {
            guard let owner else { return sleepers.count }
            return sleepers.values.count { $0.owner == owner }
        }

        /// Takes the watchers whose count is reached.
        mutating func takeSatisfiedWatchers() -> [CheckedContinuation<Void, Never>] {
            guard !watchers.isEmpty else { return [] }
            var ready: [CheckedContinuation<Void, Never>] = []
            var left: [Watcher] = []
            for watcher in watchers {
                if count(of: watcher.owner) >= watcher.count { ready.append(watcher.continuation) } else { left.append(watcher) }
            }
            watchers = left
            return ready
        }
    }

    private let state: Mutex<State>

    /// Creates a clock that reads `now` until advanced.
    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        state = Mutex(State(now: now))
    }

    public var now: Date { state.withLock { $0.now } }

    /// How many sleeps (armed durable timers) are waiting for time to move.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// How many of one instance's durable timers are waiting for time to move.
    public func sleeperCount(of instanceId: String) -> Int { state.withLock { $0.count(of: instanceId) } }

    /// The earliest deadline any sleeper waits for.
    public var nextDeadline: Date? { state.withLock { $0.sleepers.values.map(\.deadline).min() } }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        advance(to: now.addingTimeInterval(duration.timeInterval))
    }

    /// Moves time to `date` (never backwards) and wakes every sleeper whose deadline has come.
    public func advance(to date: Date) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = max(state.now, date)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
                .sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
            for (id, _) in due { state.sleepers.removeValue(forKey: id) }
            return due.map(\.value.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Suspends until at least `count` sleepers wait — of instance `instanceId` only, when given;
    /// use it to know an orchestration reached its timer. Returns early if the waiting task is cancelled.
    ///
    /// ```swift
    /// await clock.waitForSleepers(of: approvalId)   // this instance waits on its timeout now
    /// ```
    public func waitForSleepers(_ count: Int = 1, of instanceId: String? = nil) async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state in
                    if state.count(of: instanceId) >= count || Task.isCancelled { return true }
                    state.watchers.append(Watcher(id: id, count: count, owner: instanceId, continuation: continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let watcher = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let index = state.watchers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.watchers.remove(at: index).continuation
            }
            watcher?.resume()
        }
    }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (immediate, watchers) = state.withLock { state -> (Result<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                    if Task.isCancelled { return (.failure(CancellationError()), []) }
                    if deadline <= state.now { return (.success(()), []) }
                    state.sleepers[id] = Sleeper(deadline: deadline, owner: TimerOwner.instanceId, continuation: continuation)
                    return (nil, state.takeSatisfiedWatchers())
                }
                if let immediate { continuation.resume(with: immediate) }
                for watcher in watchers { watcher.resume() }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }
}
