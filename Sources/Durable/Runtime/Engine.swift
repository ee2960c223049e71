import Foundation
import Synchronization

/// The live host of every instance: the instance table, the store, the worker pool.
///
/// Client calls come in here; instances call back (on their own executors) to record events and
/// dispatch commands. Everything it holds is behind one mutex, taken briefly and never across an `await`.
final class Engine: InstanceHost {
    let registry: Registry
    let store: any HistoryStore
    private let pool: ActivityWorkerPool
    private let table = Mutex(Table())
    private let nextWaiterID = Atomic<Int>(0)

    private struct Table {
        var instances: [String: InstanceRecord] = [:]
        var isShutDown = false
    }

    private struct InstanceRecord {
        var status: InstanceStatus
        /// The running instance; `nil` once it finished.
        var live: OrchestrationInstance?
        var waiters: [Int: UnsafeContinuation<InstanceStatus, any Error>] = [:]
    }

    init(registry: Registry, store: any HistoryStore, configuration: DurableRuntime.Configuration) {
        self.registry = registry
        self.store = store
        self.pool = ActivityWorkerPool(registry: registry, limit: max(1, configuration.maxConcurrentActivities))
    }

    func now() -> Date { Date() }

    // MARK: Starting and recovering instances

    /// Starts a new instance; returns once its ExecutionStarted event is durable.
    func start(orchestration name: String, input: Payload, instanceId: String?) async throws -> String {
        let entry = try registry.orchestration(named: name)
        try entry.validateInput(input)
        let id = instanceId ?? UUID().uuidString.lowercased()
        let position = try launch(
            id, entry, HistoryEvent(.executionStarted(name: name, input: input, parent: nil), at: now()))
        try await store.waitUntilDurable(position)
        return id
    }

    /// Registers, records and starts a fresh instance whose history is just `started`.
    private func launch(_ id: String, _ entry: OrchestrationEntry, _ started: HistoryEvent) throws -> JournalPosition {
        guard case .executionStarted(_, let input, _) = started.kind,
            let status = InstanceStatus(instanceId: id, events: [started])
        else { throw DurableError.invalidInput(orchestration: entry.name, reason: "no ExecutionStarted event") }
        let instance = OrchestrationInstance(
            instanceId: id, orchestration: entry, input: input, history: [started], host: self)
        try table.withLock { table in
            guard !table.isShutDown else { throw DurableError.runtimeShutDown }
            if let existing = table.instances[id] {
                throw DurableError.instanceAlreadyExists(id, status: existing.status.runtimeStatus)
            }
            table.instances[id] = InstanceRecord(status: status, live: instance)
        }
        let position: JournalPosition
        do {
            position = try store.append(started, to: id)
        } catch {
            _ = table.withLock { $0.instances.removeValue(forKey: id) }
            throw error
        }
        instance.start()
        return position
    }

    /// Loads every history in the store and resumes the instances that had not finished.
    func recover() throws {
        for (id, history) in try store.allHistories() {
            guard let status = InstanceStatus(instanceId: id, events: history) else { continue }
            var record = InstanceRecord(status: status)
            if !status.runtimeStatus.isFinished, let entry = registry.orchestrations[status.name] {
                record.live = OrchestrationInstance(
                    instanceId: id, orchestration: entry, input: status.input, history: history, host: self)
            }
            table.withLock { $0.instances[id] = record }
        }
        let live = table.withLock { $0.instances.values.compactMap(\.live) }
        for instance in live { instance.start() }
    }

    // MARK: Queries

    func status(of id: String) throws -> InstanceStatus {
        guard let status = table.withLock({ $0.instances[id]?.status }) else { throw DurableError.unknownInstance(id) }
        return status
    }

    func history(of id: String) throws -> [HistoryEvent] {
        guard let history = try store.history(of: id) else { throw DurableError.unknownInstance(id) }
        return history
    }

