import Foundation

extension DurableClient {
    /// Starts an instance on a named `version` of `orchestration` (see ``Orchestration/version``)
    /// instead of the latest registered one, and returns its id once the start is recorded. The
    /// instance runs that version until it ends; `""` names the unversioned registration.
    ///
    /// - Throws: ``DurableError/unknownOrchestration(_:)`` naming the name and version if this
    ///   build does not register that version, and whatever
    ///   ``start(_:input:instanceId:startAt:reuse:)`` throws.
    @discardableResult
    public func start<O: Orchestration>(
        _ orchestration: O.Type, input: O.Input, version: String, instanceId: String? = nil, startAt: Date? = nil,
        reuse: InstanceIDReuse = .never
    ) async throws -> String {
        try await engine.start(
            orchestration: O.name, input: try Payload(encoding: input), instanceId: instanceId, startAt: startAt,
            reuse: reuse, version: version)
    }
}

extension OrchestrationContext {
    /// The version of the orchestration this execution runs (see ``Orchestration/version``); empty if unversioned.
    public var version: String { instance.orchestration.version ?? "" }

    /// Like ``continueAsNew(with:keepUnprocessedEvents:)``, but the new execution runs the latest
    /// registered version of this orchestration instead of this execution's: the explicit way
    /// for a long-lived instance (an eternal monitor) to move to new code. `input` must decode
    /// as the latest version's input, else the instance fails with
    /// ``DurableError/invalidInput(orchestration:reason:)``.
    public func continueAsNewOnLatestVersion(with input: some Codable & Sendable, keepUnprocessedEvents: Bool = false)
        throws -> Never
    {
        let payload = try Payload(encoding: input)
        try instance.payloadLimit.check(payload, instanceId: instanceId, step: "continue-as-new input")
        _ = instance.withIsolation(operation: "continueAsNewOnLatestVersion") {
            $0.requestContinueAsNew(payload, keepUnprocessedEvents: keepUnprocessedEvents, onLatestVersion: true)
        }
        throw ContinueAsNewSignal()
    }
}
