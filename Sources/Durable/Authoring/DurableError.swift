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
    /// The orchestration's code was resumed by something that is not Durable — after `Task.sleep`,
    /// an await on another actor or the main actor, a continuation resumed on another thread, or a
    /// cancellation from outside — so it would not replay the same way. `how` says which. The
    /// instance fails at once, live, instead of later on replay.
    case resumedOutsideDurable(instanceId: String, how: String)
    /// The code called ``OrchestrationContext/continueAsNew(with:keepUnprocessedEvents:)``, caught
    /// the error it throws, and went on to wait for something: the instance fails instead of doing
    /// more work and continuing as new anyway. Let that error propagate out of `run`.
    case continueAsNewCaught(instanceId: String)
    /// The code of instance `instanceId` called `operation` on the context of another instance,
    /// `owner` (kept in a shared variable or closure). Only the instance that did it fails.
    case usedAnotherInstancesContext(instanceId: String, owner: String, operation: String)
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
    /// A ``RetryPolicy`` passed to `call` or `callSubOrchestration` has a property set out of
    /// range (the initializer never makes one); the message says which. Thrown before the first
    /// attempt, so nothing is recorded or run.
    case invalidRetryPolicy(String)
    /// A value bound for history, or a payload being decoded, nests arrays and objects more than
    /// ``Payload/maxNestingDepth`` levels deep. Refused before Foundation's JSON coders see it,
    /// whose recursion would otherwise overflow the thread's stack and crash the process.
    case payloadTooDeep(type: String, limit: Int)
    /// The store could not record the instance's next step (`reason` is the store's error, such
    /// as a full disk), so the instance stopped where it was, as at a shutdown: nothing about the
    /// failure is recorded, and its status keeps its ``RuntimeStatus`` with
    /// ``InstanceStatus/storageFailure`` set. Waits for it end with this error. Free space (or fix
    /// the store) and restart the runtime on the same storage: the instance resumes from its
    /// history.
    case storageFailed(instanceId: String, reason: String)
    /// The execution's history went past ``DurableRuntime/Configuration/maxHistoryEvents`` or
    /// ``DurableRuntime/Configuration/maxHistoryBytes``: it held `events` events and `bytes` bytes.
    /// The instance failed with it. Continue as new when
    /// ``OrchestrationContext/isContinueAsNewSuggested`` says so.
    case historyTooLarge(instanceId: String, events: Int, bytes: Int, eventLimit: Int, byteLimit: Int)
    /// Instance `parentId` called sub-orchestration `name`, which would have been nested `depth`
    /// deep, over ``DurableRuntime/Configuration/maxSubOrchestrationDepth`` (`limit`). No child
    /// started; the call failed with a ``SubOrchestrationFailure`` carrying this error's details.
    case subOrchestrationTooDeep(parentId: String, name: String, depth: Int, limit: Int)
    /// A ``ManualClock`` was asked to drive instances to their end, but they wait with no timer
    /// armed and nothing running: only an event or a client call can move them on.
    case waitsForInput(instanceIds: [String])
    /// ``DurableClient/reset(_:toEvent:reason:)`` was given a point that is not in the
    /// instance's history before its end: `eventIndex` is not in `0...lastValid`.
    case invalidResetPoint(instanceId: String, eventIndex: Int, lastValid: Int)

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
        case .invalidResetPoint(let id, let index, let lastValid):
            "Cannot reset instance '\(id)' to event \(index): choose an index of its history from 0 (its start)"
                + " to \(lastValid) (the last event before its end)."
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
            "Orchestration '\(id)' called \(operation) from outside its executor: from Task.detached or Task {} inside"
                + " the orchestration (use async let or a task group instead, so the call replays deterministically), or from"
                + " a helper function isolated to the main actor (in a target built with default MainActor isolation,"
                + " Swift 6.2's `.defaultIsolation(MainActor.self)`, that is every function not marked otherwise: mark"
                + " the orchestration's helpers `nonisolated`)."
        case .resumedOutsideDurable(let id, let how):
            "Orchestration '\(id)' failed: \(how). Its code would not replay the same way after a restart. Use"
                + " context.sleep for delays, an activity for work with other actors, services or threads, and"
                + " context.waitForEvent for signals from outside. (In a target built with default MainActor isolation,"
                + " Swift 6.2's `.defaultIsolation(MainActor.self)`, mark the orchestration's helper functions `nonisolated`.)"
        case .continueAsNewCaught(let id):
            "Orchestration '\(id)' called continueAsNew, caught the error it throws and went on. Let that error"
                + " propagate out of run (rethrow it from a catch-all, or call continueAsNew outside do/catch)."
        case .usedAnotherInstancesContext(let id, let owner, let operation):
            "Orchestration '\(id)' called \(operation) on the context of instance '\(owner)'. Each orchestration must"
                + " use only the context passed to its own run(_:context:); do not keep a context in shared state."
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
        case .invalidRetryPolicy(let message):
            "Invalid RetryPolicy: \(message). Make the policy with RetryPolicy.init, which raises values to their minimum."
        case .payloadTooDeep(let type, let limit):
            "A value of type \(type) nests arrays and objects more than \(limit) levels deep, over the payload"
                + " nesting limit; it was not encoded or decoded. Flatten the structure (a list with parent"
                + " references instead of a deep tree), or keep it outside the workflow and pass a reference."
        case .storageFailed(let id, let reason):
            "Instance '\(id)' stopped: the store could not record its next step (\(reason)). Nothing of the failure"
                + " is recorded; once the store can write again (free disk space), restart the runtime on the same"
                + " storage and the instance resumes where it stopped."
        case .historyTooLarge(let id, let events, let bytes, let eventLimit, let byteLimit):
            "Instance '\(id)' failed: its history grew to \(events) events and \(bytes) bytes, past the limit of"
                + " \(eventLimit) events or \(byteLimit) bytes (DurableRuntime.Configuration.maxHistoryEvents,"
                + " maxHistoryBytes). A loop that runs for long must continue as new: check"
                + " context.isContinueAsNewSuggested and call context.continueAsNew(with:) with its state."
        case .subOrchestrationTooDeep(let parentId, let name, let depth, let limit):
            "Instance '\(parentId)' cannot start sub-orchestration '\(name)': it would be nested \(depth) deep, over the"
                + " limit of \(limit) (DurableRuntime.Configuration.maxSubOrchestrationDepth). A recursion through"
                + " sub-orchestrations that does not stop? Walk long chains in a loop with continue-as-new instead."
        case .waitsForInput(let ids):
            "\(ids.map { "'\($0)'" }.joined(separator: ", ")) \(ids.count == 1 ? "waits" : "wait") with no timer armed and"
                + " nothing running: only a raised event or a client call can move \(ids.count == 1 ? "it" : "them") on."
                + " Raise it before driving the clock."
        }
    }
}
