/// Where an instance is in its life.
public enum RuntimeStatus: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Created, not yet running (for example a scheduled start).
    case pending
    /// Running: its code is executing or waiting for a result.
    case running
    /// Returned an output.
    case completed
    /// Threw, or was stopped by the engine; see ``InstanceStatus/failure``.
    case failed
    /// Stopped by a client.
    case terminated
    /// Paused by a client; resumes where it left off.
    case suspended
    /// Ended this execution and started afresh with new input.
    case continuedAsNew
    /// Unfinished, but this runtime cannot run it: its orchestration is not registered in this
    /// build (``InstanceStatus/failure`` says which). Its history is kept as it is, so a runtime
    /// that registers the orchestration again resumes it where it left off. Meanwhile it can be
    /// terminated or purged; other calls about it throw
    /// ``DurableError/orchestrationNotRegistered(instanceId:name:)``.
    case notRegistered
    /// Unfinished, but its code is not run: the process died while this instance was being
    /// recovered, twice while its code was the only code replaying (a crash in its code, such as
    /// a stack overflow), or its code no longer replays its history and the runtime holds it
    /// (``NondeterminismPolicy/hold``: nothing recorded, a restart tries again). ``InstanceStatus/failure`` says which. Every other instance recovers. It can
    /// be terminated or purged; ``DurableClient/resume(_:reason:)`` lifts the quarantine and runs
    /// its code again (once it is fixed); other calls about it throw
    /// ``DurableError/instanceQuarantined(instanceId:reason:)``.
    case quarantined

    /// Whether the instance has ended for good.
    public var isFinished: Bool {
        switch self {
        case .completed, .failed, .terminated: true
        case .pending, .running, .suspended, .continuedAsNew, .notRegistered, .quarantined: false
        }
    }

    public var description: String { rawValue }

    /// Unfinished, but nothing runs its code here: `notRegistered` or `quarantined`. Client calls
    /// about such an instance go to `Engine.deliverToUnregistered`.
    var hasNoCodeRunning: Bool { self == .notRegistered || self == .quarantined }
}
