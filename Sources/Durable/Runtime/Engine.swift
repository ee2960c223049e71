import Foundation
import Synchronization

/// The live host of every instance: the instance table, the store, the worker pool, the timers.
///
/// Client calls come in here; instances call back (on their own executors) to record events and
/// dispatch commands. The table is behind one mutex, taken briefly and never across an `await`.
/// Lock order: an instance's executor lock, then the store's, then the table's.
final class Engine: InstanceHost {
    let registry: Registry
    let store: any HistoryStore
    let timers: TimerService
    let pool: ActivityWorkerPool
    /// Holds a drain's effects until its records are durable, under strict durability.
    let gate: EffectGate
    /// Made once: a drain that needs workers registers it, instead of a new closure each time.
    let announceActivities: @Sendable () -> Void
    let table = Lock(InstanceTable())
    /// Sends recorded but not yet delivered (see `deliverPendingSends`).
    let pendingSends = PendingSends()
    let payloadLimit: PayloadLimit
    /// Where the engine says what it did on its own (``DurableRuntime/Configuration/log``).
    let log: @Sendable (String) -> Void
    let historyLimit: HistoryLimit
    /// ``DurableRuntime/Configuration/maxSubOrchestrationDepth``.
    let maxSubOrchestrationDepth: Int
    /// The recovery under way at startup and the instances quarantined (see `recover`).
    let recovery: RecoveryTracker
    /// ``DurableRuntime/Configuration/onNondeterminism``.
    let nondeterminismPolicy: NondeterminismPolicy
    /// The deterministic simulation running this engine, if any (see ``RuntimeEnvironment``).
    let simulation: (any SimulationHost)?
    let drainScheduling: InstanceExecutor.Scheduling
    /// ``DurableRuntime/Configuration/onInputMismatch``.
    let inputMismatch: InputMismatchPolicy
    /// ``DurableRuntime/Configuration/observers``; `nil` when there are none.
    let observers: RuntimeObservers?

    init(
        registry: Registry, store: any HistoryStore, configuration: DurableRuntime.Configuration,
        payloadLimit: PayloadLimit, historyLimit: HistoryLimit
    ) {
        self.registry = registry
        self.store = store
        self.payloadLimit = payloadLimit
        self.log = configuration.log
        self.historyLimit = historyLimit
        self.maxSubOrchestrationDepth = configuration.maxSubOrchestrationDepth
        self.nondeterminismPolicy = configuration.onNondeterminism
        self.simulation = configuration.environment.simulation
        self.drainScheduling = configuration.environment.simulation.map { .simulated($0) } ?? .automatic
        self.timers = TimerService(clock: configuration.clock, simulation: configuration.environment.simulation)
        self.inputMismatch = configuration.onInputMismatch
        self.gate = EffectGate(store: store)
        self.recovery = RecoveryTracker(store: store)
        let pool = ActivityWorkerPool(
            registry: registry, limit: max(1, configuration.maxConcurrentActivities), payloadLimit: payloadLimit)
        self.pool = pool
        self.announceActivities = { pool.announce() }
        self.observers = RuntimeObservers(configuration.observers, clock: configuration.clock)
        (store as? FileJournal)?.observers = observers
    }

    func now() -> Date { timers.clock.now }

    /// An id for an instance started without one: random, or the simulation's.
    func newInstanceID() -> String { simulation?.nextInstanceID() ?? RandomInstanceID.next() }

    /// A new execution's id: unique, or the simulation's.
    func newExecutionID() -> String { simulation?.nextExecutionID() ?? ExecutionID.next() }

    func warn(_ message: String) { log(message) }

    // MARK: Starting and recovering instances

    /// Starts a new instance; returns once its ExecutionStarted event is durable.
    ///
    /// A typed start passes `validatingInput: false`: its `input` was just encoded from the
    /// orchestration's own `Input`, and decoding it again only to validate it would cost every
    /// start a JSON decode. A type whose decoder refuses its own encoder's output still gets a
    /// typed error: its first run fails with ``DurableError/decodingFailed(type:reason:)``, the
    /// input recorded.
    func start(
        orchestration name: String, input: Payload, instanceId: String?, startAt: Date?, reuse: InstanceIDReuse,
        version: String? = nil, validatingInput: Bool = true
    ) async throws -> String {
        let (id, position) = try recordStart(
            orchestration: name, input: input, instanceId: instanceId, startAt: startAt, reuse: reuse, version: version,
            validatingInput: validatingInput)
        if !store.isDurable(position) { try await store.waitUntilDurable(position) }
        return id
    }

