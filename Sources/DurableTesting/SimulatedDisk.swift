import Foundation
import Synchronization

/// What survives a simulated crash: every history as far as it was made durable.
public struct SimulatedDiskContents: Sendable {
    /// The durable histories, by instance id.
    public var histories: [String: [HistoryEvent]]
    /// The recovery marker last written.
    public var marker: [UInt8]?
}

/// The errors a simulated store throws.
enum SimulatedStoreError: Error, CustomStringConvertible {
    case crashed
    case appendFailed(instanceId: String)

    var description: String {
        switch self {
        case .crashed: "the simulated process crashed"
        case .appendFailed(let id): "simulated journal append failure (instance '\(id)')"
        }
    }
}

/// A history store with a durable prefix and a volatile tail, like a journal before its sync.
///
/// Appends change the live view at once and join the tail; a sync (armed as timed work on the
/// loop when someone waits, after a seeded latency) makes the tail durable and wakes the waiters.
/// A crash keeps only the durable part (plus, if the seed says so, part of the tail: a torn
/// write that reached the disk), and every later call is ignored: the process is gone.
final class SimulatedStore: HistoryStore, @unchecked Sendable {
    // @unchecked: touched only on the simulation's loop thread.
    private enum Operation {
        case append(String, HistoryEvent)
        case replace(String, [HistoryEvent])
        case remove(String)
    }

    private var live: [String: [HistoryEvent]]
    private var durable: SimulatedDiskContents
    private var tail: [Operation] = []
    private var appended: UInt64 = 0
    private var synced: UInt64 = 0
    private var waiters: [(UInt64, (Result<Void, any Error>) -> Void)] = []
    private var isSyncArmed = false
    private(set) var isCrashed = false
    private let world: SimulationWorld
    let dispatchWaitsForDurability: Bool

    init(contents: SimulatedDiskContents, world: SimulationWorld, strict: Bool) {
        live = contents.histories
        durable = contents
        self.world = world
        dispatchWaitsForDurability = strict
    }

    /// What a crash now would leave on disk.
    var contents: SimulatedDiskContents { durable }

    /// Every history as the running process sees it, durable or not.
    var liveHistories: [String: [HistoryEvent]] { live }

    // MARK: HistoryStore

    func append(_ event: HistoryEvent, to instanceId: String) throws -> JournalPosition {
        guard !isCrashed else { return JournalPosition(appended) }
        if world.shouldFailAppend(to: instanceId) { throw SimulatedStoreError.appendFailed(instanceId: instanceId) }
        live[instanceId, default: []].append(event)
        world.note("journal \(instanceId) \(event.kind.name)\(event.kind.sequenceText)")
        return record(.append(instanceId, event))
    }

    func replaceHistory(of instanceId: String, with events: [HistoryEvent]) throws -> JournalPosition {
        guard !isCrashed else { return JournalPosition(appended) }
        live[instanceId] = events
        return record(.replace(instanceId, events))
    }

    func removeHistory(of instanceId: String) throws -> JournalPosition {
        guard !isCrashed else { return JournalPosition(appended) }
        live.removeValue(forKey: instanceId)
        return record(.remove(instanceId))
    }

    private func record(_ operation: Operation) -> JournalPosition {
        tail.append(operation)
        appended += 1
        let position = JournalPosition(appended)
        armSync()  // a journal flushes its tail soon whether or not anyone waits
        world.storeOperation(self)  // may crash the process here, after the k-th operation
        return position
    }

    func isDurable(_ position: JournalPosition) -> Bool { !isCrashed && position.offset <= synced }

    func waitUntilDurable(_ position: JournalPosition) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            whenDurable(position) { continuation.resume(with: $0) }
        }
    }

    func whenDurable(_ position: JournalPosition, _ body: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        if isCrashed { return body(.failure(SimulatedStoreError.crashed)) }
        if position.offset <= synced { return body(.success(())) }
        waiters.append((position.offset, body))
        armSync()
    }

    func history(of instanceId: String) throws -> [HistoryEvent]? { live[instanceId] }

    func allHistories() throws -> [String: [HistoryEvent]] { live }

    var keepsRecoveryMarker: Bool { true }

    func recoveryMarker() throws -> [UInt8]? { durable.marker }

    func replaceRecoveryMarker(_ bytes: [UInt8]) throws {
        guard !isCrashed else { return }
        durable.marker = bytes
    }

    // MARK: Syncing and crashing

    private func armSync() {
        guard !isSyncArmed else { return }
        isSyncArmed = true
        world.afterSyncLatency { [self] in
            isSyncArmed = false
            guard !isCrashed else { return }
            sync(upTo: tail.count)
        }
    }

    /// Makes the first `count` operations of the tail durable and wakes whoever waited for them.
    private func sync(upTo count: Int) {
        for operation in tail.prefix(count) {
            switch operation {
            case .append(let id, let event): durable.histories[id, default: []].append(event)
            case .replace(let id, let events): durable.histories[id] = events
            case .remove(let id): durable.histories.removeValue(forKey: id)
            }
        }
        tail.removeFirst(count)
        synced += UInt64(count)
        let due = waiters.filter { $0.0 <= synced }
        waiters.removeAll { $0.0 <= synced }
        for waiter in due { waiter.1(.success(())) }
        if !waiters.isEmpty { armSync() }
    }

    /// The process dies: the first `tornPrefix` operations of the tail reached the disk, the rest
    /// is lost, and whoever waits for durability hears that it never comes.
    func crash(keepingTornPrefix tornPrefix: Int) {
        guard !isCrashed else { return }
        sync(upTo: min(tornPrefix, tail.count))
        isCrashed = true
        tail.removeAll()
        let failed = waiters
        waiters.removeAll()
        for waiter in failed { waiter.1(.failure(SimulatedStoreError.crashed)) }
    }

    /// The operations appended but not yet durable.
    var tailCount: Int { tail.count }
}

extension HistoryEvent.Kind {
    /// " #n" for an event with a sequence number, for the trace.
    var sequenceText: String {
        switch self {
        case .taskScheduled(let sequence, _, _, _), .taskCompleted(let sequence, _), .taskFailed(let sequence, _),
            .subOrchestrationCreated(let sequence, _, _, _), .subOrchestrationCompleted(let sequence, _),
            .subOrchestrationFailed(let sequence, _), .timerCreated(let sequence, _), .timerFired(let sequence, _),
            .eventSent(let sequence, _, _, _, _):
            " #\(sequence)"
        case .eventRaised(let name, _, _): " '\(name)'"
        default: ""
        }
    }
}
