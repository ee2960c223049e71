import Foundation
import Synchronization

/// The engine's side of ``InstanceHost``: what instances call back, on their own executors, to
/// record events, have their commands carried out (activities, timers, children, sends) and end
/// — settling their status, telling their parent, or continuing as new.
extension Engine {
    var activityClient: DurableClient? { DurableClient(engine: self) }

    func record(_ event: HistoryEvent, for instance: OrchestrationInstance) throws -> JournalPosition? {
        // A send is recorded with the target's execution it goes to, and delivered from there.
        if case .eventSent = event.kind { return try recordSend(event, for: instance) }
        // A client terminated the execution: nothing more is recorded, and the instance learns of
        // it (`OrchestrationInstance.isTerminated`) before it dispatches anything. A store failure
        // throws, and stops the instance (see `OrchestrationInstance.record`).
        guard let position = try instance.executor.recordUnlessTerminated({ try store.append(event, to: instance.instanceId) })
        else { return nil }
        if gate.holds(instance) {
            gate.wait(for: position, recordedBy: instance)
            if event.kind.showsWhenRecorded {
                gate.hold(for: instance) { [self] in updateStatus(of: instance.instanceId) { $0.apply(event) } }
            }
        } else if event.kind.showsWhenRecorded {
            updateStatus(of: instance.instanceId) { $0.apply(event) }
        }
        return position
    }

    func issued(_ command: Command, sequence: Int, from instance: OrchestrationInstance) {}

    func dispatch(_ command: Command, sequence: Int, from instance: OrchestrationInstance, after position: JournalPosition?) {
        if case .sendEvent = command {
            return  // `recordSend` delivered it
        } else if gate.holds(instance) {
            gate.hold(for: instance) { [self] in carryOut(command, sequence: sequence, from: instance) }
        } else {
            carryOut(command, sequence: sequence, from: instance)
        }
    }

    /// Starts an activity, a child or a timer: at once, or when a strict drain releases it.
    private func carryOut(_ command: Command, sequence: Int, from instance: OrchestrationInstance) {
        // While the runtime drains, new work stays journaled for the next runtime on the storage:
        // the pool holds back activities itself (under its lock, so no race); the rest stops here.
        switch command {
        case .activity(let name, let input, let attempt):
            let item = ActivityWorkItem(instance: instance, sequence: sequence, name: name, input: input, attempt: attempt)
            if let simulation {
                guard !holdsNewWork else { return }
                simulation.runActivity(SimulatedActivityCall(item: item, pool: pool))
            } else if instance.executor.isCurrentThreadDraining {
                // Workers hear of the drain's calls once, when it ends (see `ActivityWorkerPool.submit`).
                let deferred = pool.submit(item, deferringHelp: true)
                if deferred, !instance.executor.hasUnannouncedActivities {
                    instance.executor.hasUnannouncedActivities = true
                    instance.executor.afterDrain(announceActivities)
                }
            } else {
                pool.submit(item)
            }
        case .subOrchestration(let name, let childId, let input):
            guard !holdsNewWork else { return }
            let parent = ParentInstance(instanceId: instance.instanceId, sequence: sequence, executionId: instance.executionId)
            startChild(name, childId, input, parent: parent, from: instance)
        case .timer(let fireAt):
            guard !holdsNewWork else { return }
            timers.schedule(
                .init(owner: ObjectIdentifier(instance), sequence: sequence), at: fireAt, owner: instance.instanceId
            ) { [self] in
                observers?.emit(.timerFired(instanceId: instance.instanceId))
                report(.timerFired(sequence: sequence, fireAt: fireAt), to: instance)
            }
        case .sendEvent:
            break  // `recordSend` delivers it
        }
    }

    func abandon(_ command: Command, sequence: Int, from instance: OrchestrationInstance) {
        guard case .timer = command else { return }
        let key = TimerService.TimerKey(owner: ObjectIdentifier(instance), sequence: sequence)
        if gate.holds(instance) {
            gate.hold(for: instance) { [timers] in timers.cancel(key) }  // after the arming it may follow
        } else {
            timers.cancel(key)
        }
    }

