/// Where instance histories live. The runtime appends; on startup it reads everything back and
/// resumes whatever had not finished.
///
/// The shape fits an append-only log with group commit: `append` only queues the event (in order,
/// per instance) and returns a ``JournalPosition``; callers that must not acknowledge before the
/// event is on disk await ``waitUntilDurable(_:)``. Orchestration steps do not wait, so many
/// appends share one write and one sync.
public protocol HistoryStore: Sendable {
    /// Queues `event` at the end of the instance's history and returns its position.
    func append(_ event: HistoryEvent, to instanceId: String) throws -> JournalPosition

    /// Replaces the instance's whole history with `events` (continue-as-new, reuse of a finished id).
    func replaceHistory(of instanceId: String, with events: [HistoryEvent]) throws -> JournalPosition

    /// Returns once everything appended up to `position` is durable.
    func waitUntilDurable(_ position: JournalPosition) async throws

    /// Whether everything appended up to `position` is durable already.
    func isDurable(_ position: JournalPosition) -> Bool

    /// Calls `body` once everything appended up to `position` is durable, or with the error that prevents it.
    func whenDurable(_ position: JournalPosition, _ body: @escaping @Sendable (Result<Void, any Error>) -> Void)

    /// Whether each orchestration step must be durable before the next is dispatched (strict durability).
    var dispatchWaitsForDurability: Bool { get }

    /// Finishes pending writes and releases resources; called when the runtime shuts down.
    func close()

    /// The history of one instance, or `nil` if the store has none.
    func history(of instanceId: String) throws -> [HistoryEvent]?

    /// Every instance's history, for recovery on startup.
    func allHistories() throws -> [String: [HistoryEvent]]

    /// Queues the deletion of an instance's history and returns its position: a caller that must
    /// not acknowledge the deletion before it survives a crash awaits ``waitUntilDurable(_:)``.
    func removeHistory(of instanceId: String) throws -> JournalPosition

    /// Whether the store keeps a recovery marker across restarts (see ``replaceRecoveryMarker(_:)``);
    /// `false` by default. Only with one can the runtime quarantine an instance whose code crashes
    /// the process every time it is recovered.
    var keepsRecoveryMarker: Bool { get }

    /// The bytes last passed to ``replaceRecoveryMarker(_:)``, or `nil` if there are none.
    /// The runtime reads them once, when it starts; bytes it cannot make sense of count as none.
    func recoveryMarker() throws -> [UInt8]?

    /// Replaces the recovery marker with `bytes`, atomically and durably: after a crash the store
    /// holds either the old bytes or the new ones. The runtime writes a few per start (not one
    /// per instance) while it recovers instances, and one when a quarantined instance is resumed.
    func replaceRecoveryMarker(_ bytes: [UInt8]) throws
}

extension HistoryStore {
    public var dispatchWaitsForDurability: Bool { false }

    public func whenDurable(_ position: JournalPosition, _ body: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        Task {
            do {
                try await waitUntilDurable(position)
                body(.success(()))
            } catch {
                body(.failure(error))
            }
        }
    }

    public func close() {}

    public var keepsRecoveryMarker: Bool { false }

    public func recoveryMarker() throws -> [UInt8]? { nil }

    public func replaceRecoveryMarker(_ bytes: [UInt8]) throws {}
}

/// A point in a store's append order.
public struct JournalPosition: Sendable, Hashable, Comparable {
    /// Monotonic within one store.
    public var offset: UInt64

    /// Creates a position.
    public init(_ offset: UInt64) {
        self.offset = offset
    }

    public static func < (lhs: JournalPosition, rhs: JournalPosition) -> Bool {
        lhs.offset < rhs.offset
    }
}

extension [HistoryEvent] {
    /// A new history with room for a short orchestration's first steps: stores append under one
    /// lock shared by every instance, and regrowing the array from 1 to 2 to 4 there showed up in
    /// profiles. (Not more: a waiting instance would carry the unused room.)
    static var withRoomForAFewSteps: [HistoryEvent] {
        var history: [HistoryEvent] = []
        history.reserveCapacity(4)
        return history
    }
}
