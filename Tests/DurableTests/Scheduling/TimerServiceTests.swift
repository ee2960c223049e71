import Dispatch
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

    /// The wall clock's heap fires timers due together in batches, handing each batch to a worker
    /// while it takes the next: every armed timer fires once, no cancelled one fires.
    @Test func timersDueTogetherFireOnceEachAndCancelledOnesNever() {
        let timers = TimerService(clock: SystemClock())
        defer { timers.cancelAll() }
        let count = 1_000  // not a multiple of the batch size
        let fired = Mutex<[Int]>([])
        let allFired = DispatchGroup()
        // Far enough out that arming all of them (each cancelled one right after it is armed)
        // ends long before the deadline, even on a loaded machine.
        let deadline = Date().addingTimeInterval(0.3)
        let owner = ObjectIdentifier(timers)
        for sequence in 0..<count {
            if sequence % 10 != 0 { allFired.enter() }
            timers.schedule(.init(owner: owner, sequence: sequence), at: deadline) {
                fired.withLock { $0.append(sequence) }
                if sequence % 10 != 0 { allFired.leave() }
            }
            if sequence % 10 == 0 { timers.cancel(.init(owner: owner, sequence: sequence)) }
        }
        #expect(allFired.wait(timeout: .now() + 10) == .success)
        let firedSequences = fired.withLock { $0 }
        let armed = Set((0..<count).filter { $0 % 10 != 0 })
        #expect(firedSequences.count == Set(firedSequences).count, "a timer fired twice")
        #expect(armed.subtracting(firedSequences).sorted() == [], "never fired")
        #expect(Set(firedSequences).subtracting(armed).sorted() == [], "cancelled but fired")
    }
}
