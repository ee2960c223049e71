import Foundation

/// Starts orchestration instances, talks to them and asks about them. Get one from ``DurableRuntime/client``.
public struct DurableClient: Sendable {
    let engine: Engine

    // MARK: Starting

    /// Starts an instance of `orchestration` and returns its id once the start is recorded.
    ///
    /// - Parameters:
    ///   - instanceId: The id to use; a new UUID when `nil`.
    ///   - startAt: Runs the code no earlier than this; the instance is `pending` until then.
    ///   - reuse: Whether a finished instance with the same id may be replaced.
    /// - Throws: ``DurableError/instanceAlreadyExists(_:status:)`` if the id is taken,
    ///   ``DurableError/unknownOrchestration(_:)`` if the type is not registered,
    ///   ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` if the encoded input is over
    ///   ``DurableRuntime/Configuration/maxPayloadSize``. Nothing is recorded then.
    @discardableResult
    public func start<O: Orchestration>(
        _ orchestration: O.Type, input: O.Input, instanceId: String? = nil, startAt: Date? = nil,
        reuse: InstanceIDReuse = .never
    ) async throws -> String {
        try await engine.start(
            orchestration: O.name, input: try Payload(encoding: input), instanceId: instanceId, startAt: startAt,
            reuse: reuse, validatingInput: false)
    }

    /// Starts an instance by orchestration name with already-encoded input, as an HTTP front end would.
    ///
    /// - Throws: ``DurableError/unknownOrchestration(_:)``, ``DurableError/invalidInput(orchestration:reason:)``
    ///   if `input` does not decode as the orchestration's input type, or
    ///   ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` if it is over the payload limit.
    @discardableResult
    public func start(
        orchestrationNamed name: String, input: Payload, instanceId: String? = nil, startAt: Date? = nil,
        reuse: InstanceIDReuse = .never
    ) async throws -> String {
        try await engine.start(orchestration: name, input: input, instanceId: instanceId, startAt: startAt, reuse: reuse)
    }

    /// Starts one instance of `orchestration` per input, with new ids, and returns the ids in input
    /// order once every start is recorded.
    ///
    /// Starting many at once is cheaper than a `start` call each: the starts share the journal's
    /// writes and one durability wait, and need no task per call.
    ///
    /// ```swift
    /// let ids = try await client.start(ShipOrder.self, inputs: todaysOrders)
    /// ```
    ///
    /// - Throws: ``DurableError/unknownOrchestration(_:)``, an encoding error, or
    ///   ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` if any input is over the
    ///   payload limit, before anything starts.
    @discardableResult
    public func start<O: Orchestration>(_ orchestration: O.Type, inputs: some Sequence<O.Input>, startAt: Date? = nil)
        async throws -> [String]
    {
        try await engine.start(
            orchestration: O.name, batch: try inputs.map { (instanceId: nil, input: try Payload(encoding: $0)) },
            startAt: startAt, reuse: .never)
    }

    /// Starts one instance of `orchestration` per id and input, all or none, and returns the ids
    /// once every start is recorded.
    ///
    /// Every id is checked before anything is recorded: if one is taken, or named twice, nothing
    /// starts. (Only a failing journal can stop a batch partway; the instances recorded before the
    /// failure then run, and the journal's error is thrown.)
    ///
    /// ```swift
    /// try await client.start(ShipOrder.self, instances: orders.map { (instanceId: "ship-\($0.id)", input: $0) })
    /// ```
    ///
    /// - Throws: ``DurableError/instanceAlreadyExists(_:status:)`` naming the first taken id,
    ///   ``DurableError/unknownOrchestration(_:)``, an encoding error, or
    ///   ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` naming the first input over the
    ///   payload limit; nothing starts then.
    @discardableResult
    public func start<O: Orchestration>(
        _ orchestration: O.Type, instances: some Sequence<(instanceId: String, input: O.Input)>, startAt: Date? = nil,
        reuse: InstanceIDReuse = .never
    ) async throws -> [String] {
        try await engine.start(
            orchestration: O.name,
            batch: try instances.map { (instanceId: $0.instanceId, input: try Payload(encoding: $0.input)) },
            startAt: startAt, reuse: reuse)
    }

    // MARK: Talking to instances

    /// Sends an event to a waiting (or soon waiting) instance; returns once the event is recorded.
    /// Events that arrive before the code waits are buffered.
    ///
    /// - Throws: ``DurableError/unknownInstance(_:)``, ``DurableError/invalidStatus(instanceId:status:operation:)``
    ///   if the instance has finished, ``DurableError/orchestrationNotRegistered(instanceId:name:)`` if it
    ///   is ``RuntimeStatus/notRegistered`` (as do ``suspend(_:reason:)``, ``resume(_:reason:)`` and the
    ///   waits), ``DurableError/instanceQuarantined(instanceId:reason:)`` if it is
    ///   ``RuntimeStatus/quarantined`` (as do ``suspend(_:reason:)`` and the waits), or ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` if the encoded payload is
    ///   over ``DurableRuntime/Configuration/maxPayloadSize`` (nothing is recorded).
    public func raiseEvent(_ instanceId: String, name: String, payload: some Codable & Sendable) async throws {
        try await engine.raiseEvent(instanceId, name: name, input: try Payload(encoding: payload))
    }

