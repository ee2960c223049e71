@testable import Durable
import Foundation
import Testing

/// The per-thread slots the step watchdog reads instead of walking every instance.
@Suite struct RunningStepsTests {
    private func executor(_ id: String) -> InstanceExecutor {
        InstanceExecutor(instanceId: id, host: ObjectIdentifier(Self.Host.self), scheduling: .manual)
    }
    private final class Host {}

    @Test func aDrainInsideAnothersJobHandsTheSlotBackWhenItEnds() {
        let outer = executor("outer")
        let inner = executor("inner")
        let running = { RunningSteps.executors().filter { $0 === outer || $0 === inner }.map(\.instanceId) }

        let first = RunningSteps.enter(outer)
        #expect(first.previous == nil)
        #expect(running() == ["outer"])
        let second = RunningSteps.enter(inner)
        #expect(second.previous === outer)
        #expect(running() == ["inner"])
        RunningSteps.leave(second.slot, restoring: second.previous)
        #expect(running() == ["outer"], "the outer drain's job still runs")
        RunningSteps.leave(first.slot, restoring: first.previous)
        #expect(running().isEmpty)
    }

    #if canImport(Glibc)
    @Test func aThreadThatExitsTakesItsSlotWithIt() {
        let left = executor("left behind")
        // The thread ends without leaving: only its exit can drop what its slot holds. A joined
        // thread's keys have been destroyed, so the look after the join is not a race.
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                let executor = Unmanaged<InstanceExecutor>.fromOpaque(raw).takeRetainedValue()
                _ = RunningSteps.enter(executor)
                return RunningSteps.executors().contains { $0 === executor } ? raw : nil
            }, Unmanaged.passRetained(left).toOpaque())
        #expect(created == 0)
        var seenWhileRunning: UnsafeMutableRawPointer?
        pthread_join(thread, &seenWhileRunning)
        #expect(seenWhileRunning != nil, "the thread's slot held the executor")
        #expect(!RunningSteps.executors().contains { $0 === left }, "a slot outlived its thread")
    }
    #endif
}
