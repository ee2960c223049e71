import Foundation

/// The faults a simulation injects, each decided by the run's seed.
public struct Faults: Sendable {
    /// The chance that an activity attempt fails with ``SimulatedActivityFailure`` instead of running.
    public var activityFailureRate: Double
    /// How many times the simulated process crashes per run; each run draws a count from this range,
    /// clamped to `0...mostCrashesPerRun`.
    public var crashes: ClosedRange<Int>
    /// The most crashes one run takes, whatever ``crashes`` says: each is a whole recovery.
    public static let mostCrashesPerRun = 1_000
    /// The chance that a journal append fails; the process then restarts (a crash that keeps
    /// what was durable), as a process whose disk fails does.
    public var appendFailureRate: Double
    /// The chance that an event raised through the simulated client is raised twice.
    public var duplicateEvents: Double
    /// How long an activity takes, in virtual time; each call draws from this range.
    public var activityLatency: ClosedRange<Duration>
    /// How long a journal sync takes, in virtual time, at most.
    public var syncLatency: Duration
    /// Faults for particular activities, by registered name; they replace the failure rate for it.
    public var activities: [String: ActivityFault]

    /// Creates a set of faults; by default none, with activities taking 1 ms to 2 s.
    public init(
        activityFailureRate: Double = 0, crashes: ClosedRange<Int> = 0...0, appendFailureRate: Double = 0,
        duplicateEvents: Double = 0, activityLatency: ClosedRange<Duration> = .milliseconds(1)...(.seconds(2)),
        syncLatency: Duration = .milliseconds(2), activities: [String: ActivityFault] = [:]
    ) {
        self.activityFailureRate = activityFailureRate
        self.crashes = crashes
        self.appendFailureRate = appendFailureRate
        self.duplicateEvents = duplicateEvents
        self.activityLatency = activityLatency
        self.syncLatency = syncLatency
        self.activities = activities
    }

    /// No faults at all.
    public static var none: Faults { Faults() }
}

/// A fault for one activity (see ``Faults/activities``).
public enum ActivityFault: Sendable {
    /// The first attempt of every call fails; retries run the code.
    case failFirstAttempt
    /// Every attempt fails with this message.
    case fail(message: String)
    /// Calls never finish (until the process crashes, which drops them).
    case hang
}

/// The error an activity attempt fails with when the simulation injects a fault.
public struct SimulatedActivityFailure: Error, Sendable, CustomStringConvertible {
    /// The activity's name.
    public var activity: String
    /// The attempt that failed.
    public var attempt: Int
    /// What the fault said.
    public var message: String

    public var description: String { "simulated failure of '\(activity)' attempt \(attempt): \(message)" }
}

/// How a simulation runs, beyond its faults.
public struct SimulationOptions: Sendable {
    /// Whether each orchestration step is durable before the next is dispatched (strict durability).
    public var strictDurability: Bool
    /// A run whose next timer lies past this much virtual time fails: something never finishes.
    public var virtualTimeLimit: Duration
    /// Every how many seeds a run is repeated to check that it gives the same trace and histories.
    public var determinismCheckEvery: Int
    /// Whether a run with crashes must give the same results as the same seed without crashes.
    /// Turn it off for flows whose outcome races virtual time against work a crash repeats.
    public var compareWithCrashFreeRun: Bool
    /// Changes what survives each crash: a test double for a broken store, to see the simulation catch it.
    public var damageOnCrash: (@Sendable (inout SimulatedDiskContents) -> Void)?

    /// Creates options: default durability, a 30-day limit, every 100th seed repeated, crash runs compared.
    public init(
        strictDurability: Bool = false, virtualTimeLimit: Duration = .seconds(30 * 24 * 3600),
        determinismCheckEvery: Int = 100, compareWithCrashFreeRun: Bool = true,
        damageOnCrash: (@Sendable (inout SimulatedDiskContents) -> Void)? = nil
    ) {
        self.strictDurability = strictDurability
        self.virtualTimeLimit = virtualTimeLimit
        self.determinismCheckEvery = determinismCheckEvery
        self.compareWithCrashFreeRun = compareWithCrashFreeRun
        self.damageOnCrash = damageOnCrash
    }
}
