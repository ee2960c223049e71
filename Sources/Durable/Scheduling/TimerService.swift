import Foundation
import Synchronization

/// Arms durable timers on the runtime's clock and calls back when each is due.
///
/// On the ``SystemClock`` all timers share one thread and one heap, so ten thousand timers cost
/// ten thousand heap entries, not ten thousand sleeping tasks. On any other clock (a
/// ``ManualClock`` in tests) each timer is a task sleeping on the clock, so the clock sees one
/// sleeper per armed timer. Either way a cancelled timer (the loser of a race) never calls back.
final class TimerService: Sendable {
    let clock: any DurableClock
    private let heap: TimerHeap?
    private let sleepers = Mutex<[TimerKey: Sleeper]>([:])

    /// A timer on a clock other than the ``SystemClock``: a task sleeping on the clock.
    private struct Sleeper {
        let task: Task<Void, Never>
        let deadline: Date
        /// Its deadline came and its callback runs now; it stays listed until the callback returns,
        /// so ``hasTimerFiring`` sees a fired timer whose event is not delivered yet.
        var isFiring = false
    }
    private let simulation: (any SimulationHost)?
    private let simulated = Mutex<[TimerKey: any SimulatedTimer]>([:])

    struct TimerKey: Hashable, Sendable {
        let owner: ObjectIdentifier
        let sequence: Int
    }

    init(clock: any DurableClock, simulation: (any SimulationHost)? = nil) {
        self.clock = clock
        self.simulation = simulation
        self.heap = clock is SystemClock && simulation == nil ? TimerHeap() : nil
    }

    /// Calls `fire` at `deadline` unless cancelled first. A key (an instance and a command's
    /// sequence number) is armed once.
    ///
    /// A deadline already passed fires on the calling thread before this returns. Timers are
    /// overdue when armed after a restart, or when a busy runtime runs a step late; waking the
    /// timer thread for each of them cost a signal, a context switch and lock contention apiece.
    ///
    /// A deadline that is not a number fires at once too (`<=` is `!(now < deadline)`), so none
    /// enters the heap, where it would never come due.
    /// `owner` is the instance the timer belongs to (see ``TimerOwner``).
    func schedule(_ key: TimerKey, at deadline: Date, owner: String? = nil, fire: @escaping @Sendable () -> Void) {
        if deadline <= clock.now { return fire() }
        if let heap {
            heap.schedule(key, at: deadline, fire: fire)
            return
        }
        if let simulation {
            // Armed under the lock, so an overdue timer cannot look itself up before it is registered.
            let replaced = simulated.withLock { timers in
                timers.updateValue(
                    simulation.armTimer(at: deadline) { [self] in
                        if simulated.withLock({ $0.removeValue(forKey: key) != nil }) { fire() }
                    }, forKey: key)
            }
            replaced?.cancel()
            return
        }
        let clock = self.clock
        // Created under the lock, so an overdue timer cannot look itself up before it is registered.
        let replaced = sleepers.withLock { sleepers in
            sleepers.updateValue(
                Sleeper(
                    task: Task {
                        do {
                            // Tagged with its instance, so a ``ManualClock`` can tell whose sleeper it is.
                            try await TimerOwner.$instanceId.withValue(owner) { try await clock.sleep(until: deadline) }
                        } catch {
                            return
                        }
                        let isCurrent = self.sleepers.withLock { sleepers in
                            guard var sleeper = sleepers[key], !sleeper.isFiring else { return false }
                            sleeper.isFiring = true
                            sleepers[key] = sleeper
                            return true
                        }
                        guard isCurrent else { return }
                        fire()
                        self.sleepers.withLock { _ = $0.removeValue(forKey: key) }
                    }, deadline: deadline), forKey: key)
        }
        replaced?.task.cancel()
    }

    /// The earliest deadline of the timers armed and not fired, on a clock other than the
    /// ``SystemClock``. Read from here, not from the clock: a timer's task may not sleep on the
    /// clock yet.
    var nextDeadline: Date? {
        sleepers.withLock { $0.values.lazy.filter { !$0.isFiring }.map(\.deadline).min() }
    }

    /// Whether a timer whose deadline has come is still listed: armed on a clock that has passed
    /// it without waking it yet, or firing now. Always `false` on the ``SystemClock``.
    var hasTimerFiring: Bool {
        guard heap == nil else { return false }
        let now = clock.now
        return sleepers.withLock { $0.values.contains { $0.isFiring || $0.deadline <= now } }
    }

    /// Cancels a timer; it will not fire.
    func cancel(_ key: TimerKey) {
        if let heap {
            heap.cancel(key)
            return
        }
        if simulation != nil { simulated.withLock { $0.removeValue(forKey: key) }?.cancel() }
        // One firing now cannot be called back; it is removed once its callback returns.
        let cancelled = sleepers.withLock { sleepers -> Task<Void, Never>? in
            guard let sleeper = sleepers[key], !sleeper.isFiring else { return nil }
            sleepers.removeValue(forKey: key)
            return sleeper.task
        }
        cancelled?.cancel()
    }

