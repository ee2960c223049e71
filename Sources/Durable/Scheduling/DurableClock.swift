import Foundation

/// Where the runtime gets the time: stamps on history events, and when durable timers fire.
///
/// The default is ``SystemClock``. Tests (yours and ours) use ``ManualClock`` and move time by hand,
/// so a 60-second timeout takes no real time at all.
public protocol DurableClock: Sendable {
    /// The current time.
    var now: Date { get }

    /// Suspends until `now` has reached `deadline`; throws `CancellationError` if cancelled first.
    func sleep(until deadline: Date) async throws
}

/// The wall clock.
public struct SystemClock: DurableClock {
    /// Creates the wall clock.
    public init() {}

    public var now: Date { Date() }

    /// Sleeps in slices of at most a day, so a deadline of any size (even `.distantFuture`)
    /// only waits: one sleep of centuries would overflow `Task.sleep`'s nanosecond count.
    public func sleep(until deadline: Date) async throws {
        while true {
            let seconds = deadline.timeIntervalSinceNow
            guard seconds > 0 else { return }  // also for a deadline that is not a number
            try await Task.sleep(for: .nanoseconds(Int64(min(seconds, longestSingleWait) * 1_000_000_000)))
        }
    }
}

extension DurableClock where Self == SystemClock {
    /// The wall clock.
    public static var system: SystemClock { SystemClock() }
}