    /// `start` up to the durability wait. Not async, so `start`'s async frame stays small: a
    /// frame that outgrows the task's first allocator slab costs every start a malloc. Never
    /// inlined: inlined, its locals land in that frame all the same (one more parameter did it:
    /// B4m went from 6.9 to 8.3 KiB per waiting instance, 10,000 start tasks each a slab larger).
    @inline(never)
    private func recordStart(
        orchestration name: String, input: Payload, instanceId: String?, startAt: Date?, reuse: InstanceIDReuse,
        version: String?, validatingInput: Bool
    ) throws -> (String, JournalPosition) {
        let entry = try registry.orchestrationToStart(named: name, version: version)
        let id = instanceId ?? newInstanceID()
        try payloadLimit.check(input, instanceId: id, step: "input of start")  // before decoding it to validate
        if validatingInput { try entry.validateInput(input) }
        let started = HistoryEvent(
            .executionStarted(
                name: name, input: input, parent: nil, scheduledStart: startAt, executionId: newExecutionID(),
                version: entry.version),
            at: now())
        do {
            return (id, try launch(id, entry, started, reuse: reuse))
        } catch let failure as StoreFailure {
            throw failure.error  // the client sees the store's own error
        }
    }

    /// Starts one instance per request, all or none; returns their ids once every start is durable.
    /// Every input was just encoded from the orchestration's `Input` by a typed client call.
    ///
    /// Every id is checked under one table lock before anything is recorded, so a taken id (or
    /// one named twice) starts nothing. The starts then share the journal's batches and one wait.
    func start(
        orchestration name: String, batch: [(instanceId: String?, input: Payload)], startAt: Date?, reuse: InstanceIDReuse
    ) async throws -> [String] {
        let (ids, last) = try recordStarts(orchestration: name, batch: batch, startAt: startAt, reuse: reuse)
        if let last, !store.isDurable(last) { try await store.waitUntilDurable(last) }
        return ids
    }

    private func recordStarts(
        orchestration name: String, batch: [(instanceId: String?, input: Payload)], startAt: Date?, reuse: InstanceIDReuse
    ) throws -> ([String], JournalPosition?) {
        let entry = try registry.orchestration(named: name)
        let now = now()
        let launches = try batch.map { request in
            let id = request.instanceId ?? newInstanceID()
            try payloadLimit.check(request.input, instanceId: id, step: "input of start")
            // No validating decode: batches come from the typed starts only (see `start(...validatingInput:)`).
            return try Launch(
                id: id, entry: entry,
                started: HistoryEvent(
                    .executionStarted(
                        name: name, input: request.input, parent: nil, scheduledStart: startAt, executionId: newExecutionID(),
                        version: entry.version),
                    at: now),
                host: self)
        }
        for launch in launches { deliverPendingSends(of: launch.id) }  // a reused id's history goes
        let replacing = try table.withLock { table -> [Bool] in
            guard table.lifecycle.acceptsStarts else { throw DurableError.runtimeShutDown }
            var named = Set<String>()  // ids the caller chose; generated ones cannot repeat
            for (request, launch) in zip(batch, launches) where request.instanceId != nil {
                if named.isEmpty { named.reserveCapacity(batch.count) }
                if !named.insert(launch.id).inserted {
                    throw DurableError.instanceAlreadyExists(launch.id, status: .pending)
                }
            }
            for launch in launches {
                try table.check(launch.id, reuse: reuse)
            }
            return launches.map { table.claim($0, continuing: false) }
        }
        var last: JournalPosition?
        for index in launches.indices {
            do {
                last = try record(launches[index], replacing: replacing[index])
            } catch {
                table.withLock { table in
                    for launch in launches[index...] { table.remove(launch.id) }
                }
                for launch in launches[..<index] { run(launch.instance, status: launch.status) }
                throw error
            }
        }
        for launch in launches { run(launch.instance, status: launch.status) }
        return (launches.map(\.id), last)
    }

    /// Registers, records and starts a fresh instance whose history begins with `history[0]`.
    /// Throws the table's refusals as they are, and the store's errors as a ``StoreFailure``.
    /// A client's start (`fromClient`) is refused from the moment a shutdown begins; an
    /// orchestration's own launch (a child, a continue-as-new) only once the runtime closes.
    @discardableResult
    func launch(
        _ id: String, _ entry: OrchestrationEntry, _ started: HistoryEvent, carrying carried: [HistoryEvent] = [],
        reuse: InstanceIDReuse = .never, continuing: Bool = false, fromClient: Bool = true
    ) throws -> JournalPosition {
        let launch = try Launch(id: id, entry: entry, started: started, carrying: carried, host: self)
        deliverPendingSends(of: id)  // a history this launch replaces takes its sends' records along
        let (replacing, previous) = try table.withLock { table -> (Bool, InstanceRecord?) in
            guard fromClient ? table.lifecycle.acceptsStarts : !table.isShutDown else { throw DurableError.runtimeShutDown }
            if !continuing { try table.check(id, reuse: reuse) }
            let previous = table.records[id]
            return (table.claim(launch, continuing: continuing), previous)
        }
        let position: JournalPosition
        do {
            position = try record(launch, replacing: replacing)
        } catch {
            // Not recorded: the table goes back to what the store holds — the execution it would
            // have replaced (continue-as-new, reuse) with the waiters that came meanwhile, or nothing.
            table.withLock { table in
                guard let previous else { return table.remove(id) }
                let claimed = table.records.removeValue(forKey: id)
                claimed?.resumeHandoffWaiters()
                if continuing, let claimed { previous.waiters = claimed.waiters }
                table.records[id] = previous
            }
            throw StoreFailure(error: error)
        }
        run(launch.instance, status: launch.status)
        return position
    }

