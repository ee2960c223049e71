import Foundation

/// Receives what the runtime does, as it happens: pass one in ``DurableRuntime/Configuration/observers``.
///
/// Called synchronously on runtime threads (an orchestration's drain, an activity worker, the
/// timer thread, the journal writer): keep it quick and never block. The runtime holds none of
/// its own locks while it calls an observer, but the calling thread is one the runtime needs back:
/// hand slow work (exporting, I/O, calling the client) to a queue or a task, as
/// ``RuntimeEventStream`` does.
public protocol DurableObserver: Sendable {
    /// Handles one event; may be called from several threads at once.
    func observe(_ event: RuntimeEvent)
}

/// One thing the runtime did. Durations are measured with the runtime's clock
/// (``DurableRuntime/Configuration/clock``, so a ``ManualClock`` drives them in tests), except
/// ``journalSynced(records:bytes:latency:)``'s latency, which is wall time (`ContinuousClock`).
///
/// Only what happens now is reported: a restart re-running stored history reports one
/// ``replayed(instanceId:events:duration:)`` per instance, not the activities, timers and events
/// the history holds again.
public enum RuntimeEvent: Sendable {
    /// A new execution was recorded: a start, a sub-orchestration, or the new execution of a continue-as-new.
    case instanceStarted(instanceId: String, orchestration: String)
    /// An execution ended, once its end is durable: `completed`, `failed` or `terminated`, or
    /// `continuedAsNew` when it starts over. `duration` runs from when its code could start (its
    /// creation, or its scheduled start) to its end, across restarts.
    case instanceFinished(instanceId: String, orchestration: String, status: RuntimeStatus, duration: Duration)
    /// The code called an activity and the call was recorded; `attempt` counts from 1 under a retry policy.
    case activityScheduled(instanceId: String, activity: String, attempt: Int)
    /// A worker began running an activity call (again, after a restart, if its result was not recorded).
    case activityStarted(instanceId: String, activity: String, attempt: Int)
    /// An activity call returned (`failed` false) or threw (`failed` true); `duration` is its run time.
    case activityFinished(instanceId: String, activity: String, attempt: Int, duration: Duration, failed: Bool)
    /// The code started a durable timer (`sleep`, an event wait's timeout, a retry's delay).
    case timerArmed(instanceId: String, fireAt: Date)
    /// A durable timer came due and its firing is being recorded.
    case timerFired(instanceId: String)
    /// A client's raised event is durable in the instance's history, or another instance's sent
    /// event was recorded there (once: a send delivered again after a restart is not reported).
    case eventRaised(instanceId: String, name: String)
    /// The code received a raised event it waited for.
    case eventConsumed(instanceId: String, name: String)
    /// A restart re-ran an instance's stored history (`events` of them) through its code, up to
    /// where the code goes on live.
    case replayed(instanceId: String, events: Int, duration: Duration)
    /// The runtime loaded its storage and resumed `instances` unfinished instances; `report` is
    /// what opening the file journal found and repaired (``DurableRuntime/recoveryReport``), `nil`
    /// for other stores.
    case recovered(report: RecoveryReport?, instances: Int)
    /// The file journal synced a batch of `records` records (`bytes` bytes) to disk in `latency` (wall time).
    case journalSynced(records: Int, bytes: Int, latency: Duration)
    /// Activity calls waiting for a worker, after one was queued or taken.
    case activityQueueDepth(Int)
    /// The orchestration's code called ``OrchestrationContext/log(_:level:)`` while not replaying.
    case orchestrationLog(instanceId: String, level: OrchestrationLogLevel, message: String)
}

/// How much an ``OrchestrationContext/log(_:level:)`` line matters, as logging libraries rank it.
public enum OrchestrationLogLevel: String, Sendable, Hashable, CaseIterable {
    /// Detail for whoever debugs the workflow.
    case debug
    /// A step worth knowing about in normal operation.
    case info
    /// Something unexpected the workflow handles.
    case warning
    /// Something failed.
    case error
}
