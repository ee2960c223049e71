/// Whether the runtime can make progress without time moving: what ``ManualClock``'s driving
/// helpers ask before they advance to the next timer.
extension Engine {
    /// Nothing runs or is about to: no activity is queued, running or delivering its result, no
    /// timer that came due is still on its way, and every live execution waits with nothing to do.
    /// Only time or a client call can move it on from here.
    ///
    /// The pool is asked before and after the executions: a result that is delivered meanwhile
    /// makes its execution busy before the pool counts it out, so one of the checks sees it.
    var isQuiescent: Bool {
        guard pool.isIdle, !timers.hasTimerFiring else { return false }
        let live = table.withLock { $0.records.values.compactMap(\.live) }
        return live.allSatisfy(\.executor.isIdle) && pool.isIdle && !timers.hasTimerFiring
    }

    /// The statuses of every instance not finished that this build runs: not the ones waiting for
    /// a registration, quarantined or stopped by a storage failure, which no clock moves on.
    func unfinishedLiveStatuses() -> [InstanceStatus] {
        table.withLock { table in table.records.values.filter { $0.live != nil }.map(\.status) }
            .filter { !$0.runtimeStatus.isFinished }
    }
}
