/// Errors the runtime and client report for bad input or misuse, each with a message a person can act on.
public enum DurableError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Two registered orchestrations, or two registered activities, share a name.
    case duplicateRegistration(kind: String, name: String)
    /// No orchestration with this name is registered.
    case unknownOrchestration(String)
    /// No activity with this name is registered.
    case unknownActivity(String)
    /// No instance with this id exists.
    case unknownInstance(String)
    /// An instance with this id exists already; `status` is its current runtime status.
    case instanceAlreadyExists(String, status: RuntimeStatus)
    /// The operation does not apply to an instance in this status, such as raising an event to a
    /// finished instance or purging a running one.
    case invalidStatus(instanceId: String, status: RuntimeStatus, operation: String)
    /// The instance's orchestration, `name`, is not registered with this runtime, so nothing can
    /// run it here: it is ``RuntimeStatus/notRegistered``. Register the orchestration again to
    /// resume it, or terminate or purge it.
    case orchestrationNotRegistered(instanceId: String, name: String)
    /// The instance is ``RuntimeStatus/quarantined``: its code crashed the process while it was
    /// recovered (`reason` says how), so it is not run. Fix the code and resume it, or terminate
    /// or purge it.
    case instanceQuarantined(instanceId: String, reason: String)
    /// A value could not be encoded into a ``Payload``.
    case encodingFailed(type: String, reason: String)
    /// A ``Payload`` did not decode as the expected type.
    case decodingFailed(type: String, reason: String)
    /// An orchestration's input does not decode as the orchestration's `Input` type.
    case invalidInput(orchestration: String, reason: String)
    /// Waiting for an instance took longer than the caller allowed.
    case timedOut(instanceId: String, after: Duration)
    /// Orchestration code touched its context from outside the instance's executor, for example
    /// from `Task.detached`. Such code would not replay deterministically.
    case escapedExecutor(instanceId: String, operation: String)
    /// ``DurableClient/result(of:as:timeout:)`` found the instance terminated by a client, with the
    /// reason it gave (``InstanceStatus/terminationReason``), if any. A terminated instance has no
    /// output; it did not fail either, so this is not an ``OrchestrationFailure``.
    case terminated(instanceId: String, reason: String?)
    /// The instance stopped running (it failed, or its runtime shut down) while the code still awaited a result.
    case instanceStopped(String)
    /// The runtime was shut down.
    case runtimeShutDown
    /// A value bound for history is larger than ``DurableRuntime/Configuration/maxPayloadSize``:
    /// `size` bytes encoded, over `limit`. `step` names it, such as `input of start`,
    /// `event 'approval'` or `result of activity 'ChargeCard' (#3)`. Nothing of it was recorded.
    case payloadTooLarge(instanceId: String, step: String, size: Int, limit: Int)
    /// A ``DurableRuntime/Configuration`` value is out of range; the message says which and why.
    case invalidConfiguration(String)
    /// The store could not record the instance's next step (`reason` is the store's error, such
    /// as a full disk), so the instance stopped where it was, as at a shutdown: nothing about the
    /// failure is recorded, and its status keeps its ``RuntimeStatus`` with
    /// ``InstanceStatus/storageFailure`` set. Waits for it end with this error. Free space (or fix
    /// the store) and restart the runtime on the same storage: the instance resumes from its
    /// history.
    case storageFailed(instanceId: String, reason: String)

    public var description: String {
        switch self {
        case .duplicateRegistration(let kind, let name):
            "Duplicate registration: two \(kind)s are named '\(name)'. Give one a different `static var name`."
        case .unknownOrchestration(let name):
            "No orchestration named '\(name)' is registered with this runtime."
        case .unknownActivity(let name):
            "No activity named '\(name)' is registered with this runtime."
        case .unknownInstance(let id):
            "No instance with id '\(id)' exists."
        case .instanceAlreadyExists(let id, let status):
            "An instance with id '\(id)' already exists and is \(status)."
        case .invalidStatus(let id, let status, let operation):
            "Cannot \(operation) instance '\(id)': it is \(status)."
        case .orchestrationNotRegistered(let id, let name):
            "Instance '\(id)' cannot run: orchestration '\(name)' is not registered in this build. Register it to"
                + " resume the instance where it left off, or terminate or purge the instance."
        case .instanceQuarantined(let id, let reason):
            "Instance '\(id)' is quarantined and its code is not run: \(reason)."
        case .encodingFailed(let type, let reason):
            "Could not encode a value of type \(type): \(reason)"
        case .decodingFailed(let type, let reason):
            "Could not decode a value of type \(type): \(reason)"
        case .invalidInput(let orchestration, let reason):
            "The input does not fit orchestration '\(orchestration)': \(reason)"
        case .timedOut(let id, let duration):
            "Instance '\(id)' did not finish within \(duration)."
        case .escapedExecutor(let id, let operation):
            "Orchestration '\(id)' called \(operation) from outside its executor (Task.detached or Task {} inside an orchestration?). Use async let or a task group instead, so the call replays deterministically."
        case .terminated(let id, let reason):
            "Instance '\(id)' was terminated" + (reason.map { ": \($0)" } ?? ".")
        case .instanceStopped(let id):
            "Instance '\(id)' stopped while its code was still waiting."
        case .runtimeShutDown:
            "The runtime has been shut down."
        case .payloadTooLarge(let id, let step, let size, let limit):
            "Instance '\(id)': the \(step) is \(size) bytes, over the payload limit of \(limit) bytes, so it was not"
                + " recorded. Keep large data outside the workflow (in a database or blob store) and pass a reference"
                + " to it, such as a key or URL; or raise DurableRuntime.Configuration.maxPayloadSize (at most"
                + " \(DurableRuntime.Configuration.payloadSizeCeiling) bytes)."
        case .invalidConfiguration(let message):
            "Invalid DurableRuntime.Configuration: \(message)"
        case .storageFailed(let id, let reason):
            "Instance '\(id)' stopped: the store could not record its next step (\(reason)). Nothing of the failure"
                + " is recorded; once the store can write again (free disk space), restart the runtime on the same"
                + " storage and the instance resumes where it stopped."
        }
    }
}
