@_spi(Simulation) import Durable
import Foundation
import Synchronization

/// One life of the simulated process: the ``SimulationHost`` its runtime runs on, until it crashes.
///
/// After a crash it is dead: its drains, timers and activities are dropped, so nothing the lost
/// process would still have done reaches the next one.
final class SimulatedProcess: SimulationHost, @unchecked Sendable {
    // @unchecked: touched only on the simulation's loop thread.
    unowned let world: SimulationWorld
    let number: Int
    var isAlive = true
    var store: SimulatedStore?

    init(world: SimulationWorld, number: Int) {
        self.world = world
        self.number = number
    }

    func scheduleDrain(_ drain: @escaping @Sendable () -> Void) {
        guard isAlive else { return }
        world.loop.post { [self] in
            if isAlive { drain() }
        }
    }

    func armTimer(at deadline: Date, fire: @escaping @Sendable () -> Void) -> any SimulatedTimer {
        let timer = LoopTimer()
        guard isAlive else { return timer }
        world.loop.schedule(at: deadline) { [self] in
            if isAlive, !timer.isCancelled.load(ordering: .relaxed) { fire() }
        }
        return timer
    }

    func runActivity(_ call: SimulatedActivityCall) {
        guard isAlive else { return }
        world.dispatch(call, in: self)
    }

    func nextInstanceID() -> String { world.nextID(prefix: "i") }

    func nextExecutionID() -> String { world.nextID(prefix: "e") }
}

/// A timer on the loop: cancelling it makes its step do nothing.
final class LoopTimer: SimulatedTimer {
    let isCancelled = Atomic<Bool>(false)

    func cancel() { isCancelled.store(true, ordering: .relaxed) }
}
