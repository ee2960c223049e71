import Synchronization

/// One activity call waiting for a worker.
struct ActivityWorkItem: Sendable {
    let instance: OrchestrationInstance
    let sequence: Int
    let name: String
    let input: Payload
    let attempt: Int
}

/// Runs activities on at most `limit` workers, children of one discarding task group.
///
/// A worker keeps taking queued calls until none is left, so a fan-out of thousands needs only
/// `limit` tasks. And when a worker's result makes an orchestration call its next activity (the
/// result is delivered, and the code run, on the worker's own thread), that same worker takes the
/// call: a chain of activities runs without waking another thread at every step.
final class ActivityWorkerPool: Sendable {
    private struct State {
        var queue: [ActivityWorkItem] = []
        var head = 0
        var workers = 0
        /// Calls taken by a worker whose result is not delivered yet.
        var running = 0
        var isShutDown = false
        /// A graceful shutdown drains: queued calls stay queued (journaled, for the next runtime)
        /// and no worker takes one; the running ones finish.
        var isDraining = false
        /// Who waits, while draining, for the running calls to deliver their results.
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        /// Idle workers waiting for a call: handing one a call costs one task resume, not a new task.
        var parked: [CheckedContinuation<Void, Never>] = []

        mutating func pop() -> ActivityWorkItem? {
            guard head < queue.count else { return nil }
            defer {
                head += 1
                if head == queue.count {
                    queue.removeAll(keepingCapacity: queue.count < 4_096)
                    head = 0
                }
            }
            return queue[head]
        }

        var waiting: Int { queue.count - head }

        /// Calls waiting that no free worker will take. A worker delivering a result on this
        /// thread takes a call next, so it needs no help.
        var unattended: Int { waiting - (WorkerThread.isDelivering ? 1 : 0) }
    }

    private let state = Lock(State())
    private let limit: Int
    private let registry: Registry
    private let payloadLimit: PayloadLimit
    private let spawn: AsyncStream<Void>.Continuation
    private let runner: Task<Void, Never>
    /// Set at shutdown before the workers are cancelled: a result that comes after it (a late one,
    /// or a cancelled activity's) is recorded nowhere. Atomic, so a delivery costs no extra lock.
    private let discardsResults = Atomic(false)

    init(registry: Registry, limit: Int, payloadLimit: PayloadLimit) {
        self.registry = registry
        self.payloadLimit = payloadLimit
        self.limit = max(1, limit)
        let (requests, spawn) = AsyncStream.makeStream(of: Void.self)
        self.spawn = spawn
        let box = WorkerLoop()
        self.runner = Task {
            await withDiscardingTaskGroup { group in
                for await _ in requests {
                    group.addTask { await box.pool?.work() }
                }
                group.cancelAll()
            }
        }
        box.pool = self
    }

    /// Queues an activity call, then wakes a parked worker (or adds one) if no worker is free to
    /// take it — unless `deferringHelp`: then it returns `true` when help is needed, and the caller
    /// calls ``announce()`` later.
    ///
    /// A drain that dispatches many calls (a fan-out) announces them once, when it ends: waking a
    /// worker per call cost the orchestration's thread a futex wake and pool-lock contention each.
    @discardableResult
    func submit(_ item: ActivityWorkItem, deferringHelp: Bool = false) -> Bool {
        var deferred = false
        let observers = item.instance.observers
        var depth = 0
        let needed = state.withLock { state -> Help in
            guard !state.isShutDown else { return Help() }
            state.queue.append(item)
            if observers != nil { depth = state.waiting }
            guard !deferringHelp else {
                deferred = state.unattended > 0 && (!state.parked.isEmpty || state.workers < limit)
                return Help()
            }
            return help(&state)
        }
        needed.give(spawn)
        observers?.emit(.activityQueueDepth(depth))
        return deferred
    }

    /// Wakes (or adds) enough workers for the calls queued with deferred help.
    func announce() {
        state.withLock { help(&$0) }.give(spawn)
    }

    /// Workers to wake and to add so that every waiting call has one, within the limit.
    private struct Help {
        /// Parked workers to resume. Rarely more than `maximumParked` (two) are parked; one beyond
        /// them stays parked until the next call, and no array is allocated per wake.
        var wake: (CheckedContinuation<Void, Never>?, CheckedContinuation<Void, Never>?) = (nil, nil)
        var spawn = 0

        func give(_ spawner: AsyncStream<Void>.Continuation) {
            wake.0?.resume()
            wake.1?.resume()
            for _ in 0..<spawn { spawner.yield() }
        }
    }

    /// Takes the parked workers to wake and counts the workers to add.
    private func help(_ state: inout State) -> Help {
        guard !state.isShutDown, !state.isDraining else { return Help() }
        var needed = state.unattended
        var given = Help()
        if needed > 0, let parked = state.parked.popLast() {
            given.wake.0 = parked
            needed -= 1
        }
        if needed > 0, let parked = state.parked.popLast() {
            given.wake.1 = parked
            needed -= 1
        }
        given.spawn = max(0, min(needed, limit - state.workers))
        state.workers += given.spawn
        return given
    }

