import Foundation

/// The orchestration's only window on the world: activities, sub-orchestrations, time, identity.
///
/// Everything it returns comes from history on replay, so the code takes the same path every time.
/// Use it from the orchestration's own task, its `async let`s and its task-group children; a
/// `Task.detached` escapes the instance's executor and fails the instance with
/// ``DurableError/escapedExecutor(instanceId:operation:)``.
public final class OrchestrationContext: Sendable {
    let instance: OrchestrationInstance

    init(instance: OrchestrationInstance) {
        self.instance = instance
    }

    /// The instance this code runs for.
    public var instanceId: String { instance.instanceId }

    /// Calls an activity and waits for its result. On replay, the result comes from history and
    /// the activity does not run again.
    ///
    /// - Throws: ``ActivityFailure`` if the activity threw.
    @discardableResult
    public func call<A: Activity>(_ activity: A.Type, _ input: A.Input) async throws -> A.Output {
        let payload = try Payload(encoding: input)
        let result = try await instance.issue({ _ in .activity(name: A.name, input: payload) }, operation: "call(\(A.name))")
        return try result.decode(A.Output.self)
    }

    /// Starts another orchestration as a child instance and waits for its output.
    ///
    /// - Parameter instanceId: The child's id; by default derived from this instance's id, so it is
    ///   the same on replay.
    /// - Throws: ``SubOrchestrationFailure`` if the child failed.
    @discardableResult
    public func callSubOrchestration<O: Orchestration>(
        _ orchestration: O.Type, _ input: O.Input, instanceId: String? = nil
    ) async throws -> O.Output {
        let payload = try Payload(encoding: input)
        let parentId = self.instanceId
        let result = try await instance.issue(
            { sequence in
                .subOrchestration(name: O.name, instanceId: instanceId ?? "\(parentId):\(sequence)", input: payload)
            }, operation: "callSubOrchestration(\(O.name))")
        return try result.decode(O.Output.self)
    }

    /// The current time, from history: the timestamp of the event being processed. It stands still
    /// between events and is identical on replay. Use it instead of `Date()`.
    public var now: Date {
        instance.withIsolation(operation: "now") { $0.currentTime } ?? Date()
    }

    /// A new UUID that is the same on every replay. Use it instead of `UUID()`.
    public func newUUID() -> UUID {
        instance.withIsolation(operation: "newUUID()") { $0.newUUID() } ?? UUID()
    }

    /// Whether the code is re-running steps history already holds. Use it to keep logs from repeating.
    public var isReplaying: Bool {
        instance.withIsolation(operation: "isReplaying") { $0.isReplaying } ?? false
    }

    /// Publishes a value that clients see in ``InstanceStatus/customStatus`` while the instance runs.
    ///
    /// A value that cannot be encoded fails the instance with ``DurableError/encodingFailed(type:reason:)``.
    public func setCustomStatus(_ value: some Codable & Sendable) {
        do {
            let payload = try Payload(encoding: value)
            _ = instance.withIsolation(operation: "setCustomStatus") { $0.setCustomStatus(payload) }
        } catch {
            instance.executor.post(.fail(FailureDetails(error)))
        }
    }
}
