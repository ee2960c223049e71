import Foundation

/// Every instance the runtime knows, with whoever waits for a change in one of them.
struct InstanceTable {
    var records = InstanceRecords()
    /// Running, draining, closing or closed (see ``RuntimeLifecycle``).
    var lifecycle = RuntimeLifecycle<CheckedContinuation<Void, Never>>()
    /// Whether the runtime is closing or closed: instances stop and nothing new is launched.
    var isShutDown: Bool { lifecycle.isShutDown }
    /// Housekeeping tasks (retention), cancelled at shutdown.
    var background: [Task<Void, Never>] = []
    /// The step watchdog's timer (see `Engine.startStepWatchdog`), if it runs.
    var watchdog: (any DispatchSourceTimer)?
    /// The steps the watchdog saw running at its last look (see `Engine.checkSteps`).
    var watchedSteps: [WatchedStep] = []
    private var nextWaiterID = 0

    /// Applies `change` to the instance's status and returns the waiters it satisfies.
    func update(_ id: String, _ change: (inout InstanceStatus) -> Void) -> [StatusWaiter] {
        guard let record = records[id] else { return [] }
        change(&record.status)
        guard !record.waiters.isEmpty else { return [] }
        var satisfied: [StatusWaiter] = []
        record.waiters.removeAll { waiter in
            guard waiter.isSatisfied(by: record.status) else { return false }
            satisfied.append(waiter.with(record.status))
            return true
        }
        return satisfied
    }

    /// Throws if `id` is taken: by a running instance, or by a finished one unless `reuse` allows replacing it.
    func check(_ id: String, reuse: InstanceIDReuse) throws {
        if let existing = records[id], reuse != .replaceFinished || !existing.status.runtimeStatus.isFinished {
            throw DurableError.instanceAlreadyExists(id, status: existing.status.runtimeStatus)
        }
    }

    /// Puts the launch's record in place; returns whether it replaced one. A continuing execution
    /// (continue-as-new) keeps the waiters of the one it replaces.
    mutating func claim(_ launch: Launch, continuing: Bool) -> Bool {
        let record = InstanceRecord(status: launch.status, live: launch.instance)
        record.noteReceivedEvents(in: launch.carried)
        guard let existing = records.updateValue(record, forKey: launch.id) else { return false }
        if continuing { record.waiters = existing.waiters }
        existing.resumeHandoffWaiters()
        return true
    }

    /// Forgets the instance's live actor once it ended.
    func retire(_ instance: OrchestrationInstance) {
        if let record = records[instance.instanceId], record.live === instance {
            record.live = nil
            record.resumeHandoffWaiters()
        }
    }

    /// Removes the instance's record, waking whoever waited for its execution to hand over.
    mutating func remove(_ id: String) {
        records.removeValue(forKey: id)?.resumeHandoffWaiters()
    }

    /// Queues `waiter` until the table no longer names `instance` as its instance's live execution
    /// (a new execution took over, or it retired); resumes it at once if that is so already.
    func waitForHandoff(from instance: OrchestrationInstance, _ waiter: CheckedContinuation<Void, Never>) {
        guard !isShutDown, let record = records[instance.instanceId], record.live === instance else {
            return waiter.resume()
        }
        record.handoffWaiters.append(waiter)
    }

    /// Adds a waiter unless the status already satisfies it; returns its id, or the status to answer with now.
    mutating func addWaiter(
        _ id: String, until condition: StatusWaiter.Condition, _ continuation: UnsafeContinuation<InstanceStatus, any Error>
    ) -> Result<Int, any Error>? {
        guard let record = records[id] else { return .failure(DurableError.unknownInstance(id)) }
        if condition.isSatisfied(by: record.status) {
            continuation.resume(returning: record.status)
            return nil
        }
        if record.status.runtimeStatus == .notRegistered {  // nothing here can make it start or finish
            return .failure(DurableError.orchestrationNotRegistered(instanceId: id, name: record.status.name))
        }
        if record.status.runtimeStatus == .quarantined { return .failure(record.quarantineError) }
        if let reason = record.status.storageFailure, record.live == nil {  // stopped: nothing here goes on with it
            return .failure(DurableError.storageFailed(instanceId: id, reason: reason))
        }
        if isShutDown { return .failure(DurableError.runtimeShutDown) }
        nextWaiterID += 1
        record.waiters.append(StatusWaiter(id: nextWaiterID, condition: condition, continuation: continuation))
        return .success(nextWaiterID)
    }

