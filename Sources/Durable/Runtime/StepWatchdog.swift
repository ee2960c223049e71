import Foundation

/// Reports orchestration code stuck in one step — a blocking call, an endless loop, a deadlock —
/// as Temporal reports a "potential deadlock": a line in the log and
/// ``InstanceStatus/stalledSince``, nothing recorded.
///
/// It looks four times per limit at the executors some thread runs code for now
/// (``RunningSteps``), and costs the drains a relaxed store per job and two uncontended locks
/// per batch of jobs. It runs on a Dispatch timer of its own, on the wall clock: not on the Swift
/// concurrency pool, which the very steps it looks for can block (a drain often runs on the
/// thread that delivered an activity's result, a pool thread), and not on the runtime's clock,
/// where a ``ManualClock`` would count it among the sleepers a test waits for. Tests drive
/// ``checkSteps(limit:at:)`` themselves.
extension Engine {
    func startStepWatchdog(limit: Duration) {
        let interval = limit / 4
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "Durable.StepWatchdog"))
        timer.schedule(deadline: .now() + interval.timeInterval, repeating: interval.timeInterval, leeway: .milliseconds(100))
        timer.setEventHandler { [weak self] in self?.checkSteps(limit: limit, at: Date()) }
        table.withLock { $0.watchdog = timer }  // cancelled at shutdown
        timer.resume()
    }

    /// One look, at `now`: a step seen running at two looks `limit` apart is stalled.
    ///
    /// It looks only at the executors some thread runs code for now (``RunningSteps``): what it
    /// costs, and how long it holds the table's lock, grows with the threads, not the instances.
    func checkSteps(limit: Duration, at now: Date) {
        let engine = ObjectIdentifier(self)
        let running = RunningSteps.executors().compactMap { executor -> WatchedStep? in
            guard executor.host == engine, let step = executor.currentStep else { return nil }
            return WatchedStep(executor: executor, step: step, since: now)
        }
        // The steps let go of come out of the lock and are released here, after it: one may hold
        // the last reference to an executor, whose instance's deinit must not run under the lock.
        let (stalled, _) = table.withLock { table -> ([(id: String, since: Date)], [WatchedStep]) in
            var next: [WatchedStep] = []
            var stalled: [(id: String, since: Date)] = []
            for var seen in running {
                if let earlier = table.watchedSteps.first(where: { $0.executor === seen.executor && $0.step == seen.step }) {
                    seen = earlier
                }
                if !seen.isReported, now.timeIntervalSince(seen.since) >= limit.timeInterval,
                    let record = table.records[seen.executor.instanceId], record.live?.executor === seen.executor
                {
                    record.status.stalledSince = seen.since
                    seen.isReported = true
                    stalled.append((seen.executor.instanceId, seen.since))
                }
                next.append(seen)
            }
            // A reported step no longer running (returned, or its instance ended) is cleared.
            for earlier in table.watchedSteps where earlier.isReported {
                guard !next.contains(where: { $0.executor === earlier.executor && $0.step == earlier.step }) else { continue }
                if let record = table.records[earlier.executor.instanceId], record.status.stalledSince == earlier.since {
                    record.status.stalledSince = nil
                }
            }
            let released = table.watchedSteps
            table.watchedSteps = next
            return (stalled, released)
        }
        for (id, since) in stalled {
            log(
                "Orchestration '\(id)' has run one step since \(since) without suspending (a blocking call, an endless"
                    + " loop or a deadlock in its code?). Orchestration code must not block: do blocking work in an activity.")
        }
    }
}

/// A step the watchdog saw running, and since when. It keeps its executor, so a later look
/// compares the same object, not a new one at a freed one's address.
struct WatchedStep {
    let executor: InstanceExecutor
    let step: UInt64
    let since: Date
    var isReported = false
}
