import Foundation
import Synchronization

/// Arms durable timers on the runtime's clock and calls back when each is due.
///
/// Each timer is a task sleeping on the clock, so a ``ManualClock`` sees one sleeper per armed
/// timer. A cancelled timer (the loser of a race) never calls back.
final class TimerService: Sendable {
    let clock: any DurableClock
    private let timers = Mutex<[TimerKey: Task<Void, Never>]>([:])

    struct TimerKey: Hashable, Sendable {
        let owner: ObjectIdentifier
        let sequence: Int
    }

    init(clock: any DurableClock) {
        self.clock = clock
    }

    /// Calls `fire` at `deadline` unless cancelled first. Re-arming a key replaces its timer.
    func schedule(_ key: TimerKey, at deadline: Date, fire: @escaping @Sendable () -> Void) {
        let clock = self.clock
        // Created under the lock, so an overdue timer cannot look itself up before it is registered.
        let replaced = timers.withLock { timers in
            timers.updateValue(
                Task {
                    do {
                        try await clock.sleep(until: deadline)
                    } catch {
                        return
                    }
                    let isCurrent = self.timers.withLock { $0.removeValue(forKey: key) != nil }
                    if isCurrent { fire() }
                }, forKey: key)
        }
        replaced?.cancel()
    }

    /// Cancels a timer; it will not fire.
    func cancel(_ key: TimerKey) {
        timers.withLock { $0.removeValue(forKey: key) }?.cancel()
    }

    /// Cancels every timer.
    func cancelAll() {
        let all = timers.withLock { timers in
            defer { timers.removeAll() }
            return Array(timers.values)
        }
        for task in all { task.cancel() }
    }
}
