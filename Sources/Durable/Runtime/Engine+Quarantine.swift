import Foundation
import Synchronization

/// The recovery a start runs (see ``RecoveryPlan``) and the marker that tells the next start how
/// far it got. Its lock is taken by the instances' drains as their replays end, and is held while
/// the marker is written, so writes are never reordered.
final class RecoveryTracker: Sendable {
    struct Item {
        let instance: OrchestrationInstance
        let status: InstanceStatus
    }

    fileprivate struct State {
        /// The marker as the store holds it (or as it would, for a store that keeps none).
        var marker = RecoveryMarker()
        /// What the store held when the runtime started: written back if the runtime shuts down
        /// mid-recovery, so the next start decides as this one did instead of blaming a crash.
        var found: RecoveryMarker?
        var isolated: [Item] = []
        var nextIsolated = 0
        var together: [Item] = []
        /// Instances recovering together whose replay has not ended yet.
        var outstanding = 0
        var isRecovering = false
        var isStopped = false
        /// The ``CrashNote`` slot open while instances recover.
        var noteSlot: Int?
    }

    fileprivate let state = Mutex(State())
    fileprivate let store: any HistoryStore
    /// Where the crash note goes: next to the journal. `nil` for other stores.
    private let notePath: String?

    init(store: any HistoryStore) {
        self.store = store
        notePath = (store as? FileJournal).map { ($0.path as NSString).appendingPathComponent("RECOVERY.crash") }
    }

    /// Whether the process that ran before died of a crash of its own while it recovered
    /// instances; removes the note. A store with no place for a note cannot tell: every death counts.
    func consumeCrashNote() -> Bool {
        guard let notePath else { return true }
        return CrashNote.consume(at: notePath)
    }

    /// Opens the crash note for a recovery that runs instances' code.
    fileprivate func armCrashNote(in state: inout State) {
        guard let notePath, state.noteSlot == nil else { return }
        state.noteSlot = CrashNote.arm(at: notePath)
    }

    /// Closes it: recovery ended, or the runtime stops.
    fileprivate func disarmCrashNote(in state: inout State) {
        guard let notePath, let slot = state.noteSlot else { return }
        CrashNote.disarm(slot, at: notePath)
        state.noteSlot = nil
    }

    /// The marker the store holds, if it keeps one and it reads as a marker.
    func readMarker() -> RecoveryMarker? {
        guard store.keepsRecoveryMarker, let bytes = try? store.recoveryMarker() else { return nil }
        return RecoveryMarker(decoding: bytes)
    }

    /// Writes `marker` unless the store holds it already. Best effort: a store that cannot write
    /// it (a full disk) has said so in its log; recovery goes on unprotected rather than not at all.
    fileprivate func write(_ marker: RecoveryMarker, in state: inout State) {
        guard marker != state.marker, store.keepsRecoveryMarker else { return }
        if (try? store.replaceRecoveryMarker(marker.encoded)) != nil { state.marker = marker }
    }

    /// The runtime shuts down: nothing more starts, and an unfinished recovery's marker is put back.
    func stop() {
        state.withLock { state in
            guard !state.isStopped else { return }
            state.isStopped = true
            if state.isRecovering, let found = state.found { write(found, in: &state) }
            disarmCrashNote(in: &state)
        }
    }

    /// The quarantine of `id`, if the current marker has one.
    func quarantine(of id: String) -> RecoveryMarker.Quarantine? {
        state.withLock { state in state.marker.quarantined.first { $0.instanceId == id } }
    }

    /// Lifts the quarantine of `id`, durably; returns whether there was one.
    func lift(_ id: String) -> Bool {
        state.withLock { state in
            guard state.marker.quarantined.contains(where: { $0.instanceId == id }) else { return false }
            var marker = state.marker
            marker.quarantined.removeAll { $0.instanceId == id }
            write(marker, in: &state)
            if state.found != nil { state.found?.quarantined.removeAll { $0.instanceId == id } }
            return true
        }
    }
}