    /// Cancels every timer and stops the timer thread.
    func cancelAll() {
        heap?.stop()
        let all = sleepers.withLock { sleepers in
            defer { sleepers.removeAll() }
            return sleepers.values.map(\.task)
        }
        for task in all { task.cancel() }
        let armed = simulated.withLock { timers in
            defer { timers.removeAll() }
            return Array(timers.values)
        }
        for timer in armed { timer.cancel() }
    }
}

/// Wall-clock timers on one thread: a min-heap of deadlines and a condition to sleep on.
private final class TimerHeap: @unchecked Sendable {
    // @unchecked: every field is guarded by `condition`.
    private struct Entry {
        let deadline: Date
        let order: UInt64
        let key: TimerService.TimerKey
    }

    /// An armed timer's callback. A struct, not a bare closure or a tuple: a closure stored as a
    /// generic container's element is re-abstracted, which allocates on the way in and out.
    private struct Callback {
        let order: UInt64
        let fire: @Sendable () -> Void
    }

    private let condition = NSCondition()
    private var entries: [Entry] = []
    private var callbacks: [TimerService.TimerKey: Callback] = [:]
    private var nextOrder: UInt64 = 0
    private var isStopped = false
    private var thread: Thread?
    private static let leeway: TimeInterval = 0.001
    private let workers = DispatchQueue.global()

    func schedule(_ key: TimerService.TimerKey, at deadline: Date, fire: @escaping @Sendable () -> Void) {
        condition.lock()
        defer { condition.unlock() }
        guard !isStopped else { return }
        nextOrder += 1
        callbacks[key] = Callback(order: nextOrder, fire: fire)
        push(Entry(deadline: deadline, order: nextOrder, key: key))
        if thread == nil {
            let thread = Thread { [self] in run() }
            thread.name = "Durable timers"
            self.thread = thread
            thread.start()
        }
        if entries.first?.order == nextOrder { condition.signal() }  // a new earliest deadline
    }

    func cancel(_ key: TimerService.TimerKey) {
        condition.lock()
        callbacks.removeValue(forKey: key)  // its heap entry is skipped when it comes up
        condition.unlock()
    }

    func stop() {
        condition.lock()
        isStopped = true
        callbacks.removeAll()
        entries.removeAll()
        condition.signal()
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while !isStopped {
            guard let first = entries.first else {
                condition.wait()
                continue
            }
            if first.deadline > Date() {
                // Wake a little after the deadline so timers due close together fire as one batch
                // (one wake-up and a few Dispatch blocks instead of one each): a durable timer
                // promises "not before", and a millisecond late is well inside that.
                // At most a day at a time: `wait(until:)` counts nanoseconds since 1970 in an
                // `Int64` and traps for a date past 2262; a timer that far out just never fires.
                _ = condition.wait(until: first.deadline.addingTimeInterval(Self.leeway).boundedWait(from: Date()))
                continue
            }
            // Each batch goes to a worker as soon as it is taken: with ten thousand timers due at
            // once, taking them all first kept every core idle for milliseconds.
            let now = Date()
            var due: [Callback] = []
            while let entry = entries.first, entry.deadline <= now {
                popFirst()
                guard let index = callbacks.index(forKey: entry.key), callbacks.values[index].order == entry.order else {
                    continue  // cancelled, or re-armed with a later entry
                }
                if due.isEmpty { due.reserveCapacity(Self.batch) }
                due.append(callbacks.remove(at: index).value)
                if due.count == Self.batch {
                    condition.unlock()
                    fire(due)
                    due = []
                    condition.lock()
                }
            }
            if !due.isEmpty {
                condition.unlock()
                fire(due)
                condition.lock()
            }
        }
        condition.unlock()
    }

    /// Timers due together are fired this many to a Dispatch block.
    private static let batch = 64

    /// Runs callbacks on a Dispatch worker, so many timers due at once (and the orchestration
    /// steps they resume) use every core while this thread goes on.
    private func fire(_ due: [Callback]) {
        workers.async {
            for callback in due { callback.fire() }
        }
    }

    // MARK: Binary heap ordered by (deadline, order)

    private func precedes(_ a: Entry, _ b: Entry) -> Bool {
        (a.deadline, a.order) < (b.deadline, b.order)
    }

    private func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(entries[child], entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private func popFirst() {
        entries.swapAt(0, entries.count - 1)
        entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, precedes(entries[left], entries[smallest]) { smallest = left }
            if right < entries.count, precedes(entries[right], entries[smallest]) { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

/// The instance whose durable timer the current task sleeps for; `nil` for any other sleep.
/// Lets ``ManualClock`` count and wait for one instance's sleepers.
enum TimerOwner {
    @TaskLocal static var instanceId: String?
}
