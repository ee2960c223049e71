import Foundation

/// Shutting the runtime down, at once or gracefully. Every request goes through the table's
/// ``RuntimeLifecycle``, which settles who drains and who closes; the work happens here, outside the lock.
extension Engine {
    /// Whether new work must stay journaled instead of leaving: the runtime drains or is closed.
    var holdsNewWork: Bool { !table.withLock { $0.lifecycle.dispatchesWork } }

    /// Stops everything now: running activities are cancelled (a result that still comes is
    /// recorded nowhere), instances stop where they are, the storage closes and every waiter gets
    /// ``DurableError/runtimeShutDown``. Cuts a graceful shutdown's drain short; a no-op once closing.
    func shutdown() {
        guard table.withLock({ $0.lifecycle.requestImmediateShutdown() }) == .close else { return }
        close()
    }

    /// Drains, then closes: no start is taken and no new work leaves from now on, the running
    /// activities get until `gracePeriod` has passed on the runtime's clock to deliver their
    /// results, and those results are durable before the storage closes. Returns once it is
    /// closed, whoever closes it. Cancelling the calling task ends the grace at once.
    func shutdown(gracePeriod: Duration) async {
        switch table.withLock({ $0.lifecycle.requestGracefulShutdown() }) {
        case .done:
            return
        case .awaitClose:
            await waitUntilClosed()
        case .drain:
            await drain(gracePeriod: gracePeriod)
            // An immediate shutdown that came meanwhile closes instead; this caller waits for it.
            if table.withLock({ $0.lifecycle.finishDraining() }) { close() } else { await waitUntilClosed() }
        }
    }

    /// Holds back new work, waits for the running activities (cancelling them when the grace
    /// runs out), and waits until everything recorded so far is durable.
    private func drain(gracePeriod: Duration) async {
        // Retention would purge: nothing more is written on the runtime's own account.
        let background = table.withLock { table in
            defer { table.background = [] }
            return table.background
        }
        for task in background { task.cancel() }
        // Armed timers stay journaled: the next runtime re-arms them (overdue ones fire at once).
        timers.cancelAll()
        pool.beginDraining()
        let clock = timers.clock
        // `timeInterval` is a Double: no overflow for any grace, and a date far out just waits.
        let deadline = clock.now.addingTimeInterval(max(0, gracePeriod.timeInterval))
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [pool] in
                await pool.waitUntilNoneRunning()
                return true
            }
            group.addTask {
                try? await clock.sleep(until: deadline)  // cancelled: the activities finished first
                return false
            }
            let finished = await group.next() ?? true
            group.cancelAll()
            // The grace ran out: what still runs is cancelled, and its result dropped. This also
            // ends the pool's wait above, which cancellation alone would not.
            if !finished { pool.shutdown() }
        }
        await waitUntilRecordedIsDurable()
    }

    /// Waits until every record queued so far is durable (the activities' results among them),
    /// the way a start waits for its own record. Only the file journal can name its last record;
    /// any store finishes its pending writes in `close()`, and a failed sync only means the next
    /// runtime re-runs what was not recorded.
    private func waitUntilRecordedIsDurable() async {
        guard let journal = store as? FileJournal else { return }
        let last = journal.lastQueuedPosition
        if !journal.isDurable(last) { try? await journal.waitUntilDurable(last) }
    }

    /// Stops the instances, timers and workers, closes the storage and answers every waiter, then
    /// tells the graceful callers. Only the caller the lifecycle picked runs it, once.
    private func close() {
        recovery.stop()  // before the store closes: it may write the marker back
        let (live, waiters) = table.withLock { table in
            for task in table.background { task.cancel() }
            table.background = []
            table.watchdog?.cancel()
            table.watchdog = nil
            return (table.records.values.compactMap(\.live), table.removeAllWaiters())
        }
        pool.shutdown()
        timers.cancelAll()
        for instance in live { instance.executor.post(.stop) }
        store.close()
        for waiter in waiters { waiter.continuation.resume(throwing: DurableError.runtimeShutDown) }
        for caller in table.withLock({ $0.lifecycle.finishClosing() }) { caller.resume() }
    }

    /// Returns once the storage is closed (at once if it is).
    private func waitUntilClosed() async {
        await withCheckedContinuation { (caller: CheckedContinuation<Void, Never>) in
            if !table.withLock({ $0.lifecycle.addCloseWaiter(caller) }) { caller.resume() }
        }
    }
}
