import Foundation

/// The orchestration's only window on the world: activities, sub-orchestrations, timers, events,
/// time and identity.
///
/// Everything it returns comes from history on replay, so the code takes the same path every time.
/// Use it from the orchestration's own task, its `async let`s and its task-group children; a
/// `Task.detached` escapes the instance's executor and fails the instance with
/// ``DurableError/escapedExecutor(instanceId:operation:)``.
///
/// Its `async` methods are `nonisolated(nonsending)`: they run where the caller runs — the
/// instance's executor — instead of checking for a hop to the generic executor at every call.
/// A struct holding one reference: copying it is free, and an instance needs no extra object.
public struct OrchestrationContext: Sendable {
    let instance: OrchestrationInstance

    init(instance: OrchestrationInstance) {
        self.instance = instance
    }

    /// The instance this code runs for.
    public var instanceId: String { instance.instanceId }

    // MARK: Activities and sub-orchestrations

    /// Calls an activity and waits for its result. On replay, the result comes from history and
    /// the activity does not run again.
    ///
    /// - Parameter retry: Retries failures with durable waits in between; `nil` tries once.
    /// - Throws: ``ActivityFailure`` if the (last) attempt threw, or returned a result over
    ///   ``DurableRuntime/Configuration/maxPayloadSize`` (that attempt fails with the description of
    ///   ``DurableError/payloadTooLarge(instanceId:step:size:limit:)``, and a retry policy sees it).
    ///   ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` itself, at once, if the encoded
    ///   `input` is over the limit: nothing is recorded or run, and the code may catch it and go on.
    @discardableResult
    nonisolated(nonsending) public func call<A: Activity>(_ activity: A.Type, _ input: A.Input, retry: RetryPolicy? = nil) async throws
        -> A.Output
    {
        let payload = try Payload(encoding: input)
        let name = A.name
        @Sendable nonisolated(nonsending) func attempt(_ number: Int) async throws -> Payload {
            try await instance.issue(
                .command(.activity(name: name, input: payload, attempt: number)), operation: "call(\(name))")
        }
        // Without a policy the command is issued directly: a retry closure on every call is measurable.
        let result = if let retry { try await retrying(retry, attempt) } else { try await attempt(1) }
        return try result.decode(A.Output.self)
    }

    /// Starts another orchestration as a child instance and waits for its output.
    ///
    /// - Parameters:
    ///   - instanceId: The child's id; by default derived from this instance's id, so it is the
    ///     same on replay. Retries of a given id get `#2`, `#3`... appended.
    ///   - retry: Retries failures with durable waits in between; `nil` tries once.
    /// - Throws: ``SubOrchestrationFailure`` if the child failed;
    ///   ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` at once if the encoded `input` is
    ///   over ``DurableRuntime/Configuration/maxPayloadSize`` (nothing is recorded, no child starts).
    @discardableResult
    nonisolated(nonsending) public func callSubOrchestration<O: Orchestration>(
        _ orchestration: O.Type, _ input: O.Input, instanceId: String? = nil, retry: RetryPolicy? = nil
    ) async throws -> O.Output {
        let payload = try Payload(encoding: input)
        let parentId = self.instanceId
        let name = O.name
        @Sendable nonisolated(nonsending) func attempt(_ number: Int) async throws -> Payload {
            let request: CommandRequest = if let instanceId {
                .command(.subOrchestration(name: name, instanceId: number == 1 ? instanceId : "\(instanceId)#\(number)", input: payload))
            } else {
                .numberedChild(name: name, parentId: parentId, input: payload)
            }
            return try await instance.issue(request, operation: "callSubOrchestration(\(name))")
        }
        let result = if let retry { try await retrying(retry, attempt) } else { try await attempt(1) }
        return try result.decode(O.Output.self)
    }

    nonisolated(nonsending) private func retrying(_ policy: RetryPolicy, _ attempt: @Sendable (Int) async throws -> Payload) async throws
        -> Payload
    {
        if let invalidity = policy.invalidity { throw DurableError.invalidRetryPolicy(invalidity) }
        let firstAttemptAt = now
        var number = 1
        while true {
            do {
                return try await attempt(number)
            } catch let error where error is ActivityFailure || error is SubOrchestrationFailure {
                let details = FailureDetails(error)
                let elapsed = Duration.clamping(seconds: now.timeIntervalSince(firstAttemptAt))
                guard let delay = policy.delay(after: number, failure: details, elapsed: elapsed) else { throw error }
                try await sleep(for: delay)
                number += 1
            }
        }
    }

    // MARK: Time

    /// The current time, from history: the timestamp of the event being processed. It stands still
    /// between events and is identical on replay. Use it instead of `Date()`.
    ///
    /// Read from outside the instance's code (another task, another instance, after it ended) it
    /// is `Date.distantPast` — never a plausible time — and the misuse fails the instance (or is
    /// logged, once the instance has ended).
    public var now: Date {
        instance.isOnExecutor(operation: "now") ? OrchestrationInstance.Unchecked.currentTime(instance) : .distantPast
    }

    /// Waits on a durable timer: recorded in history, so a restart resumes the wait instead of
    /// starting it over. Use it instead of `Task.sleep`.
    ///
    /// - Throws: `CancellationError` if the waiting task is cancelled (the timer is then dropped).
    nonisolated(nonsending) public func sleep(for duration: Duration) async throws {
        try await sleep(until: now.addingTimeInterval(duration.timeInterval))
    }

    /// Waits on a durable timer until `deadline`.
    nonisolated(nonsending) public func sleep(until deadline: Date) async throws {
        _ = try await instance.issue(.command(.timer(fireAt: deadline)), operation: "sleep")
    }

