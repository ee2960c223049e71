import Foundation

/// Repairs of instances whose code is not running: rewind and reset rewrite the execution's
/// history (with an audit record) and run its code on it, as a recovery would.
extension Engine {
    /// Rewrites the history of instance `id`, whose status `allows`, with `rewrite`, records it
    /// durably, and runs the code from the new history. Nothing else may change the instance
    /// meanwhile (the same claim a termination of an instance without code takes).
    func repair(
        _ id: String, operation: String, allows: @Sendable (RuntimeStatus) -> Bool,
        _ rewrite: ([HistoryEvent]) throws -> [HistoryEvent]
    ) async throws {
        let claim = table.withLock { table -> Result<Void, DurableError> in
            guard !table.isShutDown else { return .failure(.runtimeShutDown) }
            guard let record = table.records[id] else { return .failure(.unknownInstance(id)) }
            guard allows(record.status.runtimeStatus), record.live == nil, !record.isTerminating else {
                return .failure(.invalidStatus(instanceId: id, status: record.status.runtimeStatus, operation: operation))
            }
            record.isTerminating = true
            return .success(())
        }
        try claim.get()
        func release() { table.withLock { table in table.records[id]?.isTerminating = false } }
        let repaired: [HistoryEvent]
        let entry: OrchestrationEntry
        let position: JournalPosition
        do {
            guard let history = try store.history(of: id), let before = InstanceStatus(instanceId: id, events: history) else {
                throw DurableError.unknownInstance(id)
            }
            guard let found = registry.orchestration(for: before) else {
                throw DurableError.orchestrationNotRegistered(instanceId: id, name: Registry.missing(before))
            }
            entry = found
            repaired = try rewrite(history)
            position = try store.replaceHistory(of: id, with: repaired)
        } catch {
            release()
            throw error
        }
        try await store.waitUntilDurable(position)
        _ = recovery.lift(id)  // a quarantined instance's quarantine no longer applies
        guard let status = InstanceStatus(instanceId: id, events: repaired) else { return release() }
        let instance = OrchestrationInstance(
            instanceId: id, orchestration: entry, input: status.input, history: repaired, replaying: true, host: self)
        let waiters = table.withLock { table -> [StatusWaiter]? in
            guard let record = table.records[id] else { return nil }  // purged meanwhile
            record.isTerminating = false
            record.live = instance
            record.quarantineReason = nil
            return table.update(id) { $0 = status }
        }
        guard let waiters else { return }
        StatusWaiter.resume(waiters)
        run(instance, status: status)
    }
}
