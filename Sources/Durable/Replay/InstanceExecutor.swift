import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The deterministic executor behind one orchestration instance.
///
/// It is both the instance actor's `SerialExecutor` and, through its ``taskLane``, the
/// orchestration task's `TaskExecutor`, so the code, its `async let`s and its task-group children
/// all run here, one job at a time, in FIFO order. The two entrances share one queue; they exist
/// so a job runs with the isolation it was enqueued for: actor jobs isolated to the instance,
/// task jobs on the generic executor (so nonisolated code does not hop at every async call). It drains run-until-idle: jobs first, and only when no job is left does it hand the
/// instance the next message (a history event). So each event is followed by a full drain, and the
/// interleaving of the code is a pure function of the history.
///
/// (This file is over 400 lines: the queue's state, its two entrances, the drain loop and the
/// thread marks it sets are one lock-and-thread protocol, reviewed together.)
final class InstanceExecutor: SerialExecutor, @unchecked Sendable {
    // @unchecked: `state` is guarded by its mutex, `drainingThread` is atomic, and `instance` and
    // `jobsLeftInBatch` are only touched before the executor is shared and by the thread draining it.

    /// How drains are started.
    enum Scheduling {
        /// A drain starts on a Dispatch worker whenever work arrives at an idle executor.
        case automatic
        /// The owner calls ``drain()`` itself (for replaying a history in isolation).
        case manual
        /// A drain starts when a deterministic simulation runs it, on the simulation's thread.
        case simulated(any SimulationHost)
    }

    fileprivate struct State {
        var jobs: [QueuedJob] = []
        var messages = MessageQueue()
        var isDraining = false
        /// Claimed, start recorded, running, ended; terminated or not (see ``ExecutionLifecycle``).
        var lifecycle: ExecutionLifecycle
        /// The instance has not created its task yet; the next drain does that first.
        var isStarting = false
        /// The instance still has history events to replay; they go before any message.
        var isReplaying = false
        /// The code was resumed by something that is not Durable, and the instance has not been
        /// failed for it yet: the next drain does that before it runs another job.
        var outsideResumption: OutsideResumption?
        var reportedOutsideResumption = false
        /// Run by the draining thread once the drain ends (see ``afterDrain(_:)``).
        var afterDrain: [@Sendable () -> Void] = []
    }

    private let state: Mutex<State>
    /// Where drains run. Kept: `DispatchQueue.global()` allocates a new wrapper on every call.
    private static let workers = DispatchQueue.global()
    /// The `TaskExecutor` entrance: the preference of the orchestration's task.
    let taskLane = TaskLane()
    private let drainingThread = Atomic<UInt>(0)
    /// The number of the job of the code running now (counted from 1), or 0 between jobs: what
    /// the step watchdog samples. Draining thread writes, anyone reads.
    private let runningJob = Atomic<UInt64>(0)
    private var jobsRun: UInt64 = 0  // draining thread only
    private let scheduling: Scheduling
    /// The instance whose messages this executor hands over. Strong on purpose: a weak reference
    /// would give the instance a side table and make every retain of it slow. The instance clears
    /// it when it ends, which breaks the cycle.
    var instance: OrchestrationInstance?
    /// The instance's id and its host's identity, immutable so the step watchdog may read them
    /// from its own thread (``instance`` is the draining thread's).
    let instanceId: String
    let host: ObjectIdentifier

    /// `pendingStart`: a new execution's first records, not appended yet (see ``recordStart(_:)``);
    /// `nil` for one whose history is stored.
    init(instanceId: String, host: ObjectIdentifier, scheduling: Scheduling, pendingStart: ExecutionLifecycle.PendingStart? = nil) {
        self.instanceId = instanceId
        self.host = host
        self.scheduling = scheduling
        self.state = Mutex(State(lifecycle: ExecutionLifecycle(pendingStart: pendingStart)))
        taskLane.owner = self
    }

    // MARK: Executor conformances

    func enqueue(_ job: consuming ExecutorJob) {
        enqueue(QueuedJob(job: UnownedJob(job), isolated: true))
    }

