import Foundation

/// Loading the store's histories when a runtime starts.
extension Engine {
    /// Loads every history in the store and resumes the instances that had not finished.
    func recover() throws {
        var resumed: [(OrchestrationInstance, InstanceStatus)] = []
        for (id, history) in try store.allHistories() {
            guard let status = InstanceStatus(instanceId: id, events: history) else { continue }
            let entry = status.runtimeStatus.isFinished ? nil : registry.orchestrations[status.name]
            // Its code ran before, unless its scheduled start has not come yet.
            let replaying = status.scheduledStart.map { $0 <= now() } ?? true
            let instance = entry.map {
                OrchestrationInstance(
                    instanceId: id, orchestration: $0, input: status.input, history: history, replaying: replaying, host: self)
            }
            if let instance { resumed.append((instance, status)) }
            table.withLock { $0.records[id] = InstanceRecord(status: status, live: instance) }
        }
        for (instance, status) in resumed { run(instance, status: status) }
    }
}
