import Foundation

/// What clients do to instances after starting them: events, termination, suspension, purging, queries.
extension Engine {
    func status(of id: String) throws -> InstanceStatus {
        guard let status = table.withLock({ $0.records[id]?.status }) else { throw DurableError.unknownInstance(id) }
        return status
    }

    func history(of id: String) throws -> [HistoryEvent] {
        guard let history = try store.history(of: id) else { throw DurableError.unknownInstance(id) }
        return history
    }

    /// Records an event for the instance and returns once it is durable.
    func raiseEvent(_ id: String, name: String, input: Payload) async throws {
        try payloadLimit.check(input, instanceId: id, step: "event '\(name)'")
        try await deliverDurably(.eventRaised(name: name, input: input), to: id, operation: "raise an event to") { status in
            !status.isFinished
        }
        observers?.emit(.eventRaised(instanceId: id, name: name))
    }

    /// Terminates the instance and, with `includeSubOrchestrations`, its running descendants;
    /// returns once every termination it recorded is durable.
    ///
    /// The parent's `ExecutionTerminated` records that the tree goes too, so a crash that cuts
    /// the descent short (the parent's end durable, a child's not) is finished at recovery
    /// (`terminateTreesCutShort`). A terminated instance is terminated again only for its tree:
    /// then it finishes the descent and returns normally if it terminated any descendant; with
    /// nothing left to terminate it throws `invalidStatus`, as a repeat of any finished instance does.
    func terminate(_ id: String, reason: String?, includeSubOrchestrations: Bool) async throws {
        try checkReason(reason, of: id, operation: "terminate")
        do {
            let terminated = HistoryEvent.Kind.executionTerminated(
                reason: reason, includeSubOrchestrations: includeSubOrchestrations)
            try await deliverDurably(terminated, to: id, operation: "terminate") { !$0.isFinished }
        } catch DurableError.invalidStatus(let instanceId, .terminated, let operation) where includeSubOrchestrations {
            guard await terminateDescendants(of: id, reason: reason) else {
                throw DurableError.invalidStatus(instanceId: instanceId, status: .terminated, operation: operation)
            }
            return
        }
        guard includeSubOrchestrations else { return }
        await terminateDescendants(of: id, reason: reason)
    }

    /// Terminates the running children of `id`'s current execution and theirs, durably; returns
    /// whether it terminated any. Terminated children are descended into too: their own descent
    /// may have been cut short.
    ///
    /// Children are those this execution started (``ParentInstance/executionId``): those of an
    /// earlier execution — before a continue-as-new, or of a reused id — are not its to end.
    /// Links written before executions had ids match a parent execution without one.
    @discardableResult
    private func terminateDescendants(of id: String, reason: String?) async -> Bool {
        guard let execution = table.withLock({ $0.records[id]?.status.executionId }) else { return false }
        let children = walkRecords { record in
            record.status.parent.map { $0.instanceId == id && $0.executionId == execution } == true
                && (!record.status.runtimeStatus.isFinished || record.status.runtimeStatus == .terminated)
                ? record.status.instanceId : nil
        }
        .sorted()
        var terminatedAny = false
        for child in children {
            // A child may finish on its own meanwhile, or have nothing left to terminate: not an error here.
            if (try? await terminate(child, reason: reason, includeSubOrchestrations: true)) != nil { terminatedAny = true }
        }
        return terminatedAny
    }

    func suspend(_ id: String, reason: String?) async throws {
        try checkReason(reason, of: id, operation: "suspend")
        try await deliverDurably(.executionSuspended(reason: reason), to: id, operation: "suspend") { status in
            status == .running || status == .pending
        }
    }

    func resume(_ id: String, reason: String?) async throws {
        try checkReason(reason, of: id, operation: "resume")
        try await deliverDurably(.executionResumed(reason: reason), to: id, operation: "resume") { $0 == .suspended }
    }

    /// A reason is free text a client hands in, recorded like a payload: it is held to the same limit.
    private func checkReason(_ reason: String?, of id: String, operation: String) throws {
        guard let reason else { return }
        try payloadLimit.check(size: reason.utf8.count, instanceId: id, step: "reason of \(operation)")
    }