    fileprivate func enqueue(_ job: QueuedJob) {
        // Every job Durable causes is enqueued by the thread draining this executor (it resumes
        // the code while handling a history event, or the code itself enqueues it). One from
        // another thread is the code resumed from outside: after `Task.sleep`, another actor, a
        // continuation resumed elsewhere. It still runs (the task must not leak), after the
        // instance has failed for it.
        let fromOutside = !isCurrentThreadDraining
        let start = state.withLock { state in
            if fromOutside { state.noteOutsideResumption(.job) }
            state.jobs.append(job)
            return state.startDrainIfIdle(scheduling)
        }
        if start { scheduleDrain() }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func isIsolatingCurrentContext() -> Bool? {
        isCurrentThreadDraining
    }

    func checkIsolated() {
        // Unreachable from user code or a damaged journal: the runtime calls this only from
        // `assumeIsolated`/`preconditionIsolated` on the instance, whose contract is to trap. The
        // instance actor is internal, and the library itself never asks: its entries check
        // `isCurrentThreadDraining` (`OrchestrationInstance.isOnExecutor`) and then enter through
        // `OrchestrationInstance.Unchecked` or `assumeIsolatedUnchecked`, and code that escaped
        // the executor gets `DurableError.escapedExecutor`. Runtimes that check isolation on their
        // own (Swift 6.2+) ask `isIsolatingCurrentContext()` first, which answers without trapping.
        precondition(isCurrentThreadDraining, "Not on the orchestration instance's executor")
    }

    // MARK: Messages and draining

    /// Whether the calling thread is draining this executor right now.
    var isCurrentThreadDraining: Bool {
        drainingThread.load(ordering: .acquiring) == currentThreadID()
    }

    /// Jobs after the one running now in the drain's current batch. Draining thread only.
    private var jobsLeftInBatch = 0

    /// This drain queued activity calls that no worker has been told of yet: the engine has an
    /// ``afterDrain(_:)`` action for that. Draining thread only; cleared as the drain ends.
    var hasUnannouncedActivities = false

    /// Strict durability: effects this drain holds until its records are durable (see
    /// `EffectGate`). Draining thread only; the drain releases them when it runs out of work.
    var heldEffects: HeldEffects?

    /// Whether the job running now is the only work the executor has: none after it in this
    /// batch, none queued since. Draining thread only (the instance's replay shortcut asks).
    var isRunningTheOnlyJob: Bool {
        jobsLeftInBatch == 0 && state.withLock { $0.jobs.isEmpty }
    }

    /// Whether the execution waits for something from outside and is doing nothing meanwhile: its
    /// start is recorded, it has not ended (an end is still on its way to clients), no drain runs
    /// or is due, and no job or message waits.
    var isIdle: Bool {
        state.withLock { state in
            guard !state.isDraining, state.jobs.isEmpty, state.messages.isEmpty else { return false }
            switch state.lifecycle.phase {
            case .startRecorded, .running: return true
            case .claimed, .ended: return false
            }
        }
    }

    /// The code broke a rule a replay depends on (`how`): the instance fails for it before its
    /// next job runs — for the first such misuse only.
    func noteMisuse(_ how: OutsideResumption) {
        let start = state.withLock { state in
            state.noteOutsideResumption(how)
            return state.startDrainIfIdle(scheduling)
        }
        if start { scheduleDrain() }
    }

    /// Queues a message for the instance; it is handled once every job queued before it has run.
    func post(_ message: InstanceMessage) {
        let start = state.withLock { state in
            state.messages.append(message)
            return state.startDrainIfIdle(scheduling)
        }
        if start { scheduleDrain() }
    }

    /// Records and queues a message in one step, so messages queue in the order they were recorded.
    /// Returns `false`, recording nothing, once the execution ended or was terminated; `record`
    /// returning `nil` (it recorded nothing) queues nothing. An execution whose start is not
    /// recorded yet gets it recorded first, with `recordStart`.
    func post(
        recordingStart recordStart: (ExecutionLifecycle.PendingStart) throws -> JournalPosition,
        recording record: () throws -> InstanceMessage?
    ) rethrows -> Bool {
        let (accepted, start) = try state.withLock { state -> (Bool, Bool) in
            switch state.lifecycle.delivery() {
            case .refuse: return (false, false)
            case .recordStartFirst(let pending): state.lifecycle.startRecorded(at: try recordStart(pending))
            case .record: break
            }
            guard let message = try record() else { return (true, false) }
            state.lifecycle.recorded(message)
            state.messages.append(message)
            return (true, state.startDrainIfIdle(scheduling))
        }
        // Drain right here when this thread is free (not inside another drain): the result of an
        // activity then reaches the code without waking another thread.
        if start {
            if DrainingThread.isDraining { scheduleDrain() } else { runDrain() }
        }
        return accepted
    }

    /// Appends the execution's first records with `append`, unless a delivery did first; returns
    /// where they are.
    func recordStart(_ append: (ExecutionLifecycle.PendingStart) throws -> JournalPosition) throws -> JournalPosition? {
        try state.withLock { state in
            switch state.lifecycle.launchRecord() {
            case .recorded(let position):
                return position
            case .record(let pending):
                let position = try append(pending)
                state.lifecycle.startRecorded(at: position)
                return position
            }
        }
    }

    /// Runs `append` (the instance's own record of a command, custom status or end) unless a
    /// termination was recorded for the execution: then it records nothing and returns `nil`.
    /// Under the mailbox's lock, so every record is either before the termination or not made.
    func recordUnlessTerminated<T>(_ append: () throws -> T) rethrows -> T? {
        try state.withLock { state in state.lifecycle.mayRecord ? try append() : nil }
    }

    /// Which job of the code runs now (a number that changes with every job), or `nil` between jobs.
    var currentStep: UInt64? {
        let job = runningJob.load(ordering: .relaxed)
        return job == 0 ? nil : job
    }

    /// Whether the execution ended: its code returned, failed or was stopped.
    var hasEnded: Bool {
        state.withLock { state in
            if case .ended = state.lifecycle.phase { return true }
            return false
        }
    }

    /// The reason of the termination recorded for this execution; `nil` if none was.
    var termination: String?? {
        state.withLock { $0.lifecycle.termination }
    }

    /// Runs `action` on this thread once the current drain ends, or at once if this thread is not
    /// draining the executor. The engine uses it to tell workers of a drain's calls once.
    func afterDrain(_ action: @escaping @Sendable () -> Void) {
        guard isCurrentThreadDraining else { return action() }
        state.withLock { $0.afterDrain.append(action) }
    }

    /// The instance has events of its own to feed (see `OrchestrationInstance.replayNext`), ahead of any message.
    func feedFromInstance() {
        let start = state.withLock { state in
            state.isReplaying = true
            return state.startDrainIfIdle(scheduling)
        }
        if start { scheduleDrain() }
    }

    /// Starts the instance: the next drain first calls `OrchestrationInstance.run()`, which
    /// creates the orchestration's task, then runs what that queued. `replaying` says the
    /// instance has history events to feed before any message.
    ///
    /// The task is created on the draining thread, not the caller's: the task and its allocator
    /// slabs are then allocated by the thread that most likely frees them, which keeps them in
    /// that thread's malloc cache instead of taking another thread's arena lock.
    ///
    /// `whenReplayed` runs on the draining thread once the first drain after the start ends: the
    /// code has run through every stored event (recovery waits for it, see `Engine.recover`).
    func start(replaying: Bool, whenReplayed: (@Sendable () -> Void)? = nil) {
        let run = state.withLock { state -> Bool in
            // Queued with the start, under one lock: no drain can end between them without
            // having run the start and the replay first.
            if let whenReplayed { state.afterDrain.append(whenReplayed) }
            state.isStarting = true
            state.isReplaying = replaying
            let held = state.lifecycle.codeStarts()
            if !held.isEmpty {
                // Older than everything queued now.
                var messages = MessageQueue()
                for message in held { messages.append(message) }
                while let message = state.messages.popFirst() { messages.append(message) }
                state.messages = messages
            }
            return state.startDrainIfIdle(scheduling)
        }
        if run { scheduleDrain() }
    }

    /// Refuses further recorded messages; returns those still queued, for a successor to take over.
    func close() -> [InstanceMessage] {
        state.withLock { state in
            var left = state.lifecycle.end()
            while let message = state.messages.popFirst() { left.append(message) }
            return left
        }
    }

    private func scheduleDrain() {
        switch scheduling {
        case .automatic: Self.workers.async { self.runDrain() }
        case .simulated(let host): host.scheduleDrain { self.runDrain() }
        case .manual: break
        }
    }

    /// Runs jobs and messages until there are none left. With `.manual` scheduling, the caller drives.
    func drain() {
        let start = state.withLock { state -> Bool in
            guard !state.isDraining else { return false }
            state.isDraining = true
            return true
        }
        if start { runDrain() }
    }

    private func runDrain() {
        let outer = DrainingThread.mark
        DrainingThread.mark = Unmanaged.passUnretained(self).toOpaque()
        defer { DrainingThread.mark = outer }
        drainingThread.store(currentThreadID(), ordering: .releasing)
        let instance = self.instance
        var batch: [QueuedJob] = []
        let serial = asUnownedSerialExecutor()
        let lane = taskLane.asUnownedTaskExecutor()
        while true {
            enum Next {
                case start, jobs, replay, message(InstanceMessage), releaseHeld, idle([@Sendable () -> Void])
                case outsideResumption(OutsideResumption)
            }
            let next = state.withLock { state -> Next in
                if state.isStarting {
                    state.isStarting = false
                    return .start
                }
                if let outside = state.outsideResumption {
                    state.outsideResumption = nil
                    return .outsideResumption(outside)
                }
                if !state.jobs.isEmpty {
                    swap(&batch, &state.jobs)
                    return .jobs
                }
                if state.isReplaying { return .replay }
                while let message = state.messages.popFirst() {
                    if state.lifecycle.handles(message) { return .message(message) }
                }
                // A strict drain's held effects go before it is idle: the next drain, on any
                // thread, cannot overtake them.
                if heldEffects != nil { return .releaseHeld }
                // Clear the owner before another thread may start the next drain and claim it.
                drainingThread.store(0, ordering: .releasing)
                state.isDraining = false
                // Hand the emptied batch's buffer back, so the next job queued does not allocate
                // one (every step queues at least one job).
                swap(&batch, &state.jobs)
                hasUnannouncedActivities = false  // under the lock: the next drain may start on another thread
                defer { state.afterDrain = [] }
                return .idle(state.afterDrain)
            }
            switch next {
            case .start:
                CrashNote.prepareCurrentThread()  // while instances recover: room to note a stack overflow
                instance?.run()
            case .jobs:
                let watched = RunningSteps.enter(self)
                for (index, queued) in batch.enumerated() {
                    jobsLeftInBatch = batch.count - index - 1
                    jobsRun &+= 1
                    runningJob.store(jobsRun, ordering: .relaxed)
                    if queued.isolated {
                        queued.job.runSynchronously(isolatedTo: serial, taskExecutor: lane)
                    } else {
                        queued.job.runSynchronously(on: lane)
                    }
                }
                runningJob.store(0, ordering: .relaxed)
                RunningSteps.leave(watched.slot, restoring: watched.previous)
                batch.removeAll(keepingCapacity: true)
            case .replay:
                // History events are read straight from the instance's log, not through the mailbox.
                let more = instance.map { OrchestrationInstance.Unchecked.replayNext($0) } ?? false
                if !more { state.withLock { $0.isReplaying = false } }
            case .message(let message):
                if let instance { OrchestrationInstance.Unchecked.handle(instance, message) }
            case .outsideResumption(let outside):
                if let instance { OrchestrationInstance.Unchecked.handle(instance, .fail(outside.failure(of: instance.instanceId))) }
            case .releaseHeld:
                // Still draining: what the effects queue for the instance (a failure) runs next.
                let held = heldEffects
                heldEffects = nil
                held?.release()
            case .idle(let actions):
                for action in actions { action() }
                return
            }
        }
    }
}

/// The task-executor entrance of an ``InstanceExecutor``: same queue, same drain.
final class TaskLane: TaskExecutor, @unchecked Sendable {
    // @unchecked: `owner` is set once, in the executor's initializer, before the lane is shared.
    // Unowned: the executor outlives every task that prefers this lane (each holds its instance,
    // which holds the executor), and a weak reference would slow every retain of the executor.
    fileprivate unowned(unsafe) var owner: InstanceExecutor?

