import Foundation

/// Runs orchestrations inside your process: holds the registered code, the history store and the
/// worker pool, and resumes unfinished instances from the store when it starts.
///
/// ```swift
/// let runtime = try await DurableRuntime {
///     PlaceOrder.self
///     ProcessPayment(gateway: gateway)
/// }
/// let id = try await runtime.client.start(PlaceOrder.self, input: order)
/// let trackingNumber = try await runtime.client.result(of: id, as: PlaceOrder.self)
/// ```
public final class DurableRuntime: Sendable {
    /// Tuning knobs, with defaults that suit most processes.
    public struct Configuration: Sendable {
        /// How many activities may run at once across all instances.
        public var maxConcurrentActivities: Int
        /// Where time comes from: history timestamps and durable timers. Tests pass a ``ManualClock``.
        public var clock: any DurableClock
        /// Finished instances are purged once they have been finished this long; `nil` keeps them.
        /// Not negative; a retention of centuries is allowed and in effect keeps them.
        public var retention: Duration?
        /// The most bytes one value may take in history, encoded: a start's input, a raised or
        /// sent event, an activity's input or result, a sub-orchestration's input, a
        /// continue-as-new input, a custom status, an output. 16 MiB by default; at most
        /// ``payloadSizeCeiling``.
        ///
        /// Every such value is one journal record, which must stay readable: a larger one is
        /// refused where it enters, with ``DurableError/payloadTooLarge(instanceId:step:size:limit:)``,
        /// instead of being acknowledged and making the journal unopenable later. Large data
        /// belongs outside the workflow; pass a reference to it.
        public var maxPayloadSize: Int

        /// The highest ``maxPayloadSize`` a runtime accepts: 64 MiB. A journal record holds at
        /// most one payload plus small fields, so this keeps every record well under the
        /// journal's 256 MiB record limit.
        public static let payloadSizeCeiling = 64 << 20

        /// The most events one execution's history may hold: 51,200 by default, as in Temporal.
        /// At a fifth of it (or of ``maxHistoryBytes``) the runtime logs a warning once and
        /// ``OrchestrationContext/isContinueAsNewSuggested`` turns true; past it the instance fails
        /// with ``DurableError/historyTooLarge(instanceId:events:bytes:eventLimit:byteLimit:)``.
        ///
        /// Every replay re-runs the whole history, so a loop that never continues as new gets
        /// slower and larger without bound; this stops it while a restart can still replay it.
        public var maxHistoryEvents: Int
        /// The most bytes one execution's history may hold, counting the values and texts its events
        /// carry (payloads, names, ids, failure messages): 50 MiB by default, as in Temporal. Warns
        /// and fails like ``maxHistoryEvents``.
        public var maxHistoryBytes: Int
        /// How deep sub-orchestrations may nest: a top-level instance is at depth 0, its children
        /// at 1. 64 by default. A child call that would go deeper fails in the parent with a
        /// ``SubOrchestrationFailure`` whose details are
        /// ``DurableError/subOrchestrationTooDeep(parentId:name:depth:limit:)``; no child starts.
        ///
        /// Real trees are a handful of levels deep (a fan-out of 2 over 64 levels is already more
        /// leaves than anything can run); a deeper chain is a recursion that forgot to stop, and
        /// every level is a live instance, a history and a waiting parent. Walk a long list in a
        /// loop with continue-as-new instead.
        public var maxSubOrchestrationDepth: Int
        /// Where the runtime says what no caller can be told: a child's late result or a sent event
        /// dropped because it was meant for an execution that is over, the descendants of a
        /// terminated tree terminated at recovery, a history nearing its limit, a stalled step, a
        /// context used after its instance ended. One line each; standard error by default.
        public var log: @Sendable (String) -> Void
        /// How long one step of an orchestration's code (what runs between two suspension points)
        /// may run before the runtime reports it as stalled: a line in ``log`` and
        /// ``InstanceStatus/stalledSince``. Orchestration code should take microseconds per step;
        /// `nil` turns the watchdog off.
        public var stalledStepLimit: Duration? = .seconds(5)
        /// What a ``NondeterminismError`` does to a running instance: ``NondeterminismPolicy/hold``
        /// (the default, which loses nothing) or ``NondeterminismPolicy/fail``.
        public var onNondeterminism: NondeterminismPolicy = .hold
        /// Where the runtime's own work runs; a deterministic simulation sets it.
        @_spi(Simulation) public var environment = RuntimeEnvironment()
        /// What a replayed command does whose name matches history but whose input differs
        /// (``InputMismatchPolicy``): ``InputMismatchPolicy/ignore`` (the default) replays by name;
        /// `fail` or `hold` treat it as a nondeterminism error.
        public var onInputMismatch: InputMismatchPolicy = .ignore
        /// Who hears of what the runtime does (``RuntimeEvent``); none by default, and then the hooks cost nothing.
        public var observers: [any DurableObserver] = []

