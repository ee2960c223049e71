import Durable
import Logging
import Metrics
import Synchronization

/// Bridges the runtime's events to swift-metrics; `/metrics` serves them through swift-prometheus.
///
/// `observe` runs on the runtime's own threads (an orchestration's drain, an activity worker, the
/// journal writer), so it only bumps metrics: the fixed ones are made once, and the labelled ones
/// are made once per label set and then found in a dictionary. Labels are orchestration and
/// activity names and statuses, never instance ids, so the set of series stays small.
final class MetricsObserver: DurableObserver {
    private let activityQueueDepth = Gauge(label: "durable_activity_queue_depth")
    private let journalSyncs = Timer(label: "durable_journal_sync_seconds")
    private let journalRecords = Counter(label: "durable_journal_records_total")
    private let timersFired = Counter(label: "durable_timers_fired_total")
    private let eventsRaised = Counter(label: "durable_events_raised_total")
    private let replays = Counter(label: "durable_replays_total")
    private let counters = Mutex<[SeriesKey: Counter]>([:])
    private let timers = Mutex<[SeriesKey: Timer]>([:])

    /// One labelled series: a metric name and its label values, in a fixed order per name.
    private struct SeriesKey: Hashable {
        var name: String
        var labels: [String]
    }

    func observe(_ event: RuntimeEvent) {
        switch event {
        case .instanceStarted(_, let orchestration):
            counter("durable_instances_started_total", [("orchestration", orchestration)]).increment()
        case .instanceFinished(_, let orchestration, let status, let duration):
            let labels = [("orchestration", orchestration), ("status", status.managementName)]
            counter("durable_instances_finished_total", labels).increment()
            timer("durable_instance_duration_seconds", labels).recordSeconds(duration.seconds)
        case .activityScheduled(_, let activity, _):
            counter("durable_activities_scheduled_total", [("activity", activity)]).increment()
        case .activityStarted:
            break  // the finish counts it, with its outcome
        case .activityFinished(_, let activity, _, let duration, let failed):
            let labels = [("activity", activity), ("outcome", failed ? "failed" : "succeeded")]
            counter("durable_activities_finished_total", labels).increment()
            timer("durable_activity_duration_seconds", labels).recordSeconds(duration.seconds)
        case .timerArmed, .eventConsumed, .orchestrationLog, .recovered:
            break
        case .timerFired:
            timersFired.increment()
        case .eventRaised:
            eventsRaised.increment()
        case .replayed:
            replays.increment()
        case .journalSynced(let records, _, let latency):
            journalRecords.increment(by: records)
            journalSyncs.recordSeconds(latency.seconds)
        case .activityQueueDepth(let depth):
            activityQueueDepth.record(depth)
        }
    }

    private func counter(_ name: String, _ labels: [(String, String)]) -> Counter {
        Self.series(name, labels, in: counters) { Counter(label: $0, dimensions: $1) }
    }

    private func timer(_ name: String, _ labels: [(String, String)]) -> Timer {
        Self.series(name, labels, in: timers) { Timer(label: $0, dimensions: $1) }
    }

    /// The series `name` with `labels` from `cache`, made by `make` the first time it is asked for.
    private static func series<Metric>(
        _ name: String, _ labels: [(String, String)], in cache: borrowing Mutex<[SeriesKey: Metric]>,
        make: (String, [(String, String)]) -> Metric
    ) -> Metric {
        let key = SeriesKey(name: name, labels: labels.map(\.1))
        return cache.withLock { cache in
            if let existing = cache[key] { return existing }
            let made = make(name, labels)
            cache[key] = made
            return made
        }
    }
}

/// Bridges the orchestrations' replay-safe `context.log` lines, and recovery, to swift-log.
struct LogObserver: DurableObserver {
    let logger: Logger

    func observe(_ event: RuntimeEvent) {
        switch event {
        case .orchestrationLog(let instanceId, let level, let message):
            logger.log(level: level.swiftLogLevel, "\(message)", metadata: ["instance": "\(instanceId)"])
        case .recovered(let report, let instances):
            var metadata: Logger.Metadata = ["unfinished": "\(instances)"]
            if let report { metadata["journal"] = "\(report)" }
            logger.info("journal recovered", metadata: metadata)
        default:
            break
        }
    }
}

extension OrchestrationLogLevel {
    var swiftLogLevel: Logger.Level {
        switch self {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        }
    }
}

extension Duration {
    /// In seconds, as metrics record time.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
