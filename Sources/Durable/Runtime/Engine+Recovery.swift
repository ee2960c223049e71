import Foundation

/// Loading the store's histories when a runtime starts, and the instances this build cannot run.
extension Engine {
    /// Loads every history in the store and resumes the instances that had not finished; returns
    /// where the last record it made is, for the caller to wait until it is durable.
    ///
    /// An unfinished instance whose orchestration is not registered stays loaded as
    /// `notRegistered`, its history untouched: a runtime that registers the orchestration again
    /// resumes it where it left off. Descendants of a tree termination a crash cut short are
    /// terminated first, and do not resume (`terminateTreesCutShort`).
    func recover() throws -> JournalPosition? {
        var resumed: [(OrchestrationInstance, InstanceStatus)] = []
        var senders: [(String, [HistoryEvent])] = []
        var histories = try store.allHistories()
        let treeTerminations = try terminateTreesCutShort(in: &histories)
        for (id, history) in histories {
            guard var status = InstanceStatus(instanceId: id, events: history) else { continue }
            var instance: OrchestrationInstance?
            if !status.runtimeStatus.isFinished {
                if let entry = registry.orchestrations[status.name] {
                    // Its code ran before, unless its scheduled start has not come yet.
                    let replaying = status.scheduledStart.map { $0 <= now() } ?? true
                    instance = OrchestrationInstance(
                        instanceId: id, orchestration: entry, input: status.input, history: history, replaying: replaying,
                        host: self)
                } else {
                    status.runtimeStatus = .notRegistered
                    status.failure = FailureDetails(DurableError.orchestrationNotRegistered(instanceId: id, name: status.name))
                }
            }
            if let instance { resumed.append((instance, status)) }
            let record = InstanceRecord(status: status, live: instance)
            record.noteReceivedEvents(in: history)
            table.withLock { $0.records[id] = record }
            if history.contains(where: \.kind.isEventSent) { senders.append((id, history)) }
        }
        for (instance, status) in resumed { run(instance, status: status) }
        // A crash may have come between a send's record and its delivery: every send goes again,
        // and its receiver drops the ones it has.
        for (id, history) in senders { redeliverSends(in: history, of: id) }
        return treeTerminations
    }

    /// A client's event, suspension, resumption or termination for a `notRegistered` instance.
    ///
    /// Terminating records the end, as for a running instance: the operator's way out, and the
    /// parent hears of it. Anything else throws `orchestrationNotRegistered`, so the caller learns
    /// at once that nothing acts on it here. An event is not kept for a later build either: that
    /// build's code would meet it as stored history, that is as replay, though it never saw it.
    func deliverToUnregistered(_ kind: HistoryEvent.Kind, to id: String, operation: String) async throws {
        let event = HistoryEvent(kind, at: now())
        // Claimed under the table's lock, recorded outside it (the store's lock goes first).
        let claim = table.withLock { table -> Result<Void, DurableError> in
            guard !table.isShutDown else { return .failure(.runtimeShutDown) }
            guard let record = table.records[id] else { return .failure(.unknownInstance(id)) }
            guard record.status.runtimeStatus == .notRegistered else {  // terminated meanwhile
                return .failure(.invalidStatus(instanceId: id, status: record.status.runtimeStatus, operation: operation))
            }
            guard case .executionTerminated = kind else {
                return .failure(.orchestrationNotRegistered(instanceId: id, name: record.status.name))
            }
            guard !record.isTerminating else {  // another client's termination is being recorded
                return .failure(.invalidStatus(instanceId: id, status: .terminated, operation: operation))
            }
            record.isTerminating = true
            return .success(())
        }
        try claim.get()
        let position: JournalPosition
        do {
            position = try store.append(event, to: id)
        } catch {
            table.withLock { $0.records[id]?.isTerminating = false }
            throw error
        }
        let (final, waiters) = table.withLock { table -> (InstanceStatus?, [StatusWaiter]) in
            var final: InstanceStatus?
            let waiters = table.update(id) { status in
                status.failure = nil  // the not-registered note no longer applies
                status.apply(event)
                final = status
            }
            table.records[id]?.isTerminating = false
            return (final, waiters)
        }
        StatusWaiter.resume(waiters)
        try await store.waitUntilDurable(position)
        if let final { reportToParent(final) }
    }
}

extension HistoryEvent.Kind {
    var isEventSent: Bool {
        if case .eventSent = self { return true }
        return false
    }
}
