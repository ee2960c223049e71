import Foundation

/// Reports orchestration code stuck in one step — a blocking call, an endless loop, a deadlock —
/// as Temporal reports a "potential deadlock": a line in the log and
/// ``InstanceStatus/stalledSince``, nothing recorded.
///
/// It looks at every live instance four times per limit, and costs the drains only a relaxed
/// store per job. It runs on a Dispatch timer of its own, on the wall clock: not on the Swift
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
    func checkSteps(limit: Duration, at now: Date) {
        let stalled = table.withLock { table -> [(id: String, since: Date)] in
            var stalled: [(id: String, since: Date)] = []
            for record in table.records.values {
                guard let step = record.live?.executor.currentStep else {
                    record.watchedStep = nil
                    record.status.stalledSince = nil
                    continue
                }
                guard let watched = record.watchedStep, watched.step == step else {
                    record.watchedStep = (step, now)
                    record.status.stalledSince = nil
                    continue
                }
                if record.status.stalledSince == nil, now.timeIntervalSince(watched.since) >= limit.timeInterval {
                    record.status.stalledSince = watched.since
                    stalled.append((record.status.instanceId, watched.since))
                }
            }
            return stalled
        }
        for (id, since) in stalled {
            log(
                "Orchestration '\(id)' has run one step since \(since) without suspending (a blocking call, an endless"
                    + " loop or a deadlock in its code?). Orchestration code must not block: do blocking work in an activity.")
        }
    }
}
