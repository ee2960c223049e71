/// Starts orchestration instances and asks about them. Get one from ``DurableRuntime/client``.
public struct DurableClient: Sendable {
    let engine: Engine

    /// Starts an instance of `orchestration` and returns its id once the start is recorded.
    ///
    /// - Parameter instanceId: The id to use; a new UUID when `nil`.
    /// - Throws: ``DurableError/instanceAlreadyExists(_:status:)`` if the id is taken,
    ///   ``DurableError/unknownOrchestration(_:)`` if the type is not registered.
    @discardableResult
    public func start<O: Orchestration>(_ orchestration: O.Type, input: O.Input, instanceId: String? = nil)
        async throws -> String
    {
        try await engine.start(orchestration: O.name, input: try Payload(encoding: input), instanceId: instanceId)
    }

    /// Starts an instance by orchestration name with already-encoded input, as an HTTP front end would.
    ///
    /// - Throws: ``DurableError/unknownOrchestration(_:)``, or ``DurableError/invalidInput(orchestration:reason:)``
    ///   if `input` does not decode as the orchestration's input type.
    @discardableResult
    public func start(orchestrationNamed name: String, input: Payload, instanceId: String? = nil) async throws -> String {
        try await engine.start(orchestration: name, input: input, instanceId: instanceId)
    }

    /// The instance's current status.
    ///
    /// - Throws: ``DurableError/unknownInstance(_:)``.
    public func status(of instanceId: String) async throws -> InstanceStatus {
        try engine.status(of: instanceId)
    }

    /// Waits until the instance has finished and returns its final status.
    ///
    /// - Throws: ``DurableError/timedOut(instanceId:after:)`` if `timeout` passes first.
    public func waitForCompletion(of instanceId: String, timeout: Duration? = nil) async throws -> InstanceStatus {
        guard let timeout else { return try await engine.waitUntilFinished(instanceId) }
        return try await withThrowingTaskGroup(of: InstanceStatus.self) { group in
            group.addTask { try await engine.waitUntilFinished(instanceId) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw DurableError.timedOut(instanceId: instanceId, after: timeout)
            }
            defer { group.cancelAll() }
            guard let status = try await group.next() else { throw CancellationError() }
            return status
        }
    }

    /// Waits for the instance to finish and returns its output.
    ///
    /// - Throws: ``OrchestrationFailure`` if it failed, ``DurableError/timedOut(instanceId:after:)``
    ///   if `timeout` passes first.
    public func result<O: Orchestration>(of instanceId: String, as orchestration: O.Type, timeout: Duration? = nil)
        async throws -> O.Output
    {
        let status = try await waitForCompletion(of: instanceId, timeout: timeout)
        guard status.runtimeStatus == .completed, let output = status.output else {
            throw OrchestrationFailure(
                instanceId: instanceId,
                details: status.failure
                    ?? FailureDetails(errorType: "Durable.RuntimeStatus", message: "instance is \(status.runtimeStatus)"))
        }
        return try output.decode(O.Output.self)
    }

    /// The instance's history: every step with its input, output and time. The audit trail.
    ///
    /// - Throws: ``DurableError/unknownInstance(_:)``.
    public func history(of instanceId: String) async throws -> [HistoryEvent] {
        try engine.history(of: instanceId)
    }
}
