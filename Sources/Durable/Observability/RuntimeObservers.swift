import Foundation

/// The configured observers and the clock their durations are read from; the engine holds one
/// only when there are observers, so every hook is a `nil` check and nothing else without them.
final class RuntimeObservers: Sendable {
    private let observers: [any DurableObserver]
    private let clock: any DurableClock

    /// `nil` for no observers: the hooks then build no event and read no clock.
    init?(_ observers: [any DurableObserver], clock: any DurableClock) {
        guard !observers.isEmpty else { return nil }
        self.observers = observers
        self.clock = clock
    }

    func emit(_ event: RuntimeEvent) {
        for observer in observers { observer.observe(event) }
    }

    /// The runtime clock's time, to measure a duration from.
    func now() -> Date { clock.now }

    /// The time since `start` on the runtime clock; never negative, never a trap, whatever the clock did.
    func since(_ start: Date) -> Duration {
        .clamping(seconds: max(0, clock.now.timeIntervalSince(start)))
    }
}

extension RuntimeObservers {
    /// Reports a command the code issued live and that was recorded: an activity call or a timer.
    func emitScheduled(_ command: Command, by instanceId: String) {
        switch command {
        case .activity(let name, _, let attempt): emit(.activityScheduled(instanceId: instanceId, activity: name, attempt: attempt))
        case .timer(let fireAt): emit(.timerArmed(instanceId: instanceId, fireAt: fireAt))
        case .subOrchestration, .sendEvent: break  // the child's own start, the receiver's raised event report them
        }
    }

    /// Reports an execution's end; its duration runs from when its code could start.
    func emitFinished(_ instance: OrchestrationInstance, status: RuntimeStatus) {
        emit(.instanceFinished(
            instanceId: instance.instanceId, orchestration: instance.orchestration.name, status: status,
            duration: since(instance.startedAt)))
    }
}