    func enqueue(_ job: consuming ExecutorJob) {
        owner?.enqueue(QueuedJob(job: UnownedJob(job), isolated: false))
    }
}

private struct QueuedJob {
    let job: UnownedJob
    /// Enqueued on the actor (run isolated to it) rather than on the task lane.
    let isolated: Bool
}

/// How orchestration code left Durable's control: what the instance fails with.
enum OutsideResumption: Sendable {
    /// A job of the code arrived from another thread.
    case job
    /// The code's task was cancelled from outside.
    case cancellation
    /// Code running elsewhere (`Task.detached`, `Task {}`) used the context for `operation`.
    case escaped(operation: String)
    /// This instance's code used another instance's context (`owner`'s) for `operation`.
    case usedAnotherContext(owner: String, operation: String)

    func failure(of instanceId: String) -> FailureDetails {
        switch self {
        case .job:
            FailureDetails(DurableError.resumedOutsideDurable(
                instanceId: instanceId,
                how: "its code was resumed from outside Durable (after Task.sleep, an await on another actor or the"
                    + " main actor, or a continuation resumed on another thread)"))
        case .cancellation:
            FailureDetails(DurableError.resumedOutsideDurable(instanceId: instanceId, how: "its task was cancelled from outside Durable"))
        case .escaped(let operation):
            FailureDetails(DurableError.escapedExecutor(instanceId: instanceId, operation: operation))
        case .usedAnotherContext(let owner, let operation):
            FailureDetails(DurableError.usedAnotherInstancesContext(instanceId: instanceId, owner: owner, operation: operation))
        }
    }
}

extension InstanceExecutor.State {
    /// Notes the first outside resumption; later ones change nothing (the instance fails once).
    fileprivate mutating func noteOutsideResumption(_ how: OutsideResumption) {
        guard !reportedOutsideResumption else { return }
        reportedOutsideResumption = true
        outsideResumption = how
    }

