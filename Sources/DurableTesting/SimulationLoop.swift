import Foundation
import Synchronization

/// The one thread a simulation runs on, and its job queue: a `SerialExecutor` and `TaskExecutor`
/// whose jobs (and the engine's drains and the simulation's own steps) run FIFO, and a heap of
/// timed work that the loop reaches by jumping virtual time forward when nothing else can run.
final class SimulationLoop: TaskExecutor, @unchecked Sendable {
    // @unchecked: `queue` is guarded by its mutex; `timers`, `now` and `sequence` are touched only
    // by the loop thread (every caller runs on it: drains, jobs, timers).
    private enum Work {
        case job(UnownedJob)
        case step(@Sendable () -> Void)
    }

    private struct Timed {
        let deadline: Date
        let order: UInt64
        let step: @Sendable () -> Void
    }

    private let queue = Mutex<[Work]>([])
    /// Signalled when work arrives, for a loop waiting on work that runs outside it.
    private let arrival = NSCondition()
    /// Activity runs that have not returned yet. While one is out (its code awaits something
    /// outside the simulation: `Task.sleep`, another actor), the loop waits for it instead of
    /// moving time on, so the order of events stays a function of the seed.
    let outstanding = Atomic<Int>(0)
    private var head = 0
    private var local: [Work] = []
    private var timers: [Timed] = []
    private var order: UInt64 = 0
    private let clockNow: Mutex<Date>

    init(start: Date) {
        clockNow = Mutex(start)
    }

    /// The virtual time.
    var now: Date { clockNow.withLock { $0 } }

    // MARK: Executor

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.withLock { $0.append(.job(job)) }
        arrival.lock()
        arrival.signal()
        arrival.unlock()
    }

    /// Queues `step` behind the work queued already.
    func post(_ step: @escaping @Sendable () -> Void) {
        queue.withLock { $0.append(.step(step)) }
    }

    /// Runs `step` once virtual time reaches `deadline` (after the steps due earlier, and after
    /// those due at the same time that were armed first).
    func schedule(at deadline: Date, _ step: @escaping @Sendable () -> Void) {
        order += 1
        push(Timed(deadline: max(deadline, now), order: order, step: step))
    }

    // MARK: Running

    /// What stopped ``run(until:limit:)``.
    enum Stop {
        case finished
        case idle
        case timeLimit(Date)
    }

    /// Runs queued work, then due timers, jumping time to each, until `isDone` holds when the queue
    /// is empty, nothing is left to run, or the next timer lies beyond `limit`.
    func run(until isDone: () -> Bool, limit: Date) -> Stop {
        while true {
            if let work = next() {
                switch work {
                case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
                case .step(let step): step()
                }
                continue
            }
            if outstanding.load(ordering: .acquiring) > 0 {
                arrival.lock()
                if queue.withLock({ $0.isEmpty }) { _ = arrival.wait(until: Date().addingTimeInterval(0.05)) }
                arrival.unlock()
                continue
            }
            if isDone() { return .finished }
            guard let first = timers.first else { return .idle }
            if first.deadline > limit { return .timeLimit(first.deadline) }
            popFirst()
            if first.deadline > now { clockNow.withLock { $0 = first.deadline } }
            first.step()
        }
    }

    /// Drops every queued job, step and timer: what is left of a run that has failed.
    func discardAll() {
        queue.withLock { $0.removeAll() }
        local.removeAll()
        head = 0
        timers.removeAll()
    }

    private func next() -> Work? {
        if head == local.count {
            local.removeAll(keepingCapacity: true)
            head = 0
            queue.withLock { swap(&$0, &local) }
            if local.isEmpty { return nil }
        }
        defer { head += 1 }
        return local[head]
    }

    // MARK: Heap ordered by (deadline, order)

    private func precedes(_ a: Timed, _ b: Timed) -> Bool {
        (a.deadline, a.order) < (b.deadline, b.order)
    }

    private func push(_ timed: Timed) {
        timers.append(timed)
        var child = timers.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(timers[child], timers[parent]) else { break }
            timers.swapAt(child, parent)
            child = parent
        }
    }

    private func popFirst() {
        timers.swapAt(0, timers.count - 1)
        timers.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < timers.count, precedes(timers[left], timers[smallest]) { smallest = left }
            if right < timers.count, precedes(timers[right], timers[smallest]) { smallest = right }
            guard smallest != parent else { return }
            timers.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

/// The simulation's clock: virtual time, moved only by the loop.
struct SimulatedClock: DurableClock {
    let loop: SimulationLoop

    var now: Date { loop.now }

    func sleep(until deadline: Date) async throws {
        // Code that sleeps on the runtime's clock directly (the engine arms timers through the
        // simulation instead) wakes when the loop reaches the deadline.
        let loop = self.loop
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            loop.post { loop.schedule(at: deadline) { continuation.resume() } }
        }
        try Task.checkCancellation()
    }
}

/// A seeded generator (SplitMix64): the same seed gives the same numbers on every platform.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose numbers are a function of `seed` alone.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// SplitMix64's finalizer: a bijective scramble of `value`.
    static func mix(_ value: UInt64) -> UInt64 {
        var bits = value
        bits = (bits ^ (bits >> 30)) &* 0xBF58_476D_1CE4_E5B9
        bits = (bits ^ (bits >> 27)) &* 0x94D0_49BB_1331_11EB
        return bits ^ (bits >> 31)
    }

    /// A number in `0..<1` that depends only on `seed` and `key`: the same call decides the same
    /// way in a run with crashes and in the run without.
    static func unit(seed: UInt64, key: String) -> Double {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return Double(mix(hash) >> 11) / Double(UInt64(1) << 53)
    }
}
