import Foundation

// Time values reach the runtime from users (timeouts, retry policies, `sleep(until:)`, `startAt:`,
// retention) and from history on disk. `Date` and `Duration` hold far more than the APIs that
// consume them: `NSCondition.wait(until:)` and `Task.sleep` count nanoseconds in an `Int64` and
// trap past ~292 years, and `Duration` traps when a `Double` outside its range becomes one. The
// helpers here are where such values are converted, so a far deadline means "effectively
// forever" and never a crash.

extension Duration {
    /// The duration in seconds, as Foundation counts time.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The longest wait the runtime computes, in seconds: `Int64.max` seconds (~292 billion
    /// years), far beyond any clock, and small enough that two of them add without overflow.
    static let foreverSeconds = Double(Int64.max)

    /// `seconds` as a duration, limited to ±``foreverSeconds``; `NaN` is zero. Unlike
    /// `Duration.seconds(_:)`, it cannot trap.
    static func clamping(seconds: Double) -> Duration {
        guard !seconds.isNaN else { return .zero }
        return .seconds(min(max(seconds, -foreverSeconds), foreverSeconds))
    }
}

/// The longest single wait on a timer primitive. A longer wait is taken in slices of this
/// length, each re-checking the deadline, so no conversion to nanoseconds ever overflows and a
/// deadline centuries away simply never comes.
let longestSingleWait: TimeInterval = 86_400

extension Date {
    /// The earlier of this date and one ``longestSingleWait`` after `now`: a bound safe to hand
    /// to `NSCondition.wait(until:)`.
    func boundedWait(from now: Date) -> Date {
        min(self, now.addingTimeInterval(longestSingleWait))
    }
}

/// Sleeps for `duration` on the continuous clock, in slices, so a duration of any size works:
/// `Task.sleep(for:)` traps on one longer than ~292 years.
func sleepWithoutOverflow(for duration: Duration) async throws {
    guard duration > .zero else { return try Task.checkCancellation() }
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: min(duration, .seconds(Int64.max)))
    while true {
        let now = clock.now
        guard now < deadline else { return }
        try await Task.sleep(until: min(deadline, now.advanced(by: .seconds(longestSingleWait))), clock: clock)
    }
}