    func removeWaiter(_ waiterID: Int, of id: String) -> StatusWaiter? {
        guard let record = records[id], let index = record.waiters.firstIndex(where: { $0.id == waiterID }) else {
            return nil
        }
        return record.waiters.remove(at: index)
    }

    func removeAllWaiters() -> [StatusWaiter] {
        var all: [StatusWaiter] = []
        for record in records.values { record.resumeHandoffWaiters() }
        for record in records.values where !record.waiters.isEmpty {
            all += record.waiters
            record.waiters = []
        }
        return all
    }
}

/// One instance in the table, only touched under the table's lock.
///
/// A class so every step updates it in place: as a struct of this size each update copied it
/// and went through a dictionary `modify` whose coroutine frame was heap-allocated.
final class InstanceRecord: @unchecked Sendable {
    // @unchecked: only read or changed while the table's lock is held; never handed out of it.
    var status: InstanceStatus
    /// The running instance; `nil` once it finished (or if its orchestration is not registered).
    var live: OrchestrationInstance?
    var waiters: [StatusWaiter] = []
    /// A client's termination of this `notRegistered` or `quarantined` instance (or the resumption
    /// of a quarantined one) is being recorded (see
    /// `Engine.deliverToUnregistered`): nothing else may record or purge it meanwhile.
    var isTerminating = false
    /// The ids of the sent events this execution's history holds (`EventRaised.sourceEventId`):
    /// a send delivered again after a crash is dropped.
    var receivedEventIds: Set<String> = []
    /// Deliveries that found `live`'s mailbox closed: it ended, and they wait to learn what comes
    /// next (a continue-as-new's execution, or the end) before they try again.
    var handoffWaiters: [CheckedContinuation<Void, Never>] = []

    /// Where ``InstanceRecords`` keeps it in its array.
    var slot = 0

    init(status: InstanceStatus, live: OrchestrationInstance? = nil) {
        self.status = status
        self.live = live
    }

    /// Notes the sent events that `events` raise.
    func noteReceivedEvents(in events: some Sequence<HistoryEvent>) {
        for event in events {
            if case .eventRaised(_, _, let source?) = event.kind { receivedEventIds.insert(source) }
        }
    }

    func resumeHandoffWaiters() {
        guard !handoffWaiters.isEmpty else { return }
        for waiter in handoffWaiters { waiter.resume() }
        handoffWaiters = []
    }

    /// Whether `purge` may delete it: once finished, or while nothing can run it.
    var mayBePurged: Bool {
        status.runtimeStatus.isFinished || (status.runtimeStatus.hasNoCodeRunning && !isTerminating)
    }

    /// Why the instance is quarantined, while it is (see `Engine.recover`).
    var quarantineReason: String?

    /// What calls about a quarantined instance throw.
    var quarantineError: DurableError {
        .instanceQuarantined(instanceId: status.instanceId, reason: quarantineReason ?? "its code crashed the process")
    }
}

/// A client waiting for an instance to reach a status.
struct StatusWaiter {
    enum Condition {
        case finished
        case started

        func isSatisfied(by status: InstanceStatus) -> Bool {
            switch self {
            case .finished: status.runtimeStatus.isFinished
            case .started: status.runtimeStatus != .pending && !status.runtimeStatus.hasNoCodeRunning
            }
        }
    }

    let id: Int
    let condition: Condition
    let continuation: UnsafeContinuation<InstanceStatus, any Error>
    private(set) var answer: InstanceStatus?

    init(id: Int, condition: Condition, continuation: UnsafeContinuation<InstanceStatus, any Error>) {
        self.id = id
        self.condition = condition
        self.continuation = continuation
    }

    func isSatisfied(by status: InstanceStatus) -> Bool { condition.isSatisfied(by: status) }

    func with(_ status: InstanceStatus) -> StatusWaiter {
        var copy = self
        copy.answer = status
        return copy
    }

    /// Resumes satisfied waiters, outside any lock.
    static func resume(_ waiters: [StatusWaiter]) {
        for waiter in waiters {
            if let answer = waiter.answer { waiter.continuation.resume(returning: answer) }
        }
    }
}
