/// Every instance the runtime knows, with whoever waits for a change in one of them.
struct InstanceTable {
    var records: [String: InstanceRecord] = [:]
    var isShutDown = false
    /// Housekeeping tasks (retention), cancelled at shutdown.
    var background: [Task<Void, Never>] = []
    private var nextWaiterID = 0

    /// Applies `change` to the instance's status and returns the waiters it satisfies.
    mutating func update(_ id: String, _ change: (inout InstanceStatus) -> Void) -> [StatusWaiter] {
        guard records[id] != nil else { return [] }
        // Mutated in place: most updates (every recorded step) only move `lastUpdatedAt`.
        change(&records[id]!.status)
        guard let record = records[id], !record.waiters.isEmpty else { return [] }
        var satisfied: [StatusWaiter] = []
        records[id]!.waiters.removeAll { waiter in
            guard waiter.isSatisfied(by: record.status) else { return false }
            satisfied.append(waiter.with(record.status))
            return true
        }
        return satisfied
    }

    /// Forgets the instance's live actor once it ended.
    mutating func retire(_ instance: OrchestrationInstance) {
        if records[instance.instanceId]?.live === instance {
            records[instance.instanceId]?.live = nil
        }
    }

    /// Adds a waiter unless the status already satisfies it; returns its id, or the status to answer with now.
    mutating func addWaiter(
        _ id: String, until condition: StatusWaiter.Condition, _ continuation: UnsafeContinuation<InstanceStatus, any Error>
    ) -> Result<Int, any Error>? {
        guard let record = records[id] else { return .failure(DurableError.unknownInstance(id)) }
        if condition.isSatisfied(by: record.status) {
            continuation.resume(returning: record.status)
            return nil
        }
        if isShutDown { return .failure(DurableError.runtimeShutDown) }
        nextWaiterID += 1
        records[id]?.waiters.append(StatusWaiter(id: nextWaiterID, condition: condition, continuation: continuation))
        return .success(nextWaiterID)
    }

    mutating func removeWaiter(_ waiterID: Int, of id: String) -> StatusWaiter? {
        guard let index = records[id]?.waiters.firstIndex(where: { $0.id == waiterID }) else { return nil }
        return records[id]?.waiters.remove(at: index)
    }

    mutating func removeAllWaiters() -> [StatusWaiter] {
        var all: [StatusWaiter] = []
        for id in records.keys {
            all += records[id]?.waiters ?? []
            records[id]?.waiters = []
        }
        return all
    }
}

/// One instance in the table.
struct InstanceRecord {
    var status: InstanceStatus
    /// The running instance; `nil` once it finished (or if its orchestration is not registered).
    var live: OrchestrationInstance?
    var waiters: [StatusWaiter] = []

    init(status: InstanceStatus, live: OrchestrationInstance? = nil) {
        self.status = status
        self.live = live
    }
}

/// A client waiting for an instance to reach a status.
struct StatusWaiter {
    enum Condition {
        case finished
        case started

        func isSatisfied(by status: InstanceStatus) -> Bool {
            switch self {
            case .finished: status.runtimeStatus.isFinished
            case .started: status.runtimeStatus != .pending
            }
        }
    }

    let id: Int
    let condition: Condition
    let continuation: UnsafeContinuation<InstanceStatus, any Error>
    private(set) var answer: InstanceStatus?

    init(id: Int, condition: Condition, continuation: UnsafeContinuation<InstanceStatus, any Error>) {
        self.id = id
        self.condition = condition
        self.continuation = continuation
    }

    func isSatisfied(by status: InstanceStatus) -> Bool { condition.isSatisfied(by: status) }

    func with(_ status: InstanceStatus) -> StatusWaiter {
        var copy = self
        copy.answer = status
        return copy
    }

    /// Resumes satisfied waiters, outside any lock.
    static func resume(_ waiters: [StatusWaiter]) {
        for waiter in waiters {
            if let answer = waiter.answer { waiter.continuation.resume(returning: answer) }
        }
    }
}
