/// One step of work with side effects: a call to a database, an HTTP API, a payment provider.
///
/// Activities are registered as values, so they can carry their dependencies. They run at least
/// once, on the runtime's worker pool; make them idempotent where a repeat would hurt.
///
/// ```swift
/// struct GetShoppingCart: Activity {
///     let carts: ShoppingCartClient
///     func run(_ cartId: String, context: ActivityContext) async throws -> Cart {
///         try await carts.cart(id: cartId)
///     }
/// }
/// ```
public protocol Activity: Sendable {
    /// What the orchestration passes to `call`.
    associatedtype Input: Codable & Sendable
    /// What the activity returns.
    associatedtype Output: Codable & Sendable

    /// The name history records; defaults to the type's name.
    static var name: String { get }

    /// The work.
    func run(_ input: Input, context: ActivityContext) async throws -> Output
}

extension Activity {
    public static var name: String { TypeName.of(Self.self) }
}

/// What an activity knows about the call that started it.
public struct ActivityContext: Sendable {
    /// The orchestration instance that called the activity.
    public let instanceId: String
    /// The activity's registered name.
    public let activityName: String
    /// Which attempt this is: 1 for the first call, higher on retries.
    public let attempt: Int
    /// Which call this is: the same when this attempt runs again after a crash (activities run at
    /// least once), different for each attempt. Pass ``ActivityCallID/idempotencyKey`` to the
    /// services the activity calls, so a repeat is recognised there.
    public let callId: ActivityCallID
    /// The runtime's client, for an activity that starts instances, raises events (a webhook stand-in)
    /// or asks for a status — as a Durable Functions activity binds a client.
    ///
    /// ```swift
    /// struct PaymentProviderStub: Activity {
    ///     func run(_ order: String, context: ActivityContext) async throws {
    ///         try await context.client.raiseEvent(context.instanceId, name: "payment-accepted", payload: order)
    ///     }
    /// }
    /// ```
    public let client: DurableClient

    /// Whether the runtime is shutting down and wants the activity to stop early.
    public var isCancelled: Bool { Task.isCancelled }

    /// Throws `CancellationError` if the runtime is shutting down.
    public func checkCancellation() throws {
        try Task.checkCancellation()
    }
}

/// Names one activity call: the instance, the execution (one run of the instance, see
/// ``InstanceStatus/executionId``) and the call's sequence number in that execution's history.
public struct ActivityCallID: Sendable, Hashable, CustomStringConvertible {
    /// The instance that called the activity.
    public let instanceId: String
    /// The execution of the instance that made the call; empty for histories recorded before
    /// executions had ids.
    public let executionId: String
    /// The call's sequence number in the execution's history.
    public let sequence: Int

    /// `instanceId/executionId/sequence`: stable across repeats of this call, unique to it.
    public var idempotencyKey: String { "\(instanceId)/\(executionId)/\(sequence)" }

    public var description: String { idempotencyKey }
}
