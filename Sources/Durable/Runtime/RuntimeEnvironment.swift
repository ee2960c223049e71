import Foundation

/// Where the runtime's own work runs: on Dispatch and the global pool (the default), or, for a
/// deterministic simulation, wherever a ``SimulationHost`` says.
///
/// The default holds no host, and every hook checks that one stored optional once, so a real
/// runtime pays one branch per start, drain and activity dispatch, not a call through an existential.
@_spi(Simulation) public struct RuntimeEnvironment: Sendable {
    /// The simulation that runs this runtime's drains, timers, activities and ids; `nil` for a real runtime.
    public var simulation: (any SimulationHost)?

    /// Creates an environment; without a host it is today's behaviour.
    public init(simulation: (any SimulationHost)? = nil) {
        self.simulation = simulation
    }
}

/// What a deterministic simulation provides so that a runtime runs on its one thread, in an order
/// the simulation's seed decides: DurableTesting's `Simulation` is the one implementation.
@_spi(Simulation) public protocol SimulationHost: AnyObject, Sendable {
    /// Runs `drain` (an instance's executor draining its jobs and messages) when the simulation picks it.
    func scheduleDrain(_ drain: @escaping @Sendable () -> Void)
    /// Calls `fire` once the simulated clock reaches `deadline`, unless the returned timer is cancelled first.
    func armTimer(at deadline: Date, fire: @escaping @Sendable () -> Void) -> any SimulatedTimer
    /// Takes an activity call: the simulation decides when it runs, with what latency, and whether
    /// it fails, then reports its outcome through `call`.
    func runActivity(_ call: SimulatedActivityCall)
    /// The id for an instance started without one.
    func nextInstanceID() -> String
    /// The id of a new execution (see ``InstanceStatus/executionId``).
    func nextExecutionID() -> String
}

/// A timer armed with a ``SimulationHost``.
@_spi(Simulation) public protocol SimulatedTimer: Sendable {
    /// Stops the timer; it does not fire afterwards.
    func cancel()
}

/// One activity call handed to a ``SimulationHost``: what it is, a way to run its real code, and
/// a way to report an outcome to its instance.
@_spi(Simulation) public struct SimulatedActivityCall: Sendable {
    let item: ActivityWorkItem
    let pool: ActivityWorkerPool

    /// The activity's registered name.
    public var name: String { item.name }
    /// The activity's encoded input.
    public var input: Payload { item.input }
    /// The attempt, counted from 1 (retries count up).
    public var attempt: Int { item.attempt }
    /// The instance that called it.
    public var instanceId: String { item.instance.instanceId }
    /// The call's sequence number in its instance's history.
    public var sequence: Int { item.sequence }

    /// What an activity call came to: its result or its failure, as history will record it.
    public struct Outcome: Sendable {
        let kind: HistoryEvent.Kind
        /// Whether the activity returned a value.
        public var isSuccess: Bool {
            if case .taskCompleted = kind { return true }
            return false
        }
    }

    /// Runs the activity's real code (its lookup, run and size check) and returns what it came to;
    /// observers hear its start and end as from a worker's run. A fault injected instead of the
    /// code (``failure(_:)``) runs nothing, and observers hear no start or end of it.
    public func run() async -> Outcome {
        Outcome(kind: await pool.reportedOutcome(of: item))
    }

    /// The outcome of the call failing with `error`, as if the activity had thrown it.
    public func failure(_ error: any Error) -> Outcome {
        Outcome(kind: .taskFailed(sequence: item.sequence, failure: FailureDetails(error)))
    }

    /// Records `outcome` and hands it to the instance, as a worker does.
    public func report(_ outcome: Outcome) {
        item.instance.host.report(outcome.kind, to: item.instance)
    }
}
