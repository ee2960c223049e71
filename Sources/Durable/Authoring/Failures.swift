/// Thrown at `await context.call(...)` when the activity threw.
///
/// The original error cannot cross the journal, so its type name and message arrive as
/// ``FailureDetails``. Catch it to compensate; let it escape to fail the instance: the instance's
/// failure keeps the type name and names the activity in its message, as in
/// `activity 'ChargeCard' (attempt 3) failed: MyApp.PaymentError: declined` (the attempt only after
/// the first).
public struct ActivityFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The activity's registered name.
    public var activityName: String
    /// The error's type name and message.
    public var details: FailureDetails
    /// The attempt that failed (1 for the first).
    public var attempt: Int

    /// Creates a failure.
    public init(activityName: String, details: FailureDetails, attempt: Int) {
        self.activityName = activityName
        self.details = details
        self.attempt = attempt
    }

    /// The original error's type name.
    public var errorType: String { details.errorType }
    /// The original error's message.
    public var message: String { details.message }

    public var description: String {
        "Activity '\(activityName)' failed on attempt \(attempt): \(details)"
    }
}

/// Thrown at `await context.callSubOrchestration(...)` when the sub-orchestration failed.
///
/// Let it escape to fail the instance: the instance's failure keeps the type name and names the
/// child in its message, as in `sub-orchestration 'Payment' ('order-1:0') failed: …`.
public struct SubOrchestrationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The sub-orchestration's registered name.
    public var name: String
    /// The sub-orchestration's instance id.
    public var instanceId: String
    /// Why it failed: the child's own failure, as its ``InstanceStatus/failure`` reads. When the
    /// child failed on a failure it did not catch, the message names that step, as in
    /// `activity 'ChargeCard' failed: MyApp.PaymentError: declined`. For a child a client
    /// terminated, the type is `Durable.RuntimeStatus` and the message
    /// `instance 'order-1:0' is terminated`, then `: ` and the reason if one was given.
    public var details: FailureDetails

    /// Creates a failure.
    public init(name: String, instanceId: String, details: FailureDetails) {
        self.name = name
        self.instanceId = instanceId
        self.details = details
    }

    public var description: String {
        "Sub-orchestration '\(name)' (\(instanceId)) failed: \(details)"
    }
}

/// Thrown by ``DurableClient/result(of:as:timeout:)`` when the instance ended `failed`.
public struct OrchestrationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The failed instance.
    public var instanceId: String
    /// Why it failed.
    public var details: FailureDetails

    /// Creates a failure.
    public init(instanceId: String, details: FailureDetails) {
        self.instanceId = instanceId
        self.details = details
    }

    public var description: String { "Instance '\(instanceId)' failed: \(details)" }
}

/// The replayed code issued a command that does not match what history recorded at that sequence number.
///
/// The instance ends `failed` with this error's message. It means the orchestration's code changed
/// (or reads something nondeterministic such as `Date()` or `random`) since the history was written.
public struct NondeterminismError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The instance whose replay diverged.
    public var instanceId: String
    /// The sequence number at which code and history disagree.
    public var sequence: Int
    /// What history recorded at that sequence number, such as `activity 'ProcessPayment'`; `nil` if nothing.
    public var recorded: String?
    /// What the code did now, such as `activity 'RefundPayment'`; `nil` if the code issued no such command.
    public var attempted: String?

    /// Creates an error.
    public init(instanceId: String, sequence: Int, recorded: String?, attempted: String?) {
        self.instanceId = instanceId
        self.sequence = sequence
        self.recorded = recorded
        self.attempted = attempted
    }

    public var description: String {
        "Nondeterministic replay of '\(instanceId)' at sequence #\(sequence): history recorded "
            + (recorded ?? "no command") + ", but the code now issued " + (attempted ?? "no command")
            + ". The orchestration's code changed, or it reads something that differs between runs."
    }
}
