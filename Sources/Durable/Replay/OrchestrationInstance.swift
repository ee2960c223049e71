import Foundation

/// One running orchestration instance: an actor whose executor is its own ``InstanceExecutor``.
///
/// The orchestration's code runs in a task that prefers that executor, so the code and the actor
/// share one thread of control. Commands the code issues are matched against the stored history
/// by sequence number; results come back as mailbox messages, one per drain.
//
// One file past the usual length, on purpose: the replay state below is `private` to the actor,
// and every transition (issue, deliver, resolve, cancel, finish, end) reads and writes it. Split
// across files, Swift would make it visible to the whole module, where nothing else may touch it.
actor OrchestrationInstance {
    nonisolated let instanceId: String
    /// The execution this actor runs (its `ExecutionStarted`'s id). An actor runs one execution:
    /// a continue-as-new or a reused id gets a new actor.
    nonisolated let executionId: String
    nonisolated let executor: InstanceExecutor
    nonisolated let host: any InstanceHost
    nonisolated let orchestration: OrchestrationEntry
    private nonisolated let input: Payload
    /// When the execution started; seeds deterministic UUIDs.
    nonisolated let startedAt: Date
    /// Whether the instance was created with a scheduled start (so a start timer may be armed).
    nonisolated let hasScheduledStart: Bool
    /// The host's, read once: every new command, custom status and output is held to it.
    nonisolated let payloadLimit: PayloadLimit
    /// The host's, read once: what a replayed command with a different input does.
    private nonisolated let inputMismatch: InputMismatchPolicy
    /// The host's, read once; `nil` when nobody listens.
    nonisolated let observers: RuntimeObservers?
    /// How many stored events a restart re-runs: the history's length when rebuilt from storage, else 0.
    private nonisolated let storedEventCount: Int

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private struct EventWaiter {
        let id: Int
        let continuation: UnsafeContinuation<Payload, any Error>
    }

    /// The address of the task running `run`, while it runs (0 otherwise). Written by that task
    /// before the code starts and after it returns; read on the executor only.
    private nonisolated(unsafe) var rootTask: UInt = 0

    private static var currentTaskAddress: UInt {
        withUnsafeCurrentTask { unsafeBitCast($0, to: UInt.self) }
    }

    private nonisolated var isRunningOnRootTask: Bool {
        rootTask != 0 && rootTask == Self.currentTaskAddress
    }

    private let log: ReplayLog
    /// Whether the code is still re-running what it ran before: the instance was rebuilt from
    /// stored history, and the code has not yet gone beyond it (see `isReplaying`).
    private var replaysHistory: Bool
    /// The next history event to replay, an index into `log.results`.
    private var replayCursor = 0
    private var nextSequence = 0
    private var customStatusCount = 0
    /// The answers `context.patched` gave in this execution (see ``PatchLedger``).
    private var patches: PatchLedger
    /// This execution's history as the code has seen it so far, against the runtime's limit.
    private var historyBudget: HistoryBudget
    private var uuidCount = 0
    private var pending = PendingCommands()
    private var eventWaiters: [String: [EventWaiter]] = [:]
    private var nextWaiterID = 0
    /// Raised events nobody waited for yet, in arrival order.
    private var bufferedEvents: [HistoryEvent] = []
    /// Events that arrived while suspended, delivered on resume.
    private var heldEvents: [HistoryEvent] = []
    /// Held events being delivered after a resume; they go before stored history and the mailbox.
    private var redeliveries: [HistoryEvent] = []
    private var isSuspended = false
    private var continueAsNewRequest: (input: Payload, keepUnprocessedEvents: Bool, onLatestVersion: Bool)?
    private var isFinished = false
    /// Whether a wait begun after the execution ended (or was terminated) has been refused with an
    /// error yet. Only the first is: code that swallows errors and calls again in a loop would
    /// otherwise spin forever without suspending, keeping the drain (and a thread) busy and the
    /// termination from being handled. Later ones are parked, never resumed: the code is abandoned.
    private var hasRefusedAfterEnd = false
    private var parkedAfterEnd: [UnsafeContinuation<Payload, any Error>] = []
    /// The store's error, once it could not record one of this instance's events: nothing more is
    /// recorded for it, and it stops (see `record(_:)`). Read and set on the executor.
    private var storageFailure: String?
    /// The timestamp of the event being processed: the orchestration's clock.
    private(set) var currentTime: Date

    /// Creates an instance from its history, which starts with ExecutionStarted. `replaying` says
    /// the history is stored (recovery, `runtime.replay`), so the code may have run on it before;
    /// a new execution's (a start, a continue-as-new with the events it carries) is live.
    init(
        instanceId: String, orchestration: OrchestrationEntry, input: Payload, history: some Collection<HistoryEvent>,
        replaying: Bool, host: any InstanceHost, scheduling: InstanceExecutor.Scheduling? = nil,
        pendingStart: ExecutionLifecycle.PendingStart? = nil
    ) {
        self.instanceId = instanceId
        self.orchestration = orchestration
        self.input = input
        self.host = host
        self.payloadLimit = host.payloadLimit
        self.inputMismatch = host.inputMismatch
        self.observers = host.observers
        self.storedEventCount = replaying ? history.count : 0
        var budget = HistoryBudget(limit: host.historyLimit)
        if let started = history.first { _ = budget.add(started.kind.countedSize) }
        self.historyBudget = budget
        self.executor = InstanceExecutor(
            instanceId: instanceId, host: ObjectIdentifier(host), scheduling: scheduling ?? host.drainScheduling, pendingStart: pendingStart)
        // A scheduled instance's code starts at its scheduled time, which history holds; so `now` is that.
        let created = history.first?.timestamp ?? host.now()
        if case .executionStarted(_, _, _, _, let executionId, _) = history.first?.kind {
            self.executionId = executionId
        } else {
            self.executionId = ""
        }
        if case .executionStarted(_, _, _, let scheduledStart?, _, _) = history.first?.kind {
            self.startedAt = max(created, scheduledStart)
            self.hasScheduledStart = true
        } else {
            self.startedAt = created
            self.hasScheduledStart = false
        }
        self.currentTime = startedAt
        let log = ReplayLog(history)
        self.log = log
        self.patches = PatchLedger(recorded: log.patchMarkers)
        // A command, custom status or patch marker in history proves the code ran (a stored
        // scheduled start that has not come yet has not).
        self.replaysHistory = replaying || log.commandCount > 0 || log.customStatusCount > 0 || !log.patchMarkers.isEmpty
            || log.holdsEventWaitMarkers
        executor.instance = self
    }

    /// Starts the code, then feeds the history's events behind it, on the executor;
    /// `whenReplayed` runs once that first drain is over (see `InstanceExecutor.start`).
    nonisolated func start(whenReplayed: (@Sendable () -> Void)? = nil) {
        if let observers, storedEventCount > 0 {
            let began = observers.now()
            let (id, events) = (instanceId, storedEventCount)
            return executor.start(replaying: !log.results.isEmpty) {
                observers.emit(.replayed(instanceId: id, events: events, duration: observers.since(began)))
                whenReplayed?()
            }
        }
        executor.start(replaying: !log.results.isEmpty, whenReplayed: whenReplayed)
    }

    /// Creates the orchestration's task; called by the executor's drain (see `InstanceExecutor.start`).
    /// Detached: the code must not inherit the priority or task-locals of whatever the draining
    /// thread happened to be running.
    nonisolated func run() {
        let context = OrchestrationContext(instance: self)
        let orchestration = self.orchestration
        let input = self.input
        Task.detached(executorPreference: executor.taskLane) {
            self.rootTask = Self.currentTaskAddress
            let result: Result<Payload, any Error>
            do {
                result = .success(try await orchestration.run(input, context))
            } catch {
                result = .failure(error)
            }
            self.rootTask = 0
            if self.isOnExecutor(operation: "return") { Unchecked.finish(self, result) }
        }
    }

    // MARK: Entry points for the orchestration's code (nonisolated, checked to be on the executor)

    /// Whether the caller is on the instance's executor. If not, the code escaped the executor:
    /// the instance fails with a clear error, and the caller must not touch the instance.
    nonisolated func isOnExecutor(operation: @autoclosure () -> String) -> Bool {
        guard executor.isCurrentThreadDraining else {
            if let other = DrainingThread.executor {
                // Another instance's code holds this context (a stored closure, a shared
                // variable): that instance is the one misbehaving, not this one.
                other.noteMisuse(.usedAnotherContext(owner: instanceId, operation: operation()))
            } else if executor.hasEnded {
                host.warn(
                    "Orchestration '\(instanceId)' used its context (\(operation())) after it ended, from code that outlived"
                        + " it (a stored closure, an unstructured task); the call had no effect (a fixed value or an error).")
            } else {
                executor.noteMisuse(.escaped(operation: operation()))
            }
            return false
        }
        return true
    }

    /// Runs `body` isolated to the instance if the caller is on its executor. Otherwise the code
    /// escaped the executor: the instance fails with a clear error and `body` does not run.
    nonisolated func withIsolation<T: Sendable>(
        operation: @autoclosure () -> String, _ body: (isolated OrchestrationInstance) -> T
    ) -> T? {
        guard isOnExecutor(operation: operation()) else { return nil }
        return assumeIsolatedUnchecked(body)
    }

    /// Runs `body` isolated to the instance, for callers that know they are on its draining thread
    /// (`isOnExecutor` checks; a drain is that thread). `assumeIsolated` would ask the runtime to
    /// check again, which was a measurable part of every replayed step. Casting `body` allocates
    /// two closure contexts per call, so every-step paths use ``Unchecked`` instead.
    private nonisolated func assumeIsolatedUnchecked<T>(_ body: (isolated OrchestrationInstance) -> T) -> T {
        withoutActuallyEscaping(body) { body in
            unsafeBitCast(body, to: ((OrchestrationInstance) -> T).self)(self)
        }
    }

    /// The instance's every-step isolated functions, callable from the thread draining it without
    /// a runtime check (the caller has checked, as for ``assumeIsolatedUnchecked(_:)``). Each is
    /// cast from `isolated` once, here, instead of on every call. Each spells out its concrete
    /// type: cast through a generic helper, every call went through five reabstraction thunks.
    enum Unchecked {
        typealias Continuation = UnsafeContinuation<Payload, any Error>

        static let handle = unsafeBitCast(
            { $0.handle($1) } as @Sendable (isolated OrchestrationInstance, InstanceMessage) -> Void,
            to: (@Sendable (OrchestrationInstance, InstanceMessage) -> Void).self)
        static let replayNext = unsafeBitCast(
            { $0.replayNext() } as @Sendable (isolated OrchestrationInstance) -> Bool,
            to: (@Sendable (OrchestrationInstance) -> Bool).self)
        static let finish = unsafeBitCast(
            { $0.finish($1) } as @Sendable (isolated OrchestrationInstance, Result<Payload, any Error>) -> Void,
            to: (@Sendable (OrchestrationInstance, Result<Payload, any Error>) -> Void).self)
        static let currentTime = unsafeBitCast(
            { $0.currentTime } as @Sendable (isolated OrchestrationInstance) -> Date,
            to: (@Sendable (OrchestrationInstance) -> Date).self)
        static let cancel = unsafeBitCast(
            { $0.cancel($1) } as @Sendable (isolated OrchestrationInstance, CancelTarget) -> Void,
            to: (@Sendable (OrchestrationInstance, CancelTarget) -> Void).self)
        static let schedule = unsafeBitCast(
            { $0.schedule($1, $2, $3) }
                as @Sendable (isolated OrchestrationInstance, CommandRequest, Continuation, WaitTicket?) -> Void,
            to: (@Sendable (OrchestrationInstance, CommandRequest, Continuation, WaitTicket?) -> Void).self)
        /// For ``ReplayHost``, on the thread that drained the replay: what the code waits for now.
        static let awaitedEventNames = unsafeBitCast(
            { $0.awaitedEventNames } as @Sendable (isolated OrchestrationInstance) -> [String],
            to: (@Sendable (OrchestrationInstance) -> [String]).self)
    }

    /// The names of the events the code is waiting for, sorted.
    private var awaitedEventNames: [String] { eventWaiters.filter { !$0.value.isEmpty }.keys.sorted() }

    /// The error for the caller of `operation` off this instance's executor: another instance's
    /// code (its drain runs on this thread) is named as the misuser; otherwise the code escaped.
    private nonisolated func escaped(_ operation: String) -> DurableError {
        // `instance` is read on the thread draining `other`, the only one that may read it.
        if let other = DrainingThread.executor, other !== executor, let misuser = other.instance?.instanceId {
            return .usedAnotherInstancesContext(instanceId: misuser, owner: instanceId, operation: operation)
        }
        return .escapedExecutor(instanceId: instanceId, operation: operation)
    }

    /// Issues a command and suspends until its result is in history. Cancelling the awaiting task
    /// abandons the command: it throws `CancellationError`, and a timer will not fire.
    /// `operation` names the call in an error message; it is built only if needed.
    nonisolated(nonsending) func issue(_ command: CommandRequest, operation: @autoclosure () -> String) async throws -> Payload {
        if isRunningOnRootTask { return try await issueOnRootTask(command, operation: operation()) }
        let ticket = WaitTicket()
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                schedule(command, continuation, ticket, operation: operation())
            }
        } onCancel: {
            requestCancel(.command(ticket.id))
        }
    }

    /// `issue` for the task running `run`: nothing can cancel that task (nothing holds it), so no
    /// cancellation handler and no ticket. A function of its own so `issue`'s async frame stays as
    /// small as before: every task-group child pays for that frame, and a bigger one cost B2 ~40 %.
    @inline(never)
    private nonisolated(nonsending) func issueOnRootTask(
        _ command: CommandRequest, operation: @autoclosure () -> String
    ) async throws -> Payload {
        try await withUnsafeThrowingContinuation { continuation in
            schedule(command, continuation, nil, operation: operation())
        }
    }

    /// Both `issue` paths' synchronous part: schedules the command if the caller is on the
    /// executor, else the wait ends with the escape error.
    private nonisolated func schedule(
        _ command: CommandRequest, _ continuation: UnsafeContinuation<Payload, any Error>, _ ticket: WaitTicket?,
        operation: @autoclosure () -> String
    ) {
        guard isOnExecutor(operation: operation()) else { return continuation.resume(throwing: escaped(operation())) }
        Unchecked.schedule(self, command, continuation, ticket)
    }

    /// Suspends until an event named `name` is delivered; takes a buffered one at once.
    nonisolated(nonsending) func waitForEvent(named name: String) async throws -> Payload {
        let ticket = WaitTicket()
        func operation() -> String { "waitForEvent(\(name))" }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let waiting: Void? = withIsolation(operation: operation()) { $0.addWaiter(name, continuation, ticket) }
                if waiting == nil { continuation.resume(throwing: escaped(operation())) }
            }
        } onCancel: {
            requestCancel(.eventWait(name: name, id: ticket.id))
        }
    }

    private nonisolated func requestCancel(_ target: CancelTarget) {
        // Durable's cancellation comes from the code (a task group's cancelAll, a finished race),
        // so on the executor. From anywhere else it is misuse, and fails the instance.
        if executor.isCurrentThreadDraining {
            Unchecked.cancel(self, target)
        } else {
            executor.noteMisuse(.cancellation)
            executor.post(.cancel(target))
        }
    }

    // MARK: Isolated state machine

    /// Whether the code is re-running what it ran before: true for an instance rebuilt from stored
    /// history until the code goes beyond it — issues a command or sets a custom status history
    /// does not record, or is handed an event history does not hold (a live result, fired timer,
    /// raised event or lifecycle change) — and throughout a history that holds its end.
    ///
    /// So the code between the last result history holds and the next command it records (which
    /// ran before a crash) replays, as it would have in Durable Functions, where that stretch
    /// and the command it ends with are recorded together.
    var isReplaying: Bool { replaysHistory || log.isFinished }

    /// Whether this execution's history has reached the warning threshold of its limit (see
    /// ``HistoryLimit``), counting the events the code has seen or produced so far: the same at
    /// the same point of the code on every replay.
    var isContinueAsNewSuggested: Bool { historyBudget.isContinueAsNewSuggested }

    /// Counts an event of this execution's history; `false` if that took it past the limit (the
    /// caller then fails the instance). Logs the warning when the live run reaches the threshold.
    private func count(_ size: Int) -> Bool {
        switch historyBudget.add(size) {
        case .withinLimit:
            return true
        case .reachedWarning:
            if !replaysHistory { host.warn(historyBudget.warning(instanceId: instanceId)) }
            return true
        case .overLimit:
            return false
        }
    }

    private var historyTooLarge: DurableError { historyBudget.error(instanceId: instanceId) }

    func newUUID() -> UUID {
        uuidCount += 1
        return DeterministicUUID.make(instanceId: instanceId, startedAt: startedAt, count: uuidCount)
    }

    func setCustomStatus(_ status: Payload) {
        guard !isFinished else { return }
        customStatusCount += 1
        // The first `log.customStatusCount` calls are already in history.
        guard customStatusCount > log.customStatusCount else {
            if !count(status.data.count) { fail(FailureDetails(historyTooLarge)) }  // recorded under a higher limit
            return
        }
        replaysHistory = false
        do {
            try payloadLimit.check(status, instanceId: instanceId, step: "custom status")
        } catch {
            // `setCustomStatus` does not throw (making it throw would break every caller), so the
            // instance fails now, before its code can record anything else.
            return fail(FailureDetails(error))
        }
        guard count(status.data.count) else { return fail(FailureDetails(historyTooLarge)) }
        record(HistoryEvent(.customStatusSet(status), at: host.now()))
    }

    /// Whether the code takes the new branch of patch `changeId`; records its marker when live
    /// code reaches it first (see ``PatchLedger``). `retired`: the code has no old branch any more
    /// (`deprecatePatch`), so a history that took it is a nondeterminism error.
    func patched(_ changeId: String, retired: Bool) -> Bool {
        guard !isFinished else { return true }
        // Past history: every stored result delivered, every stored command and status re-issued.
        // A finished history (a replay of it) records nothing more.
        let isPastHistory = !log.isFinished && !replaysHistory
            || (!log.isFinished && replayCursor >= log.results.count && redeliveries.isEmpty && nextSequence >= log.commandCount
                && customStatusCount >= log.customStatusCount)
        let decision = patches.decide(changeId, isPastHistory: isPastHistory)
        host.patchAnswered(changeId, newBranch: decision.newBranch, from: self)
        if decision.recordMarker {
            replaysHistory = false
            let marker = HistoryEvent.Kind.patchMarker(changeId: changeId)
            guard count(marker.countedSize) else {
                fail(FailureDetails(historyTooLarge))
                return true
            }
            record(HistoryEvent(marker, at: host.now()))
        } else if !decision.newBranch, retired {
            diverged(NondeterminismError(
                instanceId: instanceId, sequence: nextSequence,
                recorded: "no marker of patch '\(changeId)' (the history took its old branch)",
                attempted: "deprecatePatch('\(changeId)') (the code has only its new branch)"))
        }
        return decision.newBranch
    }

    func requestContinueAsNew(_ input: Payload, keepUnprocessedEvents: Bool, onLatestVersion: Bool = false) {
        continueAsNewRequest = (input, keepUnprocessedEvents, onLatestVersion)
    }

    /// Whether a new wait can begin; if not, it ends at once. A cancelled task waits for nothing
    /// and issues nothing, on every replay alike.
    /// `cancellable: false` is for the orchestration's own task, which nothing can cancel: the
    /// check reads the current task from thread-local storage, on every step.
    private func accepts(_ continuation: UnsafeContinuation<Payload, any Error>, cancellable: Bool = true) -> Bool {
        if isFinished {
            refuseAfterEnd(continuation, DurableError.instanceStopped(instanceId))
            return false
        }
        if continueAsNewRequest != nil {
            // The code caught continueAsNew's signal and went on: it must not silently continue
            // as new anyway after doing more work. The same on every replay.
            let error = DurableError.continueAsNewCaught(instanceId: instanceId)
            fail(FailureDetails(error))
            continuation.resume(throwing: error)
            return false
        }
        if cancellable, Task.isCancelled {
            continuation.resume(throwing: CancellationError())
            return false
        }
        return true
    }

    /// Ends a wait the code began after the execution ended or was terminated: the first with
    /// `error`, every later one by parking it (see ``hasRefusedAfterEnd``).
    private func refuseAfterEnd(_ continuation: UnsafeContinuation<Payload, any Error>, _ error: any Error) {
        if hasRefusedAfterEnd { return parkedAfterEnd.append(continuation) }
        hasRefusedAfterEnd = true
        continuation.resume(throwing: error)
    }

    private func schedule(
        _ request: CommandRequest, _ continuation: UnsafeContinuation<Payload, any Error>, _ ticket: WaitTicket?
    ) {
        guard accepts(continuation, cancellable: ticket != nil) else { return }  // no ticket: the root task
        let sequence = nextSequence
        let command = request.command(sequence: sequence)
        let recorded = log.command(at: sequence)
        if let payload = command.payload {
            // A payload too large for history throws at the call, takes no sequence number and
            // records nothing, so the code may catch it and go on. A replay must refuse it too,
            // even where history holds a command (the one the code issued next) at this number;
            // only the very bytes recorded under a higher limit replay, so lowering the limit
            // breaks no history.
            do {
                try payloadLimit.check(payload, instanceId: instanceId, step: command.payloadStep)
            } catch {
                if recorded?.payload != payload { return continuation.resume(throwing: error) }
            }
        }
        nextSequence += 1
        ticket?.id = sequence
        host.issued(command, sequence: sequence, from: self)
        if let recorded {
            guard command.replays(recorded) else {
                let error = NondeterminismError(
                    instanceId: instanceId, sequence: sequence, recorded: recorded.description,
                    attempted: command.description)
                return diverged(error, continuation)
            }
            if let policy = inputMismatch.nondeterminismPolicy,
                let error = NondeterminismError.inputMismatch(
                    instanceId: instanceId, sequence: sequence, command: command, recorded: recorded)
            {
                return diverged(error, continuation, policy: policy)
            }
            // Recorded under a higher limit than this runtime's: it fails where the live run would have.
            guard count(recorded.countedSize) else { return refuse(continuation, historyTooLarge) }
            if recorded.isFireAndForget {
                continuation.resume(returning: .empty)
                return
            }
            if log.isResolved(sequence), let result = takeNextResult(answering: sequence, recorded) {
                continuation.resume(with: result)
                return
            }
            // Keep what history chose (a sub-orchestration's id, a timer's time).
            pending.insert(.init(command: recorded, continuation: continuation), for: sequence)
            if !log.isResolved(sequence) {
                host.dispatch(recorded, sequence: sequence, from: self, after: nil)  // in flight at a crash: again
            }
        } else if command.isFireAndForget {
            replaysHistory = false
            guard count(command.countedSize) else { return refuse(continuation, historyTooLarge) }  // not recorded
            // Recorded before it is delivered (once the record is durable); recovery delivers a
            // recorded send again and the receiver drops a repeat, so it arrives exactly once.
            let position = record(HistoryEvent(command.scheduledEvent(sequence: sequence), at: host.now()))
            if position == nil, isTerminated { return refuseAfterEnd(continuation, CancellationError()) }
            if storageFailure == nil { host.dispatch(command, sequence: sequence, from: self, after: position) }
            continuation.resume(returning: .empty)
        } else {
            replaysHistory = false
            guard count(command.countedSize) else { return refuse(continuation, historyTooLarge) }  // not recorded
            let position = record(HistoryEvent(command.scheduledEvent(sequence: sequence), at: host.now()))
            if position == nil, isTerminated { return refuseAfterEnd(continuation, CancellationError()) }
            pending.insert(.init(command: command, continuation: continuation), for: sequence)
            // Not recorded: not carried out either; the instance is stopping, and a restart issues it again.
            if storageFailure == nil { host.dispatch(command, sequence: sequence, from: self, after: position) }
            if let observers, storageFailure == nil { observers.emitScheduled(command, by: instanceId) }
        }
    }

    /// Ends the wait with `error` and fails the instance with it.
    private func refuse(_ continuation: UnsafeContinuation<Payload, any Error>, _ error: DurableError) {
        continuation.resume(throwing: error)
        fail(FailureDetails(error))
    }

    private func addWaiter(_ name: String, _ continuation: UnsafeContinuation<Payload, any Error>, _ ticket: WaitTicket) {
        guard accepts(continuation) else { return }
        if let index = bufferedEvents.firstIndex(where: { $0.kind.eventName == name }),
            case .eventRaised(_, let payload, _) = bufferedEvents.remove(at: index).kind
        {
            continuation.resume(returning: payload)
            if let observers, !isReplaying { observers.emit(.eventConsumed(instanceId: instanceId, name: name)) }
            return
        }
        nextWaiterID += 1
        ticket.id = nextWaiterID
        eventWaiters[name, default: []].append(EventWaiter(id: nextWaiterID, continuation: continuation))
        // Live only: a replayed wait already has its marker (or was made before markers existed).
        if !replaysHistory { recordEventWait(name) }
    }

    /// Records that live code now waits for event `name` (see ``HistoryEvent/Kind/eventWaitStarted(name:)``),
    /// counted against the history limit like any recorded event.
    private func recordEventWait(_ name: String) {
        let marker = HistoryEvent.Kind.eventWaitStarted(name: name)
        guard count(marker.countedSize) else { return fail(FailureDetails(historyTooLarge)) }
        record(HistoryEvent(marker, at: host.now()))
    }

    func handle(_ message: InstanceMessage) {
        guard !isFinished else { return }
        switch message {
        case .event(let event):
            // From outside, so not in the history the instance was built from. It comes after
            // every stored event and every job they caused: the replay is over.
            replaysHistory = false
            deliverCounted(event)
        case .fail(let failure):
            fail(failure)
        case .cancel(let target):
            cancel(target)
        case .stop:
            isFinished = true
            _ = executor.close()
            executor.instance = nil
            resumeStranded(throwing: DurableError.runtimeShutDown)
        case .storageFailure(let reason):
            isFinished = true
            if storageFailure == nil { storageFailure = reason }
            stopForStorageFailure()
        }
    }

    /// Has the host record `event`; `nil` if it could not. After a failed append nothing more
    /// is recorded (a store that came back would get a history with a hole), and the instance
    /// stops once the step that recorded is over (posted, so the step does not see its state
    /// change under it), without an end: a restart resumes it.
    @discardableResult
    private func record(_ event: HistoryEvent) -> JournalPosition? {
        guard storageFailure == nil else { return nil }
        do {
            return try host.record(event, for: self)
        } catch {
            let reason = String(describing: error)
            storageFailure = reason
            executor.post(.storageFailure(reason))
            return nil
        }
    }

    /// Stops like a shutdown, recording nothing, and tells the host why.
    private func stopForStorageFailure() {
        let reason = storageFailure ?? "unknown storage failure"
        _ = executor.close()
        executor.instance = nil
        resumeStranded(throwing: DurableError.storageFailed(instanceId: instanceId, reason: reason))
        host.instanceStopped(self, storageFailure: reason)
    }

    /// Feeds the next event the instance itself holds — a held event after a resume, else the
    /// next stored history event — to the code; returns whether more are left.
    func replayNext() -> Bool {
        guard !isFinished else { return false }
        if !redeliveries.isEmpty {
            deliver(redeliveries.removeFirst())
        } else if replayCursor < log.results.count {
            replayCursor += 1
            deliverCounted(log.results[replayCursor - 1])
        }
        return !isFinished && (!redeliveries.isEmpty || replayCursor < log.results.count)
    }

    /// Delivers an event of history the first time the code sees it (a held event's redelivery is
    /// not counted again). One past the limit fails the instance instead, unless it is a client's
    /// suspend, resume or terminate, which apply whatever the history's length.
    private func deliverCounted(_ event: HistoryEvent) {
        guard count(event.kind.countedSize) || event.kind.isLifecycleChange else {
            return fail(FailureDetails(historyTooLarge))
        }
        deliver(event)
    }

    private func deliver(_ event: HistoryEvent) {
        if isSuspended, !event.kind.isLifecycleChange {
            heldEvents.append(event)
            return
        }
        currentTime = max(currentTime, event.timestamp)  // never backwards: see a scheduled start
        apply(event)
    }

    private func apply(_ event: HistoryEvent) {
        switch event.kind {
        case .taskCompleted(let sequence, _), .subOrchestrationCompleted(let sequence, _), .timerFired(let sequence, _),
            .taskFailed(let sequence, _), .subOrchestrationFailed(let sequence, _):
            resolve(sequence, event.kind)
        case .eventRaised(let name, let payload, _):
            if var waiters = eventWaiters[name], !waiters.isEmpty {
                let waiter = waiters.removeFirst()
                eventWaiters[name] = waiters.isEmpty ? nil : waiters
                waiter.continuation.resume(returning: payload)
                if let observers, !isReplaying { observers.emit(.eventConsumed(instanceId: instanceId, name: name)) }
            } else {
                bufferedEvents.append(event)
            }
        case .executionSuspended:
            isSuspended = true
        case .executionResumed:
            isSuspended = false
            // Held events go next, ahead of anything else, one per drain (live and on replay alike).
            redeliveries.append(contentsOf: heldEvents)
            heldEvents = []
            if !redeliveries.isEmpty { executor.feedFromInstance() }
        case .executionTerminated(let reason, _):
            end(.terminated(reason: reason), recording: false)  // already in history
        case .executionStarted, .taskScheduled, .subOrchestrationCreated, .timerCreated, .eventSent,
            .customStatusSet, .executionCompleted, .executionFailed, .patchMarker, .eventWaitStarted, .executionRepaired:
            break
        }
    }

    /// Hands the result in `event` to the code waiting for `sequence`.
    private func resolve(_ sequence: Int, _ event: HistoryEvent.Kind) {
        guard let waiting = pending.remove(sequence) else {
            if sequence >= nextSequence {
                // History holds a result for a command the code has not issued.
                diverged(NondeterminismError(
                    instanceId: instanceId, sequence: sequence, recorded: log.command(at: sequence)?.description,
                    attempted: nil))
            }
            return  // abandoned by the code (a race's loser), or reported twice
        }
        guard let result = Self.result(of: event, for: waiting.command) else {
            let error = NondeterminismError(
                instanceId: instanceId, sequence: sequence, recorded: event.name, attempted: waiting.command.description)
            return diverged(error, waiting.continuation)
        }
        waiting.continuation.resume(with: result)
    }

    /// What a result event gives the code waiting on `command`; `nil` if it does not answer it.
    private static func result(of event: HistoryEvent.Kind, for command: Command) -> Result<Payload, any Error>? {
        guard event.answers(command) else { return nil }
        switch (event, command) {
        case (.taskCompleted(_, let result), _), (.subOrchestrationCompleted(_, let result), _):
            return .success(result)
        case (.timerFired, _):
            return .success(.empty)
        case (.taskFailed(_, let failure), .activity(let name, _, let attempt)):
            return .failure(ActivityFailure(activityName: name, details: failure, attempt: attempt))
        case (.subOrchestrationFailed(_, let failure), .subOrchestration(let name, let childId, _)):
            return .failure(SubOrchestrationFailure(name: name, instanceId: childId, details: failure))
        default:
            return nil
        }
    }

    /// While replaying, the result the next drain would deliver, taken now when it answers the
    /// command just issued and nothing else could run before it: the code then goes on without
    /// suspending, and the order of everything is what it would have been. (Most of a replayed
    /// step was the suspension, the job it queues and the drain that runs it.)
    private func takeNextResult(answering sequence: Int, _ command: Command) -> Result<Payload, any Error>? {
        guard replayCursor < log.results.count, redeliveries.isEmpty, !isSuspended, pending.isEmpty,
            case let next = log.results[replayCursor], next.kind.sequence == sequence,
            let result = Self.result(of: next.kind, for: command),
            executor.isRunningTheOnlyJob,
            !historyBudget.wouldExceed(adding: next.kind.countedSize)  // else the drain's delivery fails the instance
        else { return nil }
        _ = count(next.kind.countedSize)
        replayCursor += 1
        currentTime = max(currentTime, next.timestamp)
        return result
    }

    private func cancel(_ target: CancelTarget) {
        switch target {
        case .command(let sequence):
            guard let waiting = pending.remove(sequence) else { return }
            host.abandon(waiting.command, sequence: sequence, from: self)
            waiting.continuation.resume(throwing: CancellationError())
        case .eventWait(let name, let id):
            guard let index = eventWaiters[name]?.firstIndex(where: { $0.id == id }),
                let waiter = eventWaiters[name]?.remove(at: index)
            else { return }
            waiter.continuation.resume(throwing: CancellationError())
        }
    }

    /// The code returned or threw.
    private func finish(_ result: Result<Payload, any Error>) {
        guard !isFinished else { return }
        if case .some(let reason) = log.termination, nextSequence >= log.commandCount {
            // History holds a termination that landed in the step the code ended in (it is fed
            // to the code only after that step): live it was the end and the code's own was
            // refused, so it is the end here too.
            end(.terminated(reason: reason), recording: false)
            return
        }
        if let request = continueAsNewRequest {
            // Raised events not consumed: buffered, held while suspended, or not yet fed from stored history.
            let unconsumed = bufferedEvents + heldEvents + redeliveries + log.results[replayCursor...]
            let carried = request.keepUnprocessedEvents ? unconsumed.filter { $0.kind.eventName != nil } : []
            end(
                .continuedAsNew(input: request.input, carriedEvents: carried, onLatestVersion: request.onLatestVersion),
                recording: false)
            return
        }
        if nextSequence < log.commandCount, let recorded = log.command(at: nextSequence) {
            diverged(NondeterminismError(
                instanceId: instanceId, sequence: nextSequence, recorded: recorded.description, attempted: nil))
            return
        }
        switch result {
        case .success(let output):
            // The code has returned: nothing is left to throw to, so an output too large for history
            // fails the instance. One already recorded (a replay of a finished history) stands.
            do {
                if !log.isFinished { try payloadLimit.check(output, instanceId: instanceId, step: "output") }
                end(.completed(output), recording: true)
            } catch {
                end(.failed(FailureDetails(error)), recording: true)
            }
        case .failure(let error):
            let failure = FailureDetails(failingInstanceWith: error)
            end(.failed(failure), recording: true)
        }
    }

    /// The code does not replay its history: fail the instance, or under
    /// ``NondeterminismPolicy/hold`` stop it recording nothing, for fixed code to continue it.
    /// `waiting` is the code's wait that diverged; it gets the error either way.
    private func diverged(
        _ error: NondeterminismError, _ waiting: UnsafeContinuation<Payload, any Error>? = nil,
        policy: NondeterminismPolicy? = nil
    ) {
        guard !isFinished else { return }
        guard (policy ?? host.nondeterminismPolicy) == .hold, !log.isFinished else {
            waiting?.resume(throwing: error)
            return fail(FailureDetails(error))
        }
        isFinished = true  // before the code sees the error: nothing it does next is recorded
        _ = executor.close()
        executor.instance = nil
        waiting?.resume(throwing: error)
        resumeStranded(throwing: DurableError.instanceStopped(instanceId))
        host.instanceHeld(self, nondeterminism: error)
    }

    /// Stops the instance with `failure`, whatever its code is doing.
    private func fail(_ failure: FailureDetails) {
        guard !isFinished else { return }
        end(.failed(failure), recording: true)
    }

    private func end(_ outcome: InstanceOutcome, recording: Bool) {
        isFinished = true
        var outcome = outcome
        // Closed before the end is recorded: a termination is then either recorded before the
        // end (and is the end) or refused, never recorded after it.
        let leftovers = executor.close()
        var position: JournalPosition?
        if case .some(let reason) = executor.termination {
            // A client terminated the execution while its code ran on: the code's own end
            // (a return, a failure, a continue-as-new) is not recorded, and the end is the termination.
            outcome = .terminated(reason: reason)
        } else if recording, let event = outcome.endEvent, !log.isFinished {  // `record` records nothing after a store failure
            position = record(HistoryEvent(event, at: host.now()))
        }
        // The end (or a step before it) could not be recorded: not ended, only stopped. (A
        // recorded termination is the end whatever failed after it.)
        if storageFailure != nil, executor.termination == nil { return stopForStorageFailure() }
        if case .continuedAsNew(let input, let carried, let onLatest) = outcome,
            continueAsNewRequest?.keepUnprocessedEvents == true
        {
            let unread = leftovers.compactMap { message -> HistoryEvent? in
                if case .event(let event) = message, event.kind.eventName != nil { return event }
                return nil
            }
            outcome = .continuedAsNew(input: input, carriedEvents: carried + unread, onLatestVersion: onLatest)
        }
        executor.instance = nil
        resumeStranded(throwing: DurableError.instanceStopped(instanceId))
        host.instanceFinished(self, outcome: outcome, after: position)
    }

    /// Whether a client terminated this execution: the host then records nothing more for it,
    /// and every command the code still issues throws `CancellationError`.
    private var isTerminated: Bool { executor.termination != nil }

    /// Unblocks code still waiting, so its task can unwind and release the instance.
    private func resumeStranded(throwing error: DurableError) {
        for (sequence, waiting) in pending.removeAll() {
            host.abandon(waiting.command, sequence: sequence, from: self)
            waiting.continuation.resume(throwing: error)
        }
        let waiters = eventWaiters.values.joined()
        eventWaiters.removeAll()
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
    }
}