extension Engine {
    /// Runs the plan's recovery: the isolated instances one at a time, then the others together,
    /// the marker naming whichever are replaying; once every replay has ended, a marker without them.
    func runRecovery(_ plan: RecoveryPlan, found: RecoveryMarker?, items: [String: RecoveryTracker.Item]) {
        recovery.state.withLock { state in
            state.marker = found ?? RecoveryMarker()
            state.found = found ?? RecoveryMarker()
            state.isolated = plan.isolated.compactMap { items[$0] }
            state.together = plan.together.compactMap { items[$0] }
            state.isRecovering = true
            if !state.isolated.isEmpty || !state.together.isEmpty { recovery.armCrashNote(in: &state) }
            // The quarantine holds from now, even if nothing else changes.
            recovery.write(plan.marker, in: &state)
        }
        recoverNext()
    }

    /// Starts the next isolated instance, or once none is left the others together, or once
    /// they are done too writes the marker that says recovery is over.
    private func recoverNext() {
        enum Step {
            case alone(RecoveryTracker.Item)
            case together([RecoveryTracker.Item])
            case done
        }
        let step = recovery.state.withLock { state -> Step in
            guard !state.isStopped, state.isRecovering else { return .done }
            var marker = state.marker
            if state.nextIsolated < state.isolated.count {
                let item = state.isolated[state.nextIsolated]
                state.nextIsolated += 1
                marker.inFlight = [item.instance.instanceId]
                marker.isIsolating = true
                marker.suspects = state.isolated.map(\.instance.instanceId)
                recovery.write(marker, in: &state)
                return .alone(item)
            }
            marker.isIsolating = false
            marker.suspects = []
            marker.strikes = [:]  // every suspect recovered alone without a crash
            if !state.together.isEmpty {
                let items = state.together
                state.together = []
                state.outstanding = items.count
                marker.inFlight = items.map(\.instance.instanceId)
                recovery.write(marker, in: &state)
                return .together(items)
            }
            marker.inFlight = []
            recovery.write(marker, in: &state)
            state.isRecovering = false
            state.isolated = []
            recovery.disarmCrashNote(in: &state)
            return .done
        }
        switch step {
        case .alone(let item):
            run(item.instance, status: item.status) { [self] in recoverNext() }
        case .together(let items):
            let replayed: @Sendable () -> Void = { [self] in
                if recovery.state.withLock({ state in
                    state.outstanding -= 1
                    return state.outstanding == 0
                }) {
                    recoverNext()
                }
            }
            for item in items { run(item.instance, status: item.status, whenReplayed: replayed) }
        case .done:
            break
        }
    }

    /// A client's `resume` of a quarantined instance: its quarantine is lifted (durably) and its
    /// code runs from its history, as at a recovery — for code that was fixed since. If it crashes
    /// the process again, the next starts quarantine it again.
    func retryQuarantined(_ id: String, operation: String) throws {
        let history = try store.history(of: id)
        let claim = table.withLock { table -> Result<InstanceRecord, DurableError> in
            guard !table.isShutDown else { return .failure(.runtimeShutDown) }
            guard let record = table.records[id] else { return .failure(.unknownInstance(id)) }
            guard record.status.runtimeStatus == .quarantined, !record.isTerminating else {
                return .failure(.invalidStatus(instanceId: id, status: record.status.runtimeStatus, operation: operation))
            }
            record.isTerminating = true  // claimed: no termination or second resume meanwhile
            return .success(record)
        }
        _ = try claim.get()
        guard let history, let status = InstanceStatus(instanceId: id, events: history),
            let entry = registry.orchestration(for: status)
        else {
            table.withLock { $0.records[id]?.isTerminating = false }
            throw DurableError.unknownInstance(id)
        }
        _ = recovery.lift(id)
        let instance = OrchestrationInstance(
            instanceId: id, orchestration: entry, input: status.input, history: history, replaying: true, host: self)
        let waiters = table.withLock { table -> [StatusWaiter] in
            guard let record = table.records[id] else { return [] }
            record.isTerminating = false
            record.live = instance
            return table.update(id) { $0 = status }
        }
        StatusWaiter.resume(waiters)
        run(instance, status: status)
    }
}