    /// Appends a claimed launch's first events to its history (replacing an earlier one's),
    /// unless an event delivered to it since the claim did so first: an event raised to a
    /// starting instance is recorded after its ExecutionStarted, never before or instead.
    private func record(_ launch: Launch, replacing: Bool) throws -> JournalPosition {
        let position = try launch.instance.executor.recordStart { pending in
            replacing || !pending.carried.isEmpty
                ? try store.replaceHistory(of: launch.id, with: pending.events)
                : try store.append(pending.started, to: launch.id)
        }
        // Nothing recorded it, and it ended: only a shutdown stops an execution that early.
        guard let position else { throw DurableError.runtimeShutDown }
        observers?.emit(.instanceStarted(instanceId: launch.id, orchestration: launch.instance.orchestration.name))
        return position
    }

    /// Starts the instance's code now, or arms its scheduled start. `whenReplayed` runs once the
    /// code has replayed its stored history, or at once if the code does not start now.
    func run(_ instance: OrchestrationInstance, status: InstanceStatus, whenReplayed: (@Sendable () -> Void)? = nil) {
        guard status.runtimeStatus == .pending, let startAt = status.scheduledStart, startAt > now() else {
            if status.runtimeStatus == .pending { markStarted(instance) }
            instance.start(whenReplayed: whenReplayed)
            return
        }
        whenReplayed?()
        // Timer callbacks hold the engine strongly (a weak reference would slow every retain of
        // it); shutdown drops them.
        timers.schedule(.init(owner: ObjectIdentifier(instance), sequence: -1), at: startAt, owner: instance.instanceId) { [self] in
            markStarted(instance)
            instance.start()
        }
    }

    private func markStarted(_ instance: OrchestrationInstance) {
        updateStatus(of: instance.instanceId) { status in
            if status.runtimeStatus == .pending { status.runtimeStatus = .running }
        }
    }

    // MARK: Events from outside

    /// Records `kind` in the instance's history and queues it, in one step so history order is
    /// delivery order. Returns `nil` if the instance no longer takes events, or already has this
    /// sent event (an `eventRaised` whose `sourceEventId` it recorded before).
    ///
    /// Activity results and fired timers are addressed this way, to the actor of the execution
    /// that issued them, never by instance id. An execution's actor closes its mailbox when the
    /// execution ends (`InstanceExecutor.close`), and a continue-as-new or a reused id gets a new
    /// actor; so a late result finds the old actor closed and is recorded nowhere — it cannot
    /// reach a newer execution (`ExecutionAddressingTests`).
    @discardableResult
    func deliver(_ kind: HistoryEvent.Kind, to instance: OrchestrationInstance) throws -> JournalPosition? {
        let event = HistoryEvent(kind, at: now())
        var position: JournalPosition?
        var waiters: [StatusWaiter] = []
        let id = instance.instanceId
        // A delivery that finds the start unrecorded records it first; replacing whatever history
        // the id had (a replaced execution's), as the launch itself would.
        let recordStart = { (pending: ExecutionLifecycle.PendingStart) in try self.store.replaceHistory(of: id, with: pending.events) }
        let accepted = try instance.executor.post(recordingStart: recordStart) { () -> InstanceMessage? in
            if case .eventRaised(_, _, let source?) = kind {
                // Checked and claimed under the mailbox's lock, so two deliveries of one send cannot both pass.
                guard table.withLock({ $0.records[id]?.receivedEventIds.insert(source).inserted }) == true else { return nil }
                do {
                    position = try store.append(event, to: id)
                } catch {
                    _ = table.withLock { $0.records[id]?.receivedEventIds.remove(source) }
                    throw error
                }
            } else {
                position = try store.append(event, to: id)
            }
            waiters = table.withLock { $0.update(instance.instanceId) { $0.apply(event) } }
            return .event(event)
        }
        StatusWaiter.resume(waiters)
        return accepted ? position : nil
    }

    func report(_ event: HistoryEvent.Kind, to instance: OrchestrationInstance) {
        do {
            gate.delivered(try deliver(event, to: instance), to: instance)
        } catch {
            instance.executor.post(.storageFailure(String(describing: error)))  // only the store throws there
        }
    }
}

/// A store error met while launching an execution, told apart from the table's refusals: a child
/// or continue-as-new that cannot be recorded stops its instance instead of failing it.
struct StoreFailure: Error {
    let error: any Error
}
