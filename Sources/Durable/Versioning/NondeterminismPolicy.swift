/// What the runtime does with an instance whose code no longer replays its history (a
/// ``NondeterminismError``): the code changed under it, or reads something that differs between runs.
///
/// The default, ``hold``, loses nothing: the error is almost always a deployment mistake, and
/// a failure would be recorded, final, and would end the instance's wait for its activities,
/// timers and events. A held instance records nothing, so deploying code that replays its
/// history (the old code, or the change behind ``OrchestrationContext/patched(_:)``) and
/// restarting the runtime, or calling ``DurableClient/resume(_:reason:)``, continues it from
/// where it was. (Temporal blocks such a workflow the same way rather than failing it.)
public enum NondeterminismPolicy: Sendable, Hashable {
    /// Stop the instance recording nothing: its status turns ``RuntimeStatus/quarantined``, with
    /// the error in ``InstanceStatus/failure``; waiting for it throws
    /// ``DurableError/instanceQuarantined(instanceId:reason:)``. A restart, or `resume`, runs its
    /// code from its history again; `terminate` ends it.
    case hold
    /// Fail the instance with the error, recorded as its end (``RuntimeStatus/failed``): for
    /// code that must never wait for an operator.
    case fail
}

extension Engine {
    /// The instance's code diverged from its history under ``NondeterminismPolicy/hold``: it
    /// stopped without recording anything, and is held as quarantined until a restart or a
    /// client's `resume` runs it again (see ``retryQuarantined(_:operation:)``).
    func instanceHeld(_ instance: OrchestrationInstance, nondeterminism error: NondeterminismError) {
        if instance.hasScheduledStart { timers.cancel(.init(owner: ObjectIdentifier(instance), sequence: -1)) }
        let id = instance.instanceId
        let reason = "held on a nondeterminism error (deploy code that replays its history, then resume): \(error)"
        let (satisfied, stranded) = table.withLock { table -> ([StatusWaiter], [StatusWaiter]) in
            guard let record = table.records[id], record.live === instance else { return ([], []) }
            record.live = nil
            record.quarantineReason = reason
            record.resumeHandoffWaiters()  // a delivery waiting for this execution to hand over: it never will
            let satisfied = table.update(id) { status in
                status.runtimeStatus = .quarantined
                status.failure = FailureDetails(error)
            }
            defer { record.waiters = [] }
            return (satisfied, record.waiters)
        }
        log("instance '\(id)' \(reason)")
        StatusWaiter.resume(satisfied)
        let failure = DurableError.instanceQuarantined(instanceId: id, reason: reason)
        for waiter in stranded { waiter.continuation.resume(throwing: failure) }
    }
}