    private func startChild(
        _ name: String, _ childId: String, _ input: Payload, parent: ParentInstance, from instance: OrchestrationInstance
    ) {
        do {
            let (existing, parentStart) = table.withLock {
                ($0.records[childId]?.status, $0.records[instance.instanceId]?.status.createdAt)
            }
            // Created by this execution before a restart: it reports back when it ends, or has
            // ended already. A child left by an earlier execution (of a reused id, or before a
            // continue-as-new) names another execution id, so it is not adopted. (One whose
            // orchestration this build does not register is waited for too: it reports back once
            // a build runs it or a client terminates it.) Only a link written before executions
            // had ids (both ids empty) falls back to comparing start times, as builds then did.
            if let existing, existing.parent == parent,
                !parent.executionId.isEmpty || existing.createdAt >= parentStart ?? .distantPast
            {
                if existing.runtimeStatus.isFinished { reportToParent(existing) }
                return
            }
            try checkDepth(ofChildOf: instance.instanceId, name: name)
            let entry = try registry.orchestration(named: name)
            try entry.validateInput(input)
            try launch(
                childId, entry,
                HistoryEvent(
                    .executionStarted(
                        name: name, input: input, parent: parent, scheduledStart: nil, executionId: newExecutionID(),
                        version: entry.version),
                    at: now()),
                reuse: .replaceFinished, fromClient: false)
        } catch DurableError.runtimeShutDown {
            return  // not the child's failure: the next runtime on the storage starts it
        } catch let failure as StoreFailure {
            // The child's start could not be recorded: the parent stops (a restart starts the child).
            instance.executor.post(.storageFailure(String(describing: failure.error)))
        } catch {
            report(.subOrchestrationFailed(sequence: parent.sequence, failure: FailureDetails(error)), to: instance)
        }
    }

    func instanceFinished(_ instance: OrchestrationInstance, outcome: InstanceOutcome, after position: JournalPosition?) {
        if gate.holds(instance) {
            // After the drain's custom statuses; a failed sync leaves it to `end` to retire the instance.
            gate.hold(for: instance, evenIfNotDurable: true) { [self] in end(instance, outcome, after: position) }
        } else {
            end(instance, outcome, after: position)
        }
    }

    private func end(_ instance: OrchestrationInstance, _ outcome: InstanceOutcome, after position: JournalPosition?) {
        if instance.hasScheduledStart {
            timers.cancel(.init(owner: ObjectIdentifier(instance), sequence: -1))  // terminated while pending
        }
        if case .continuedAsNew(let input, let carried, let onLatest) = outcome {
            observers?.emitFinished(instance, status: .continuedAsNew)
            continueAsNew(instance, input: input, carrying: carried, onLatestVersion: onLatest)
            return
        }
        guard let position, !store.isDurable(position) else {
            settle(instance, outcome)
            return
        }
        // Clients (and the parent) hear of the end only once it is durable.
        store.whenDurable(position) { [self] result in
            switch result {
            case .success: settle(instance, outcome)
            case .failure(let error):  // not durable: a restart runs the end again
                instanceStopped(instance, storageFailure: String(describing: error))
            }
        }
    }

    /// Publishes the end in the status table, wakes waiters and tells the parent.
    private func settle(_ instance: OrchestrationInstance, _ outcome: InstanceOutcome) {
        var final: InstanceStatus?
        let waiters = table.withLock { table in
            let waiters = table.update(instance.instanceId) { status in
                if let end = outcome.endEvent { status.apply(HistoryEvent(end, at: now())) }
                final = status
            }
            table.retire(instance)
            return waiters
        }
        if let observers, let final { observers.emitFinished(instance, status: final.runtimeStatus) }  // before waiters hear
        StatusWaiter.resume(waiters)
        if let final { reportToParent(final) }
    }

