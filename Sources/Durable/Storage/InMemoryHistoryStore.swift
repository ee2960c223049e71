import Synchronization

/// Keeps histories in memory: fast, and gone when the process ends. Every append is "durable" at once.
///
/// Hand the same store to a second runtime to see it resume the first one's unfinished instances,
/// or seed it with histories to replay them.
public final class InMemoryHistoryStore: HistoryStore {
    private struct State {
        var histories: [String: [HistoryEvent]]
        var appended: UInt64 = 0
    }

    private let state: Lock<State>

    /// Creates a store, optionally holding histories already.
    public init(histories: [String: [HistoryEvent]] = [:]) {
        state = Lock(State(histories: histories))
    }

    public func append(_ event: HistoryEvent, to instanceId: String) -> JournalPosition {
        state.withLock { state in
            state.histories[instanceId, default: .withRoomForAFewSteps].append(event)
            state.appended += 1
            return JournalPosition(state.appended)
        }
    }

    public func replaceHistory(of instanceId: String, with events: [HistoryEvent]) -> JournalPosition {
        state.withLock { state in
            state.histories[instanceId] = events
            state.appended += UInt64(events.count)
            return JournalPosition(state.appended)
        }
    }

    public func waitUntilDurable(_ position: JournalPosition) async {}

    public func isDurable(_ position: JournalPosition) -> Bool { true }

    public func history(of instanceId: String) -> [HistoryEvent]? {
        state.withLock { $0.histories[instanceId] }
    }

    public func allHistories() -> [String: [HistoryEvent]] {
        state.withLock { $0.histories }
    }

    public func removeHistory(of instanceId: String) -> JournalPosition {
        state.withLock { state in
            state.histories.removeValue(forKey: instanceId)
            state.appended += 1
            return JournalPosition(state.appended)
        }
    }
}
