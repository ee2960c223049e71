import Foundation
import Synchronization
import Testing

@testable import Durable

@Suite struct TimerServiceTests {
    @Test func anOverdueTimerFiresBeforeScheduleReturns() {
        for clock in [SystemClock() as any DurableClock, ManualClock()] {
            let timers = TimerService(clock: clock)
            let fired = Atomic<Bool>(false)
            let key = TimerService.TimerKey(owner: ObjectIdentifier(timers), sequence: 0)
            timers.schedule(key, at: clock.now.addingTimeInterval(-1)) { fired.store(true, ordering: .relaxed) }
            let firedAlready = fired.load(ordering: .relaxed)
            #expect(firedAlready, "\(type(of: clock))")
            timers.cancelAll()
        }
    }
}