    /// Records `kind` for the instance's live execution and waits until it is durable.
    ///
    /// An execution that ended closes its mailbox before the table hears of it. A delivery that
    /// finds the mailbox closed waits for the table to catch up — a continue-as-new's execution
    /// takes over, or the end is published — and tries again there: an event raised while an
    /// instance continues as new goes to the new execution, never to an error.
    private func deliverDurably(
        _ kind: HistoryEvent.Kind, to id: String, operation: String, allowed: (RuntimeStatus) -> Bool
    ) async throws {
        while true {
            guard
                let (status, live, storageFailure) = table.withLock({ table in
                    table.records[id].map { ($0.status.runtimeStatus, $0.live, $0.status.storageFailure) }
                })
            else { throw DurableError.unknownInstance(id) }
            if status.hasNoCodeRunning { return try await deliverToUnregistered(kind, to: id, operation: operation) }
            if live == nil, let storageFailure {  // stopped by a failing store: nothing here can record for it
                throw DurableError.storageFailed(instanceId: id, reason: storageFailure)
            }
            guard allowed(status), let live else {
                throw DurableError.invalidStatus(instanceId: id, status: status, operation: operation)
            }
            if let position = try deliver(kind, to: live) {
                return try await store.waitUntilDurable(position)
            }
            await withCheckedContinuation { waiter in table.withLock { $0.waitForHandoff(from: live, waiter) } }
            if table.withLock({ $0.isShutDown }) { throw DurableError.runtimeShutDown }
        }
    }

    /// Deletes a finished (or `notRegistered`) instance's history and forgets it; returns once the
    /// deletion is durable, so a crash after it cannot bring the instance back.
    func purge(_ id: String) async throws {
        try await store.waitUntilDurable(try forget(id))
    }

    /// Forgets a finished (or `notRegistered`) instance and queues the deletion of its history;
    /// returns where it was queued.
    private func forget(_ id: String) throws -> JournalPosition {
        try table.withLock { table in
            guard let record = table.records[id] else { throw DurableError.unknownInstance(id) }
            guard record.mayBePurged else {
                throw DurableError.invalidStatus(instanceId: id, status: record.status.runtimeStatus, operation: "purge")
            }
            table.remove(id)
        }
        deliverPendingSends(of: id)  // the removal takes the sends' records along
        return try store.removeHistory(of: id)
    }

    /// Purges finished instances older than `retention`, checking a few times per retention period.
    func startRetention(_ retention: Duration) {
        let interval = max(retention / 4, .seconds(1))
        let clock = timers.clock
        let sweeper = Task { [self] in  // cancelled at shutdown
            while !Task.isCancelled {
                do {
                    try await clock.sleep(until: clock.now.addingTimeInterval(interval.timeInterval))
                } catch {
                    return
                }
                purgeFinished(olderThan: retention)
            }
        }
        table.withLock { $0.background.append(sweeper) }
    }

    func purgeFinished(olderThan retention: Duration) {
        let cutoff = now().addingTimeInterval(-retention.timeInterval)
        let expired = walkRecords { record in
            record.status.runtimeStatus.isFinished && record.status.lastUpdatedAt <= cutoff ? record.status.instanceId : nil
        }
        // Nobody waits for these: one that a crash brings back is expired still, and purged again.
        for id in expired { _ = try? forget(id) }
    }

    /// One page of the instances matching `query`, ordered by instance id.
    ///
    /// Every start and status read waits for the table's lock, so this walks the records in
    /// pieces (``walkRecords(_:)``), keeping only the matching ids, chooses the page outside the
    /// lock, and copies just its statuses. A list used to copy every status under the lock: with
    /// 100,000 instances a dashboard refreshing it stalled the whole runtime for 200–350 ms.
    func list(_ query: InstanceQuery) -> InstancePage {
        let pageSize = max(1, query.pageSize)
        let matching = walkRecords { record in query.matches(record.status) ? record.status.instanceId : nil }
        let page = Self.smallestIds(pageSize, of: matching)
        // One that changed meanwhile so that it no longer matches (it finished, was purged) is
        // left out; the token still points past it.
        let statuses = table.withLock { table in
            page.compactMap { id in table.records[id].flatMap { query.matches($0.status) ? $0.status : nil } }
        }
        return InstancePage(instances: statuses, continuationToken: matching.count > pageSize ? page.last : nil)
    }