    /// Suspends until the instance has finished and returns its final status.
    func waitUntilFinished(_ id: String) async throws -> InstanceStatus {
        let waiterID = nextWaiterID.add(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let immediate = table.withLock { table -> Result<InstanceStatus, any Error>? in
                    guard let record = table.instances[id] else { return .failure(DurableError.unknownInstance(id)) }
                    if record.status.runtimeStatus.isFinished { return .success(record.status) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    table.instances[id]?.waiters[waiterID] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            table.withLock { $0.instances[id]?.waiters.removeValue(forKey: waiterID) }?
                .resume(throwing: CancellationError())
        }
    }

    // MARK: InstanceHost

    func record(_ event: HistoryEvent, for instance: OrchestrationInstance) {
        do {
            _ = try store.append(event, to: instance.instanceId)
        } catch {
            instance.executor.post(.fail(FailureDetails(error)))
        }
        table.withLock { $0.instances[instance.instanceId]?.status.apply(event) }
    }

    func issued(_ command: Command, sequence: Int, from instance: OrchestrationInstance) {}

    func dispatch(_ command: Command, sequence: Int, from instance: OrchestrationInstance) {
        switch command {
        case .activity(let name, let input):
            pool.submit(ActivityWorkItem(instance: instance, sequence: sequence, name: name, input: input, attempt: 1))
        case .subOrchestration(let name, let childId, let input):
            let parent = ParentInstance(instanceId: instance.instanceId, sequence: sequence)
            do {
                let entry = try registry.orchestration(named: name)
                try entry.validateInput(input)
                if let existing = table.withLock({ $0.instances[childId]?.status }), existing.parent == parent {
                    // Created before a restart: it reports back when it ends, or has ended already.
                    if existing.runtimeStatus.isFinished { reportToParent(existing) }
                    return
                }
                _ = try launch(childId, entry, HistoryEvent(.executionStarted(name: name, input: input, parent: parent), at: now()))
            } catch {
                instance.executor.post(.deliver(.subOrchestrationFailed(sequence: sequence, failure: FailureDetails(error))))
            }
        }
    }

    func instanceFinished(_ instance: OrchestrationInstance, outcome: InstanceOutcome) {
        let (status, waiters) = table.withLock { table -> (InstanceStatus?, [UnsafeContinuation<InstanceStatus, any Error>]) in
            guard var record = table.instances[instance.instanceId] else { return (nil, []) }
            switch outcome {
            case .completed(let output):
                record.status.output = output
                record.status.runtimeStatus = .completed
            case .failed(let failure):
                record.status.failure = failure
                record.status.runtimeStatus = .failed
            }
            let waiters = Array(record.waiters.values)
            record.waiters = [:]
            record.live = nil
            table.instances[instance.instanceId] = record
            return (record.status, waiters)
        }
        guard let status else { return }
        for waiter in waiters { waiter.resume(returning: status) }
        reportToParent(status)
    }

    private func reportToParent(_ child: InstanceStatus) {
        guard let parent = child.parent,
            let live = table.withLock({ $0.instances[parent.instanceId]?.live })
        else { return }
        switch child.runtimeStatus {
        case .completed:
            live.executor.post(.deliver(.subOrchestrationCompleted(sequence: parent.sequence, result: child.output ?? .empty)))
        default:
            let failure = child.failure ?? FailureDetails(errorType: "Durable.RuntimeStatus", message: "\(child.runtimeStatus)")
            live.executor.post(.deliver(.subOrchestrationFailed(sequence: parent.sequence, failure: failure)))
        }
    }

    // MARK: Shutdown

    func shutdown() {
        let (live, waiters) = table.withLock { table in
            table.isShutDown = true
            var waiters: [UnsafeContinuation<InstanceStatus, any Error>] = []
            for id in table.instances.keys {
                waiters += table.instances[id]?.waiters.values ?? [:].values
                table.instances[id]?.waiters = [:]
            }
            return (table.instances.values.compactMap(\.live), waiters)
        }
        pool.shutdown()
        for instance in live { instance.executor.post(.stop) }
        for waiter in waiters { waiter.resume(throwing: DurableError.runtimeShutDown) }
    }
}
