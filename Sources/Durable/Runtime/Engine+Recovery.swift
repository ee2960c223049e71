import Foundation

/// Loading the store's histories when a runtime starts, and the instances this build cannot run.
extension Engine {
    /// Loads every history in the store and resumes the instances that had not finished; returns
    /// where the last record it made is, for the caller to wait until it is durable.
    ///
    /// An unfinished instance whose orchestration is not registered stays loaded as
    /// `notRegistered`, its history untouched: a runtime that registers the orchestration again
    /// resumes it where it left off. One whose code crashed the process while it was recovered,
    /// at earlier starts, stays loaded as `quarantined` (see ``RecoveryPlan``); the others recover
    /// as the plan says, together or one at a time. Descendants of a tree termination a crash cut
    /// short are terminated first, and do not resume (`terminateTreesCutShort`).
    /// Moves a ``ManualClock`` that is behind the store to the latest time it recorded: a test
    /// that restarts a runtime after a crash with a new clock need not read the journal to set it,
    /// and time never runs backwards for the instances it resumes. The wall clock moves by itself.
    private func catchUpManualClock(with histories: [String: [HistoryEvent]]) {
        guard let clock = timers.clock as? ManualClock else { return }
        var latest = Date.distantPast
        for history in histories.values {
            if let last = history.last?.timestamp, last > latest { latest = last }
        }
        if latest > clock.now { clock.advance(to: latest) }
    }

    func recover() throws -> JournalPosition? {
        let found = recovery.readMarker()
        let crashed = recovery.consumeCrashNote()
        var items: [String: RecoveryTracker.Item] = [:]
        var runsNow: [String: String] = [:]  // id → execution id, of those whose code runs at once
        var later: [RecoveryTracker.Item] = []  // scheduled starts still to come: no code runs now
        var records: [String: InstanceRecord] = [:]
        var senders: [(String, [HistoryEvent])] = []
        var histories = try store.allHistories()
        catchUpManualClock(with: histories)
        let treeTerminations = try terminateTreesCutShort(in: &histories)
        // In id order: recovery starts instances, records and redelivers sends in this order, which
        // must not depend on a dictionary's per-process hashing (a simulation replays it exactly).
        for (id, history) in histories.sorted(by: { $0.key < $1.key }) {
            guard var status = InstanceStatus(instanceId: id, events: history) else { continue }
            var instance: OrchestrationInstance?
            if !status.runtimeStatus.isFinished {
                if let entry = registry.orchestration(for: status) {  // the version it started with
                    // Its code ran before, unless its scheduled start has not come yet.
                    let replaying = status.scheduledStart.map { $0 <= now() } ?? true
                    let live = OrchestrationInstance(
                        instanceId: id, orchestration: entry, input: status.input, history: history, replaying: replaying,
                        host: self)
                    instance = live
                    if status.runtimeStatus == .pending, let startAt = status.scheduledStart, startAt > now() {
                        later.append(.init(instance: live, status: status))
                    } else {
                        items[id] = .init(instance: live, status: status)
                        runsNow[id] = live.executionId
                    }
                } else {
                    status.runtimeStatus = .notRegistered
                    status.failure = FailureDetails(
                        DurableError.orchestrationNotRegistered(instanceId: id, name: Registry.missing(status)))
                }
            }
            let record = InstanceRecord(status: status, live: instance)
            record.noteReceivedEvents(in: history)
            records[id] = record
            if history.contains(where: \.kind.isEventSent) { senders.append((id, history)) }
        }
        let plan = RecoveryPlan(previous: found, runnable: runsNow, crashed: crashed)
        for quarantine in plan.marker.quarantined {
            guard let record = records[quarantine.instanceId] else { continue }
            record.live = nil
            record.status.runtimeStatus = .quarantined
            record.quarantineReason = quarantine.reason
            record.status.failure = FailureDetails(
                DurableError.instanceQuarantined(instanceId: quarantine.instanceId, reason: quarantine.reason))
        }
        table.withLock { $0.records.merge(records) }  // a loaded record replaces one with its id
        for item in later { run(item.instance, status: item.status) }
        runRecovery(plan, found: found, items: items)
        // A crash may have come between a send's record and its delivery: every send goes again,
        // and its receiver drops the ones it has. (One bound for an instance still waiting for its
        // turn to recover waits with it: the code starts first.)
        for (id, history) in senders { redeliverSends(in: history, of: id) }
        observers?.emit(.recovered(report: (store as? FileJournal)?.recoveryReport, instances: items.count + later.count))
        return treeTerminations
    }

    /// A client's event, suspension, resumption or termination for a `notRegistered` or
    /// `quarantined` instance.
    ///
    /// Terminating records the end, as for a running instance: the operator's way out, and the
    /// parent hears of it. Resuming a quarantined instance lifts its quarantine and runs its code
    /// (see `retryQuarantined`). Anything else throws `orchestrationNotRegistered` or
    /// `instanceQuarantined`, so the caller learns at once that nothing acts on it here. An event
    /// is not kept for a later build either: that build's code would meet it as stored history,
    /// that is as replay, though it never saw it.
    func deliverToUnregistered(_ kind: HistoryEvent.Kind, to id: String, operation: String) async throws {
        if case .executionResumed = kind,
            table.withLock({ $0.records[id]?.status.runtimeStatus }) == .quarantined
        {
            return try retryQuarantined(id, operation: operation)
        }
        let event = HistoryEvent(kind, at: now())
        // Claimed under the table's lock, recorded outside it (the store's lock goes first).
        let claim = table.withLock { table -> Result<Void, DurableError> in
            guard !table.isShutDown else { return .failure(.runtimeShutDown) }
            guard let record = table.records[id] else { return .failure(.unknownInstance(id)) }
            guard record.status.runtimeStatus.hasNoCodeRunning else {  // terminated or resumed meanwhile
                return .failure(.invalidStatus(instanceId: id, status: record.status.runtimeStatus, operation: operation))
            }
            guard case .executionTerminated = kind else {
                if record.status.runtimeStatus == .quarantined { return .failure(record.quarantineError) }
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
                status.failure = nil  // the not-registered or quarantine note no longer applies
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
