/// A new execution of an instance: built, but not yet claimed in the table, recorded or running.
///
/// The engine builds every launch before it takes the table lock, so the lock only guards the
/// claim, and a batch of starts can be checked as a whole before any of them is recorded.
struct Launch {
    let id: String
    let started: HistoryEvent
    /// Events a continue-as-new carries into the new execution.
    let carried: [HistoryEvent]
    let status: InstanceStatus
    let instance: OrchestrationInstance

    init(id: String, entry: OrchestrationEntry, started: HistoryEvent, carrying carried: [HistoryEvent] = [],
        host: any InstanceHost
    ) throws {
        // A fresh start (no carried events) reads its one event in place: no array per start.
        let status = carried.isEmpty
            ? InstanceStatus(instanceId: id, events: CollectionOfOne(started))
            : InstanceStatus(instanceId: id, events: CollectionOfOne(started) + carried)
        guard case .executionStarted(_, let input, _, _, _, _) = started.kind, let status else {
            throw DurableError.invalidInput(orchestration: entry.name, reason: "no ExecutionStarted event")
        }
        self.id = id
        self.started = started
        self.carried = carried
        self.status = status
        // A new execution: live from the start, the events a continue-as-new carries included,
        // and recorded by whoever records for it first (see `ExecutionLifecycle`).
        let pending = ExecutionLifecycle.PendingStart(started: started, carried: carried)
        self.instance = carried.isEmpty
            ? OrchestrationInstance(
                instanceId: id, orchestration: entry, input: input, history: CollectionOfOne(started), replaying: false,
                host: host, pendingStart: pending)
            : OrchestrationInstance(
                instanceId: id, orchestration: entry, input: input, history: [started] + carried, replaying: false,
                host: host, pendingStart: pending)
    }
}