    // MARK: External events

    /// Waits for an event raised with ``DurableClient/raiseEvent(_:name:payload:)`` or
    /// ``sendEvent(to:name:payload:)``. Events that arrived earlier are buffered and taken first
    /// come, first served, one per wait.
    ///
    /// - Parameter timeout: How long to wait, on a durable timer; `nil` waits forever.
    /// - Throws: ``EventTimeout`` when the timeout passes first.
    nonisolated(nonsending) public func waitForEvent<Value: Decodable & Sendable>(
        _ name: String, as type: Value.Type = Value.self, timeout: Duration? = nil
    ) async throws -> Value {
        let instance = self.instance
        guard let timeout else {
            return try await instance.waitForEvent(named: name).decode(Value.self)
        }
        let payload = try await withThrowingTaskGroup(of: Payload?.self) { group in
            group.addTask { try await instance.waitForEvent(named: name) }
            group.addTask {
                try await self.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let payload else { throw EventTimeout(name: name, timeout: timeout) }
        return try payload.decode(Value.self)
    }

    /// Sends an event to another instance, exactly once: the send is recorded in this history
    /// first and delivered once that record is durable; after a crash every recorded send is
    /// delivered again, and the target drops one it has already recorded (its `EventRaised`
    /// carries the send's id as `sourceEventId`).
    ///
    /// If the target does not exist, has finished, or started its current execution after the
    /// send was recorded, the event is dropped.
    ///
    /// - Throws: ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` if the encoded payload is
    ///   over ``DurableRuntime/Configuration/maxPayloadSize``: nothing is recorded or sent.
    nonisolated(nonsending) public func sendEvent(to instanceId: String, name: String, payload: some Codable & Sendable) async throws {
        let input = try Payload(encoding: payload)
        _ = try await instance.issue(
            .command(.sendEvent(instanceId: instanceId, name: name, input: input)), operation: "sendEvent(\(name))")
    }

    // MARK: Identity, status, lifecycle

    /// A new UUID that is the same on every replay. Use it instead of `UUID()`.
    ///
    /// Called from outside the instance's code it returns the all-zero UUID, and the misuse fails
    /// the instance (or is logged, once the instance has ended).
    public func newUUID() -> UUID {
        instance.withIsolation(operation: "newUUID()") { $0.newUUID() } ?? Self.misuseUUID
    }

    /// The all-zero UUID: what ``newUUID()`` returns when misused, never a UUID it makes.
    static let misuseUUID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    /// Whether the code is re-running steps history already holds. Use it to keep logs from repeating.
    ///
    /// Read from outside the instance's code it is `true`, so a guarded side effect is skipped,
    /// and the misuse fails the instance (or is logged, once the instance has ended).
    public var isReplaying: Bool {
        instance.withIsolation(operation: "isReplaying") { $0.isReplaying } ?? true
    }

    /// Whether this execution's history is long enough that the code should continue as new: true
    /// from a fifth of ``DurableRuntime/Configuration/maxHistoryEvents`` or
    /// ``DurableRuntime/Configuration/maxHistoryBytes`` on (when the runtime also logs a warning),
    /// and the instance fails at the limit itself. Counted from the events the code has seen so
    /// far, so it is the same at the same point on every replay.
    ///
    /// ```swift
    /// if context.isContinueAsNewSuggested { try context.continueAsNew(with: state) }
    /// ```
    public var isContinueAsNewSuggested: Bool {
        instance.withIsolation(operation: "isContinueAsNewSuggested") { $0.isContinueAsNewSuggested } ?? false
    }

    /// Publishes a value that clients see in ``InstanceStatus/customStatus`` while the instance runs.
    ///
    /// A value that cannot be encoded fails the instance with ``DurableError/encodingFailed(type:reason:)``;
    /// one whose encoding is over ``DurableRuntime/Configuration/maxPayloadSize`` is not recorded and
    /// fails the instance with ``DurableError/payloadTooLarge(instanceId:step:size:limit:)``.
    public func setCustomStatus(_ value: some Codable & Sendable) {
        do {
            let payload = try Payload(encoding: value)
            _ = instance.withIsolation(operation: "setCustomStatus") { $0.setCustomStatus(payload) }
        } catch {
            instance.executor.post(.fail(FailureDetails(error)))
        }
    }

    /// Ends this execution and starts the orchestration afresh with `input`, under the same
    /// instance id and with an empty history. Use it for eternal loops such as monitors, so
    /// history does not grow without bound.
    ///
    /// ```swift
    /// try await context.sleep(for: .seconds(120))
    /// try context.continueAsNew(with: state)
    /// ```
    ///
    /// - Parameter keepUnprocessedEvents: Carry raised events nobody consumed into the new execution.
    /// - Throws: ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` if the encoded `input` is over
    ///   ``DurableRuntime/Configuration/maxPayloadSize``: nothing is recorded and this execution goes on, so
    ///   the code may catch it. Otherwise the signal that ends this execution (let it propagate).
    public func continueAsNew(with input: some Codable & Sendable, keepUnprocessedEvents: Bool = false) throws -> Never {
        let payload = try Payload(encoding: input)
        try instance.payloadLimit.check(payload, instanceId: instanceId, step: "continue-as-new input")
        _ = instance.withIsolation(operation: "continueAsNew") {
            $0.requestContinueAsNew(payload, keepUnprocessedEvents: keepUnprocessedEvents)
        }
        throw ContinueAsNewSignal()
    }
}