    /// Stops a running, pending, suspended, `notRegistered` or `quarantined` instance; it ends `terminated`.
    ///
    /// - Parameter includeSubOrchestrations: Also terminate its running sub-orchestrations,
    ///   recursively; returns once every termination is durable. Called again for a terminated
    ///   instance (a crash cut the first call short), it terminates the descendants still running
    ///   and returns normally; it throws ``DurableError/invalidStatus(instanceId:status:operation:)``
    ///   only when none is left.
    /// - Throws: ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` if `reason` has more
    ///   UTF-8 bytes than the payload limit, as do ``suspend(_:reason:)`` and ``resume(_:reason:)``.
    public func terminate(_ instanceId: String, reason: String? = nil, includeSubOrchestrations: Bool = false)
        async throws
    {
        try await engine.terminate(instanceId, reason: reason, includeSubOrchestrations: includeSubOrchestrations)
    }

    /// Pauses an instance: events and timers that arrive meanwhile are recorded and delivered on resume.
    public func suspend(_ instanceId: String, reason: String? = nil) async throws {
        try await engine.suspend(instanceId, reason: reason)
    }

    /// Lets a suspended instance go on. For a ``RuntimeStatus/quarantined`` instance, lifts the
    /// quarantine durably and runs its code again from its history (once the code is fixed).
    public func resume(_ instanceId: String, reason: String? = nil) async throws {
        try await engine.resume(instanceId, reason: reason)
    }

    /// Deletes a finished (or ``RuntimeStatus/notRegistered`` or ``RuntimeStatus/quarantined``) instance and its history; returns once
    /// the deletion is durable, like ``terminate(_:reason:includeSubOrchestrations:)``, so a crash
    /// after it cannot bring the instance back.
    ///
    /// - Throws: ``DurableError/unknownInstance(_:)``, or
    ///   ``DurableError/invalidStatus(instanceId:status:operation:)`` if it has not finished.
    public func purge(_ instanceId: String) async throws {
        try await engine.purge(instanceId)
    }

    // MARK: Asking

    /// The instance's current status.
    ///
    /// - Throws: ``DurableError/unknownInstance(_:)``.
    public func status(of instanceId: String) async throws -> InstanceStatus {
        try engine.status(of: instanceId)
    }

    /// Instances matching `query`, a page at a time, ordered by instance id.
    ///
    /// A page is not one instant's view (so listing never holds up starts and status reads): an
    /// instance started, ended or purged during the call may or may not be in it, and each status
    /// is as it was when the page was made. One that matches throughout is listed exactly once
    /// across the pages.
    public func list(_ query: InstanceQuery = InstanceQuery()) async -> InstancePage {
        engine.list(query)
    }

    /// The instance's history: every step with its input, output and time. The audit trail.
    ///
    /// - Throws: ``DurableError/unknownInstance(_:)``.
    public func history(of instanceId: String) async throws -> [HistoryEvent] {
        try engine.history(of: instanceId)
    }

    // MARK: Waiting

    /// Waits until the instance has started running (a scheduled start has come) and returns its status.
    ///
    /// - Parameter timeout: Measured on the wall clock: it bounds how long the caller waits.
    /// - Throws: ``DurableError/storageFailed(instanceId:reason:)`` if the store could not record the
    ///   instance and it stopped before starting (see ``InstanceStatus/storageFailure``).
    public func waitForStart(of instanceId: String, timeout: Duration? = nil) async throws -> InstanceStatus {
        try await waiting(for: instanceId, until: .started, timeout: timeout)
    }

    /// Waits until the instance has finished and returns its final status, however it ended:
    /// ``InstanceStatus/output``, ``InstanceStatus/failure`` or ``InstanceStatus/terminationReason``
    /// says how. (``result(of:as:timeout:)`` throws for an instance that did not complete.)
    ///
    /// - Parameter timeout: Measured on the wall clock: it bounds how long the caller waits.
    /// - Throws: ``DurableError/timedOut(instanceId:after:)`` if `timeout` passes first;
    ///   ``DurableError/storageFailed(instanceId:reason:)`` if the store could not record the
    ///   instance's next step or its end, so it stopped unfinished (a restart resumes it).
    public func waitForCompletion(of instanceId: String, timeout: Duration? = nil) async throws -> InstanceStatus {
        try await waiting(for: instanceId, until: .finished, timeout: timeout)
    }

    /// Waits for the instance to finish and returns its output.
    ///
    /// - Throws: ``OrchestrationFailure`` if it failed, ``DurableError/terminated(instanceId:reason:)``
    ///   with the client's reason if it was terminated, ``DurableError/timedOut(instanceId:after:)``
    ///   if `timeout` passes first, ``DurableError/storageFailed(instanceId:reason:)`` if the store
    ///   could not record it and it stopped unfinished.
    public func result<O: Orchestration>(of instanceId: String, as orchestration: O.Type, timeout: Duration? = nil)
        async throws -> O.Output
    {
        let status = try await waitForCompletion(of: instanceId, timeout: timeout)
        if status.runtimeStatus == .terminated {
            throw DurableError.terminated(instanceId: instanceId, reason: status.terminationReason)
        }
        guard status.runtimeStatus == .completed, let output = status.output else {
            throw OrchestrationFailure(instanceId: instanceId, details: status.endFailure)
        }
        return try output.decode(O.Output.self)
    }

    private func waiting(
        for instanceId: String, until condition: StatusWaiter.Condition, timeout: Duration?
    ) async throws -> InstanceStatus {
        guard let timeout else { return try await engine.wait(for: instanceId, until: condition) }
        return try await withThrowingTaskGroup(of: InstanceStatus.self) { [engine] group in
            group.addTask { try await engine.wait(for: instanceId, until: condition) }
            group.addTask {
                try await sleepWithoutOverflow(for: timeout)
                throw DurableError.timedOut(instanceId: instanceId, after: timeout)
            }
            defer { group.cancelAll() }
            guard let status = try await group.next() else { throw CancellationError() }
            return status
        }
    }
}
