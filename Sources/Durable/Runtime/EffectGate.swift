/// Strict durability's promise, kept in one place: under ``FileJournal/Durability/strict`` no
/// effect of a drain leaves the instance — an activity handed to a worker, a timer armed, a child
/// started, a custom status or an end shown in the status table — before everything the drain
/// recorded is durable; and a result delivered from outside is synced by the thread that
/// delivered it, even when the drain it started carries nothing out (an event wait, a fan-in
/// still waiting).
///
/// A drain holds its effects in one ``HeldEffects`` on the instance's executor and releases them
/// when it runs out of work, after one sync for all of them (group commit), on the thread that
/// ran it. In every other mode the gate holds nothing: each check is one load of a stored flag.
///
/// Sent events are held like any other effect: the sender records its `EventSent` first and the
/// event goes to its target only once that record is durable (in every mode, see
/// `Engine.dispatchSend`). A crash between the sync and the delivery loses nothing: recovery
/// delivers every recorded send again and the target drops a send whose id it already recorded.
struct EffectGate: Sendable {
    private let store: any HistoryStore
    /// Whether the gate holds effects at all: strict durability. Read once: the store's
    /// property is a witness call, and the engine asks at every record and dispatch.
    let isActive: Bool

    init(store: any HistoryStore) {
        self.store = store
        self.isActive = store.dispatchWaitsForDurability
    }

    /// Whether `instance`'s effects are held now: strict durability, asked by the thread draining
    /// it. Effects carried out by a release, or arising outside a drain, go at once.
    func holds(_ instance: OrchestrationInstance) -> Bool {
        isActive && instance.executor.isCurrentThreadDraining
    }

    /// Holds `effect` until the drain's records are durable. `evenIfNotDurable` effects run after
    /// a failed sync too (an end, which checks durability itself); the others are dropped, and
    /// the instance stops with the journal's error (`InstanceStatus.storageFailure`), recording
    /// nothing. Only when ``holds(_:)`` says so.
    func hold(for instance: OrchestrationInstance, evenIfNotDurable: Bool = false, _ effect: @escaping @Sendable () -> Void) {
        held(by: instance).effects.append(HeldEffect(run: effect, runsEvenIfNotDurable: evenIfNotDurable))
    }

    /// The drain recorded `position` (or made another instance record it): its effects wait for
    /// it, and so does the drain's end even if it holds no effect. Only when ``holds(_:)`` says so.
    func wait(for position: JournalPosition?, recordedBy instance: OrchestrationInstance) {
        guard let position else { return }
        held(by: instance).wait(for: position)
    }

    /// A result or event was recorded for `instance` from outside its drains (an activity's
    /// result, a fired timer, a child's end): syncs it now, on this thread. If the drain that
    /// handled it ran here and released effects, their sync covered it already.
    func delivered(_ position: JournalPosition?, to instance: OrchestrationInstance) {
        guard isActive, let position, !store.isDurable(position) else { return }
        store.whenDurable(position) { result in
            if case .failure(let error) = result { instance.executor.post(.storageFailure(String(describing: error))) }
        }
    }

    private func held(by instance: OrchestrationInstance) -> HeldEffects {
        if let held = instance.executor.heldEffects { return held }
        let held = HeldEffects(store: store, instance: instance)
        instance.executor.heldEffects = held
        return held
    }
}

/// One effect a drain holds.
private struct HeldEffect {
    let run: @Sendable () -> Void
    let runsEvenIfNotDurable: Bool
}

/// One drain's held effects, in the order they arose, and the last record they wait for.
///
/// The executor releases them when the drain runs out of work and before it goes idle, so the
/// next drain cannot overtake them (a custom status shown after the end, a timer cancelled before
/// it is armed), and what they queue for the instance is drained next.
final class HeldEffects: @unchecked Sendable {
    // @unchecked: filled and released by the thread draining the instance. A store that calls
    // back later runs the effects on another thread, but after the release, when the drain no
    // longer reaches this object (the executor dropped it).
    private let store: any HistoryStore
    private let instance: OrchestrationInstance
    private var horizon: JournalPosition?
    fileprivate var effects: [HeldEffect] = []

    fileprivate init(store: any HistoryStore, instance: OrchestrationInstance) {
        self.store = store
        self.instance = instance
    }

    fileprivate func wait(for position: JournalPosition) {
        horizon = max(horizon ?? position, position)
    }

    /// Syncs what the drain recorded (the strict journal does it on this thread, before it
    /// returns), then carries the effects out. Called once, by the executor.
    func release() {
        guard let horizon, !store.isDurable(horizon) else { return carryOut(.success(())) }
        store.whenDurable(horizon) { result in self.carryOut(result) }
    }

    private func carryOut(_ durable: Result<Void, any Error>) {
        switch durable {
        case .success:
            for effect in effects { effect.run() }
        case .failure(let error):
            instance.executor.post(.storageFailure(String(describing: error)))
            for effect in effects where effect.runsEvenIfNotDurable { effect.run() }
        }
    }
}
