import Dispatch
import Foundation
import Testing

@testable import Durable

/// Deadlines centuries ahead wait "effectively forever" instead of trapping where a `Date` or a
/// `Duration` becomes nanoseconds in an `Int64` (which overflows past the year 2262).
@Suite struct FarDeadlineTests {
    /// The heap's thread waited with `NSCondition.wait(until:)`, which trapped on a deadline past
    /// 2262; the thread must survive such a wait and still fire the near timers armed after it.
    @Test func theTimerThreadWaitsOutAFarDeadlineAndStillFiresNearOnes() {
        let timers = TimerService(clock: SystemClock())
        defer { timers.cancelAll() }
        let owner = ObjectIdentifier(timers)
        timers.schedule(.init(owner: owner, sequence: 0), at: .distantFuture) { Issue.record("fired") }
        timers.schedule(.init(owner: owner, sequence: 1), at: Date().addingTimeInterval(9_223_372_036)) {
            Issue.record("fired")
        }
        timers.schedule(.init(owner: owner, sequence: 2), at: Date(timeIntervalSinceReferenceDate: .infinity)) {
            Issue.record("fired")
        }
        for sequence in 3...4 {
            // Each near timer fires only after the thread has waited on the far ones in between.
            let fired = DispatchSemaphore(value: 0)
            timers.schedule(.init(owner: owner, sequence: sequence), at: Date().addingTimeInterval(0.01)) {
                fired.signal()
            }
            #expect(fired.wait(timeout: .now() + 10) == .success, "timer \(sequence)")
        }
    }

    /// A guard (this held before too): a deadline that is not a number fires at once; in the heap
    /// it would never come due, and the thread would spin on it.
    @Test func aDeadlineThatIsNotANumberFiresAtOnce() {
        for clock in [SystemClock() as any DurableClock, ManualClock()] {
            let timers = TimerService(clock: clock)
            let fired = DispatchSemaphore(value: 0)
            timers.schedule(.init(owner: ObjectIdentifier(timers), sequence: 0), at: Date(timeIntervalSinceReferenceDate: .nan)) {
                fired.signal()
            }
            #expect(fired.wait(timeout: .now()) == .success, "\(type(of: clock))")
            timers.cancelAll()
        }
    }

    /// `SystemClock.sleep` turned the whole wait into `Int64` nanoseconds, which traps past ~292 years.
    @Test func theSystemClockSleepsTowardsTheDistantFutureUntilCancelled() async {
        let sleeper = Task { try await SystemClock().sleep(until: .distantFuture) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
    }

    @Test func sleepingWithoutOverflowTakesAnyDuration() async throws {
        let sleeper = Task { try await sleepWithoutOverflow(for: .seconds(Int64.max)) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        try await sleepWithoutOverflow(for: .seconds(-5))
        try await sleepWithoutOverflow(for: .milliseconds(1))
    }

    @Test func durationsFromSecondsAreClampedNotTrapped() {
        #expect(Duration.clamping(seconds: .nan) == .zero)
        #expect(Duration.clamping(seconds: .infinity) == .seconds(Duration.foreverSeconds))
        #expect(Duration.clamping(seconds: -1e300) == .seconds(-Duration.foreverSeconds))
        #expect(Duration.clamping(seconds: 1.5) == .milliseconds(1_500))
    }
}