    /// Stops taking work and cancels running activities; their results, if they still come, are
    /// dropped. Ends a drain's wait.
    func shutdown() {
        discardsResults.store(true, ordering: .sequentiallyConsistent)
        let (parked, drainWaiters) = state.withLock { state in
            state.isShutDown = true
            state.queue.removeAll()
            state.head = 0
            defer {
                state.parked = []
                state.drainWaiters = []
            }
            return (state.parked, state.drainWaiters)
        }
        for worker in parked { worker.resume() }
        for waiter in drainWaiters { waiter.resume() }
        spawn.finish()
        runner.cancel()
    }

    /// Hands no more calls to workers: those queued, and those submitted from now on, wait for
    /// ``shutdown()`` (the next runtime on the storage runs them). Running calls go on.
    func beginDraining() {
        state.withLock { $0.isDraining = true }
    }

    /// Returns once no call runs or delivers its result (call it after ``beginDraining()``), or
    /// at ``shutdown()``.
    func waitUntilNoneRunning() async {
        await withCheckedContinuation { waiter in
            let now = state.withLock { state -> Bool in
                if state.running == 0 || state.isShutDown { return true }
                state.drainWaiters.append(waiter)
                return false
            }
            if now { waiter.resume() }
        }
    }

    /// Whether no call waits and none runs: every result taken so far is delivered.
    var isIdle: Bool { state.withLock { $0.waiting == 0 && $0.running == 0 } }

    private static let maximumParked = 2

    private func work() async {
        var delivered = false  // the last call's result: counted out under the lock the next call is taken with
        while true {
            enum Next { case run(ActivityWorkItem), park, exit }
            var drained: [CheckedContinuation<Void, Never>] = []
            let next = state.withLock { state -> Next in
                if delivered { state.running -= 1 }
                delivered = false
                if !state.isDraining, let item = state.pop() {
                    state.running += 1
                    return .run(item)
                }
                if state.isDraining, state.running == 0, !state.drainWaiters.isEmpty {
                    swap(&drained, &state.drainWaiters)
                }
                // A draining pool gets no work until it shuts down: its idle workers go.
                if !state.isShutDown, !state.isDraining, state.parked.count < Self.maximumParked { return .park }
                state.workers -= 1
                return .exit
            }
            for waiter in drained { waiter.resume() }
            switch next {
            case .run(let item):
                if let observers = item.instance.observers { observers.emit(.activityQueueDepth(state.withLock { $0.waiting })) }
                await execute(item)
                delivered = true
            case .park:
                await withCheckedContinuation { continuation in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.isShutDown || state.waiting > 0 { return true }
                        state.parked.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            case .exit:
                return
            }
        }
    }

    private func execute(_ item: ActivityWorkItem) async {
        deliver(await reportedOutcome(of: item), of: item)
    }

    /// `outcome(of:)`, with the call's start and end reported when anyone listens (see
    /// ``RuntimeEvent/activityStarted(instanceId:activity:attempt:)``): a worker's run and a
    /// simulation's alike.
    func reportedOutcome(of item: ActivityWorkItem) async -> HistoryEvent.Kind {
        guard let observers = item.instance.observers else { return await outcome(of: item) }
        let id = item.instance.instanceId
        observers.emit(.activityStarted(instanceId: id, activity: item.name, attempt: item.attempt))
        let began = observers.now()
        let outcome = await outcome(of: item)
        var failed = false
        if case .taskFailed = outcome { failed = true }
        observers.emit(.activityFinished(
            instanceId: id, activity: item.name, attempt: item.attempt, duration: observers.since(began), failed: failed))
        return outcome
    }

    /// Hands the call's outcome to its instance — unless the runtime shut down meanwhile (the grace
    /// ran out): then it is recorded nowhere and the next runtime runs the call again.
    private func deliver(_ outcome: HistoryEvent.Kind, of item: ActivityWorkItem) {
        guard !discardsResults.load(ordering: .sequentiallyConsistent) else { return }
        WorkerThread.isDelivering = true
        item.instance.host.report(outcome, to: item.instance)
        WorkerThread.isDelivering = false
    }

    /// Runs the call's activity; its result, or its failure, as history records it.
    func outcome(of item: ActivityWorkItem) async -> HistoryEvent.Kind {
        do {
            let activity = try registry.activity(named: item.name)
            // Only a live runtime's instances dispatch activities: a replay in isolation runs none.
            guard let client = item.instance.host.activityClient else { throw DurableError.runtimeShutDown }
            let instance = item.instance
            let context = ActivityContext(
                instanceId: instance.instanceId, activityName: item.name, attempt: item.attempt,
                callId: ActivityCallID(instanceId: instance.instanceId, executionId: instance.executionId, sequence: item.sequence),
                client: client)
            let result = try await activity.run(item.input, context)
            // Too large to record: the attempt fails instead, so a retry policy or the caller's
            // catch sees it as it sees any failure of the activity.
            try payloadLimit.check(
                result, instanceId: item.instance.instanceId, step: "result of activity '\(item.name)' (#\(item.sequence))")
            return .taskCompleted(sequence: item.sequence, result: result)
        } catch {
            return .taskFailed(sequence: item.sequence, failure: FailureDetails(error))
        }
    }
}

/// Lets the pool's runner task reach the pool without keeping it alive.
private final class WorkerLoop: @unchecked Sendable {
    // @unchecked: written once, in the pool's initializer, before the runner reads it.
    weak var pool: ActivityWorkerPool?
}

/// Whether the current thread is a worker delivering an activity's result.
enum WorkerThread {
    private static let key = ThreadLocalKey()

    static var isDelivering: Bool {
        get { key.isSet }
        set { key.isSet = newValue }
    }
}