    private func continueAsNew(
        _ instance: OrchestrationInstance, input: Payload, carrying carried: [HistoryEvent], onLatestVersion: Bool
    ) {
        let id = instance.instanceId
        let parent = table.withLock { $0.records[id]?.status.parent }
        let now = now()
        // The same version, unless the code asked for the latest (an explicit move).
        let entry = onLatestVersion ? registry.orchestrations[instance.orchestration.name] ?? instance.orchestration
            : instance.orchestration
        do {
            try entry.validateInput(input)
            try launch(
                id, entry,
                HistoryEvent(
                    .executionStarted(
                        name: entry.name, input: input, parent: parent, scheduledStart: nil,
                        executionId: newExecutionID(), version: entry.version),
                    at: now),
                carrying: carried.map { HistoryEvent($0.kind, at: now) }, continuing: true, fromClient: false)
        } catch DurableError.runtimeShutDown {
            return  // nothing replaced the history: the next runtime on the storage continues it as new
        } catch let failure as StoreFailure {
            instanceStopped(instance, storageFailure: String(describing: failure.error))
        } catch {
            let failure = FailureDetails(error)
            let position: JournalPosition
            do {
                position = try store.append(HistoryEvent(.executionFailed(failure), at: now), to: id)
            } catch {
                return instanceStopped(instance, storageFailure: String(describing: error))
            }
            instanceFinished(instance, outcome: .failed(failure), after: position)
        }
    }

    /// The store could not record the instance's next step or its end: it stopped where it was,
    /// as at a shutdown. Its status keeps what was recorded, with ``InstanceStatus/storageFailure``
    /// saying why, and every waiter gets ``DurableError/storageFailed(instanceId:reason:)`` — nothing
    /// here can make it finish. A restart on the same storage resumes it.
    func instanceStopped(_ instance: OrchestrationInstance, storageFailure reason: String) {
        if instance.hasScheduledStart { timers.cancel(.init(owner: ObjectIdentifier(instance), sequence: -1)) }
        let id = instance.instanceId
        let (waiters, parent) = table.withLock { table -> ([StatusWaiter], OrchestrationInstance?) in
            guard let record = table.records[id], record.live === instance else { return ([], nil) }
            record.live = nil
            record.status.storageFailure = reason
            record.resumeHandoffWaiters()  // a delivery waiting for this execution to hand over: it never will
            defer { record.waiters = [] }
            // The execution that called it waits for an end that cannot come in this process: it stops too.
            let parent = record.status.parent.flatMap { link in
                table.records[link.instanceId]?.live.flatMap { $0.executionId == link.executionId ? $0 : nil }
            }
            return (record.waiters, parent)
        }
        let error = DurableError.storageFailed(instanceId: id, reason: reason)
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
        parent?.executor.post(.storageFailure(reason))
    }

    /// Tells the parent execution that created `child` that it ended. Dropped if that execution
    /// is over: the parent finished, continued as new, or its id was reused, and the execution
    /// running now never called this child. The result stays recorded in the child's history; a
    /// drop because another execution of the parent exists now is logged.
    func reportToParent(_ child: InstanceStatus) {
        guard let parent = child.parent else { return }
        let (live, current) = table.withLock { table in
            (table.records[parent.instanceId]?.live, table.records[parent.instanceId]?.status.executionId)
        }
        guard let live, live.executionId == parent.executionId else {
            if let current, current != parent.executionId {
                log(
                    "Dropped the end (\(child.runtimeStatus)) of sub-orchestration '\(child.instanceId)': its parent "
                        + "'\(parent.instanceId)' runs execution \(current.isEmpty ? "(unnamed)" : current) now, not "
                        + "\(parent.executionId.isEmpty ? "(unnamed)" : parent.executionId) that called it")
            }
            return
        }
        switch child.runtimeStatus {
        case .completed:
            report(.subOrchestrationCompleted(sequence: parent.sequence, result: child.output ?? .empty), to: live)
        default:
            report(.subOrchestrationFailed(sequence: parent.sequence, failure: child.endFailure), to: live)
        }
    }

    /// Changes an instance's status in the table and wakes whoever waited for the change.
    func updateStatus(of id: String, _ change: (inout InstanceStatus) -> Void) {
        StatusWaiter.resume(table.withLock { $0.update(id, change) })
    }
}
