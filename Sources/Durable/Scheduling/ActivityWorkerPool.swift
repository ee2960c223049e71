/// One activity call waiting for a worker.
struct ActivityWorkItem: Sendable {
    let instance: OrchestrationInstance
    let sequence: Int
    let name: String
    let input: Payload
    let attempt: Int
}

/// Runs activities in a task group, at most `limit` at a time, and mails each result back to its instance.
final class ActivityWorkerPool: Sendable {
    private let queue: AsyncStream<ActivityWorkItem>.Continuation
    private let runner: Task<Void, Never>

    init(registry: Registry, limit: Int) {
        let (stream, queue) = AsyncStream.makeStream(of: ActivityWorkItem.self)
        self.queue = queue
        self.runner = Task {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await item in stream {
                    if running >= limit {
                        await group.next()
                        running -= 1
                    }
                    group.addTask { await Self.execute(item, registry: registry) }
                    running += 1
                }
                group.cancelAll()
            }
        }
    }

    /// Queues an activity call.
    func submit(_ item: ActivityWorkItem) {
        queue.yield(item)
    }

    /// Stops taking work and cancels running activities.
    func shutdown() {
        queue.finish()
        runner.cancel()
    }

    private static func execute(_ item: ActivityWorkItem, registry: Registry) async {
        let outcome: HistoryEvent.Kind
        do {
            let activity = try registry.activity(named: item.name)
            let context = ActivityContext(
                instanceId: item.instance.instanceId, activityName: item.name, attempt: item.attempt)
            outcome = .taskCompleted(sequence: item.sequence, result: try await activity.run(item.input, context))
        } catch {
            outcome = .taskFailed(sequence: item.sequence, failure: FailureDetails(error))
        }
        item.instance.host.report(outcome, to: item.instance)
    }
}
