/// A workflow written as plain `async` Swift code, made durable by replay.
///
/// The code must be deterministic: it may only take time, randomness and outside data through its
/// ``OrchestrationContext``. Fan out with `async let` or task groups; they run on the instance's
/// deterministic executor.
///
/// ```swift
/// struct PlaceOrder: Orchestration {
///     func run(_ order: Order, context: OrchestrationContext) async throws -> String {
///         try await context.call(CheckAndReserveInventory.self, order)
///         try await context.call(ProcessPayment.self, order)
///         return try await context.call(ScheduleShipping.self, order)
///     }
/// }
/// ```
public protocol Orchestration: Sendable {
    /// What a client passes to `start`.
    associatedtype Input: Codable & Sendable
    /// What the orchestration returns.
    associatedtype Output: Codable & Sendable

    /// The name history records; defaults to the type's name. Changing it orphans running instances.
    static var name: String { get }

    /// This type's version of the orchestration named ``name``; empty (the default) for an
    /// unversioned one. Several types with one name and different versions can be registered:
    /// new instances start on the latest (see Docs/Versioning.md), and every instance runs the
    /// version it started with until it ends.
    static var version: String { get }

    /// Orchestrations are created afresh for every run and every replay, so they carry no state.
    init()

    /// The workflow.
    func run(_ input: Input, context: OrchestrationContext) async throws -> Output
}

extension Orchestration {
    public static var name: String { TypeName.of(Self.self) }

    /// Unversioned.
    public static var version: String { "" }
}