        /// Creates a configuration. By default up to 16 activities per core run at once, on the
        /// wall clock, with payloads of up to 16 MiB, histories of up to 51,200 events or 50 MiB,
        /// and sub-orchestrations nested up to 64 deep.
        public init(
            maxConcurrentActivities: Int = ProcessInfo.processInfo.activeProcessorCount * 16,
            clock: any DurableClock = SystemClock(), retention: Duration? = nil, maxPayloadSize: Int = 16 << 20,
            maxHistoryEvents: Int = 51_200, maxHistoryBytes: Int = 50 << 20, maxSubOrchestrationDepth: Int = 64,
            log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("Durable: \($0)\n".utf8)) }
        ) {
            self.maxConcurrentActivities = maxConcurrentActivities
            self.clock = clock
            self.retention = retention
            self.maxPayloadSize = maxPayloadSize
            self.maxHistoryEvents = maxHistoryEvents
            self.maxHistoryBytes = maxHistoryBytes
            self.maxSubOrchestrationDepth = maxSubOrchestrationDepth
            self.log = log
        }
    }

    /// Where histories are kept.
    public struct Storage: Sendable {
        let makeStore: @Sendable () throws -> any HistoryStore

        /// In memory: fast, and gone when the process ends.
        public static var memory: Storage { Storage { InMemoryHistoryStore() } }

        /// The file journal in `path`, created if needed: durable across crashes. The default.
        public static func directory(_ path: String, options: FileJournal.Options = FileJournal.Options()) -> Storage {
            Storage { try FileJournal(directory: path, options: options) }
        }

        /// A store you provide, for example an ``InMemoryHistoryStore`` shared with another runtime.
        public static func store(_ store: any HistoryStore) -> Storage { Storage { store } }
    }

    /// Starts instances and asks about them.
    public let client: DurableClient
    let engine: Engine

    /// Creates a runtime for the orchestrations and activities the builder lists, and resumes
    /// every unfinished instance the storage holds.
    ///
    /// - Throws: ``DurableError/invalidConfiguration(_:)`` if `maxPayloadSize` is not in
    ///   `1...Configuration.payloadSizeCeiling`, a history limit is below 1 or the depth limit below 0,
    ///   `retention` is negative or `stalledStepLimit` not positive (checked before the storage is opened),
    ///   ``DurableError/duplicateRegistration(kind:name:)`` if two share a name, or the store's error.
    nonisolated(nonsending) public init(
        storage: Storage = .directory(".durable"), configuration: Configuration = Configuration(),
        @RegistrationBuilder _ registrations: () -> [Registration]
    ) async throws {
        let payloadLimit = try PayloadLimit(configured: configuration.maxPayloadSize)
        if let limit = configuration.stalledStepLimit, limit <= .zero {
            throw DurableError.invalidConfiguration("stalledStepLimit is \(limit); it must be positive (nil turns the watchdog off).")
        }
        if let retention = configuration.retention, retention < .zero {
            throw DurableError.invalidConfiguration(
                "retention is \(retention); it must not be negative (nil keeps finished instances forever).")
        }
        let historyLimit = try HistoryLimit(configuration)
        let registry = try Registry(registrations())
        engine = Engine(
            registry: registry, store: try storage.makeStore(), configuration: configuration, payloadLimit: payloadLimit,
            historyLimit: historyLimit)
        client = DurableClient(engine: engine)
        do {
            // What recovery recorded itself (a tree termination it finished) is durable before
            // the runtime is handed out.
            if let recorded = try engine.recover() { try await engine.store.waitUntilDurable(recorded) }
            if let retention = configuration.retention { engine.startRetention(retention) }
            if let limit = configuration.stalledStepLimit { engine.startStepWatchdog(limit: limit) }
        } catch {
            engine.shutdown()
            throw error
        }
    }

    /// What opening the file journal found and repaired; `nil` for other stores.
    public var recoveryReport: RecoveryReport? { (engine.store as? FileJournal)?.recoveryReport }

    /// Replays `history` through the registered orchestration code without running any activity,
    /// and reports what the code did. Use it to check that a change to an orchestration still
    /// replays the histories it wrote before.
    public func replay(_ history: [HistoryEvent], instanceId: String = "replay") async throws -> ReplayResult {
        guard let first = history.first, case .executionStarted(let name, let input, _, _, _, let version) = first.kind else {
            throw DurableError.invalidInput(orchestration: "?", reason: "a history starts with ExecutionStarted")
        }
        // The version the history ran: a history keeps its version's code.
        guard let entry = engine.registry.orchestration(named: name, version: version) else {
            throw DurableError.unknownOrchestration(version.map { "\(name) version \($0)" } ?? name)
        }
        return await ReplayHost.replay(
            history, instanceId: instanceId, orchestration: entry, input: input,
            payloadLimit: engine.payloadLimit, historyLimit: engine.historyLimit)
    }

    /// Stops dispatching work and closes the storage at once. Running instances stop where they
    /// are, without recording anything, so a runtime opened later on the same storage resumes them.
    public func shutdown() {
        engine.shutdown()
    }

    /// Stops new starts, lets running activities finish (their results recorded) for up to `gracePeriod`, makes the journal durable,
    /// closes it, and answers every waiter with DurableError.runtimeShutDown. Idempotent; safe from any task, concurrently with itself
    /// and with the synchronous shutdown(). Returns when the storage is closed.
    ///
    /// The grace is measured on ``Configuration/clock`` (a ``ManualClock`` in tests: advance it
    /// past the grace to end it). While draining, starts throw ``DurableError/runtimeShutDown``;
    /// events, terminations and queries are still taken until the storage closes. Work the
    /// orchestrations schedule meanwhile (activities, timers, sub-orchestrations) and queued
    /// activities stay journaled, and a runtime opened later on the same storage runs them; an
    /// activity still running when the grace ends is cancelled, its result recorded nowhere, and
    /// runs again there. Cancelling the calling task ends the grace at once.
    public func shutdown(gracePeriod: Duration) async {
        await engine.shutdown(gracePeriod: gracePeriod)
    }

    deinit {
        engine.shutdown()
    }
}