    /// Marks a drain as started when none is running; returns whether the caller must start one.
    fileprivate mutating func startDrainIfIdle(_ scheduling: InstanceExecutor.Scheduling) -> Bool {
        if case .manual = scheduling { return false }
        guard !isDraining else { return false }
        isDraining = true
        return true
    }
}

private func currentThreadID() -> UInt {
    #if canImport(Darwin)
    UInt(bitPattern: pthread_self())
    #else
    UInt(pthread_self())
    #endif
}

/// Whether the current thread is inside some instance's drain, so drains never nest, and whose.
enum DrainingThread {
    private static let key = ThreadLocalKey()
    /// Marks a thread that must not drain inline but drains no executor (the journal's writer).
    private static var elsewhere: UnsafeMutableRawPointer? { UnsafeMutableRawPointer(bitPattern: 1) }

    static var isDraining: Bool {
        get { key.value != nil }
        set { key.value = newValue ? elsewhere : nil }
    }

    /// The executor this thread is draining, if any: the instance whose code runs here now.
    static var executor: InstanceExecutor? {
        guard let mark = key.value, mark != elsewhere else { return nil }
        return Unmanaged<InstanceExecutor>.fromOpaque(mark).takeUnretainedValue()
    }

    /// The raw mark: an unretained executor (it outlives its drain), ``elsewhere``, or `nil`.
    fileprivate static var mark: UnsafeMutableRawPointer? {
        get { key.value }
        set { key.value = newValue }
    }
}
