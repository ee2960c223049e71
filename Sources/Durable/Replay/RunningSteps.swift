import Synchronization

/// Which executor each thread is running orchestration code for: what the step watchdog looks at.
///
/// Every thread that runs a batch of an executor's jobs has a slot, made on its first batch and
/// dropped when the thread exits. A look at the running steps therefore costs one short lock per
/// thread, not a walk over every instance the runtime knows under the table's lock (which, with
/// 80,000 parked instances, held every start and status read up for ~20 ms each look). A batch
/// costs two uncontended locks of its own thread's slot.
enum RunningSteps {
    /// One thread's slot: the executor whose jobs it runs now, or `nil`.
    final class Slot: Sendable {
        fileprivate let executor = Mutex<InstanceExecutor?>(nil)
    }

    private static let slots = Mutex<[Slot]>([])

    /// Each thread's slot, retained by the key; released (and forgotten) when the thread exits.
    private static let key = ThreadLocalKey(onThreadExit: { pointer in
        let raw: UnsafeMutableRawPointer? = pointer  // optional on Linux, not on Darwin
        guard let raw else { return }
        let slot = Unmanaged<Slot>.fromOpaque(raw).takeRetainedValue()
        RunningSteps.slots.withLock { slots in slots.removeAll { $0 === slot } }
    })

    /// The calling thread's slot, made on first use.
    private static var currentSlot: Slot {
        if let raw = key.value { return Unmanaged<Slot>.fromOpaque(raw).takeUnretainedValue() }
        let slot = Slot()
        slots.withLock { $0.append(slot) }
        key.value = Unmanaged.passRetained(slot).toOpaque()
        return slot
    }

    /// Notes that this thread runs `executor`'s jobs until ``leave(_:restoring:)``; returns the
    /// slot and what it held before (a drain can run inside another's job on the same thread).
    static func enter(_ executor: InstanceExecutor) -> (slot: Slot, previous: InstanceExecutor?) {
        let slot = currentSlot
        let previous = slot.executor.withLock { held in
            defer { held = executor }
            return held
        }
        return (slot, previous)
    }

    /// Ends what ``enter(_:)`` began.
    static func leave(_ slot: Slot, restoring previous: InstanceExecutor?) {
        slot.executor.withLock { $0 = previous }
    }

    /// The executors running jobs on some thread now.
    static func executors() -> [InstanceExecutor] {
        let all = slots.withLock { $0 }
        return all.compactMap { slot in slot.executor.withLock { $0 } }
    }
}