    /// The `count` smallest distinct ids, in order: one pass keeping a sorted page, so a page of
    /// 100 out of 100,000 costs about one comparison per id, not a full sort. (A walk can see an
    /// id twice: one removed and added again meanwhile.)
    static func smallestIds(_ count: Int, of ids: [String]) -> [String] {
        // A large page sorts: each insertion moves up to `count` ids.
        if count > 256 || ids.count <= count { return Array(Set(ids).sorted().prefix(count)) }
        var page: [String] = []
        page.reserveCapacity(count + 1)
        for id in ids {
            if page.count == count, let last = page.last, id >= last { continue }
            var low = 0
            var high = page.count
            while low < high {
                let middle = (low + high) / 2
                if page[middle] < id { low = middle + 1 } else { high = middle }
            }
            if low < page.count, page[low] == id { continue }
            page.insert(id, at: low)
            if page.count > count { page.removeLast() }
        }
        return page
    }

    /// Suspends until the instance's status satisfies `condition`, and returns that status.
    func wait(for id: String, until condition: StatusWaiter.Condition) async throws -> InstanceStatus {
        // A client collecting results mostly finds them there already: answered without a ticket,
        // a cancellation handler or a continuation.
        if let status = table.withLock({ $0.records[id].map(\.status) }), condition.isSatisfied(by: status) {
            return status
        }
        let waiterID = WaitTicket()
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let outcome = table.withLock { table -> Result<Int, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    return table.addWaiter(id, until: condition, continuation)
                }
                switch outcome {
                case .success(let id): waiterID.id = id
                case .failure(let error): continuation.resume(throwing: error)
                case nil: break
                }
            }
        } onCancel: {
            table.withLock { $0.removeWaiter(waiterID.id, of: id) }?.continuation.resume(throwing: CancellationError())
        }
    }
}

/// Whether `start` may reuse the id of an instance that exists already.
public enum InstanceIDReuse: Sendable, Hashable {
    /// Any existing instance with the id is an error.
    case never
    /// A finished instance with the id is purged and replaced; a running one is still an error.
    case replaceFinished
}

/// Which instances ``DurableClient/list(_:)`` returns.
public struct InstanceQuery: Sendable, Hashable {
    /// Only instances in one of these statuses; all when `nil`.
    public var statuses: Set<RuntimeStatus>?
    /// Only instances created at or after this time.
    public var createdFrom: Date?
    /// Only instances created before this time.
    public var createdBefore: Date?
    /// Only instances whose id starts with this.
    public var instanceIdPrefix: String?
    /// At most this many instances per page.
    public var pageSize: Int
    /// Where the previous page ended; `nil` for the first page.
    public var continuationToken: String?

    /// Creates a query; with no arguments it matches every instance, 100 per page.
    public init(
        statuses: Set<RuntimeStatus>? = nil, createdFrom: Date? = nil, createdBefore: Date? = nil,
        instanceIdPrefix: String? = nil, pageSize: Int = 100, continuationToken: String? = nil
    ) {
        self.statuses = statuses
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
        self.instanceIdPrefix = instanceIdPrefix
        self.pageSize = pageSize
        self.continuationToken = continuationToken
    }

    /// Whether the status matches; it reads the few fields it needs, so a caller can pass a
    /// record's status in place without copying it.
    func matches(_ status: borrowing InstanceStatus) -> Bool {
        if let statuses, !statuses.contains(status.runtimeStatus) { return false }
        if let createdFrom, status.createdAt < createdFrom { return false }
        if let createdBefore, status.createdAt >= createdBefore { return false }
        if let instanceIdPrefix, !status.instanceId.hasPrefix(instanceIdPrefix) { return false }
        if let continuationToken, status.instanceId <= continuationToken { return false }
        return true
    }
}

/// One page of a ``DurableClient/list(_:)`` answer.
public struct InstancePage: Sendable, Hashable {
    /// The instances, ordered by id.
    public var instances: [InstanceStatus]
    /// Pass this as the next query's `continuationToken` to get the next page; `nil` on the last page.
    public var continuationToken: String?
}
