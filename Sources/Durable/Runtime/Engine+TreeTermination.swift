import Foundation

/// Finishing, at recovery, a `terminate(includeSubOrchestrations: true)` that a crash cut short.
///
/// The parent's `ExecutionTerminated` records that its tree goes too (kind 20 on disk) and is
/// durable before any child's termination is recorded. A crash in between leaves children
/// running; recovery finds the parent's intent in its history and terminates, durably and before
/// anything resumes, every unfinished descendant that execution started.
extension Engine {
    /// Records the terminations of the descendants a cut-short tree termination left running,
    /// in `histories` and in the store; returns where the last was recorded, `nil` if none was.
    func terminateTreesCutShort(in histories: inout [String: [HistoryEvent]]) throws -> JournalPosition? {
        let left = Self.descendantsLeftRunning(in: histories)
        guard !left.isEmpty else { return nil }
        let now = now()
        var last: JournalPosition?
        for (id, reason) in left {
            let event = HistoryEvent(.executionTerminated(reason: reason, includeSubOrchestrations: true), at: now)
            last = try store.append(event, to: id)
            histories[id]?.append(event)
        }
        log(
            "Recovery terminated \(left.count) sub-orchestration(s) a crash left running after their parent's "
                + "termination: \(left.map(\.id).joined(separator: ", "))")
        return last
    }

    /// The unfinished descendants of every execution whose history ends terminated with its tree,
    /// each with the reason to record; children are matched by the execution that started them
    /// (``ParentInstance/executionId``), so a reused id's or a continued execution's are left alone.
    static func descendantsLeftRunning(in histories: [String: [HistoryEvent]]) -> [(id: String, reason: String?)] {
        // Most recoveries have none: found without building anything.
        var roots: [(parent: ExecutionKey, reason: String?)] = []
        for (id, history) in histories {
            guard case .executionTerminated(let reason, true) = history.last?.kind, let execution = history.executionId
            else { continue }
            roots.append((ExecutionKey(instanceId: id, executionId: execution), reason))
        }
        guard !roots.isEmpty else { return [] }
        var children: [ExecutionKey: [String]] = [:]
        for (id, history) in histories {
            guard let first = history.first, case .executionStarted(_, _, let parent?, _, _, _) = first.kind else { continue }
            children[ExecutionKey(instanceId: parent.instanceId, executionId: parent.executionId), default: []].append(id)
        }
        var left: [(id: String, reason: String?)] = []
        var visited = Set(roots.map(\.parent.instanceId))  // a damaged history naming its own ancestor cannot loop
        var queue = roots.sorted { $0.parent.instanceId < $1.parent.instanceId }  // breadth first
        var index = 0
        while index < queue.count {
            let next = queue[index]
            index += 1
            for child in (children[next.parent] ?? []).sorted() where visited.insert(child).inserted {
                guard let history = histories[child], let execution = history.executionId, !history.hasEnded else { continue }
                left.append((child, next.reason))
                queue.append((ExecutionKey(instanceId: child, executionId: execution), next.reason))
            }
        }
        return left
    }

    struct ExecutionKey: Hashable {
        var instanceId: String
        var executionId: String
    }
}

extension [HistoryEvent] {
    /// The execution id its `ExecutionStarted` names; `nil` if it does not start with one.
    fileprivate var executionId: String? {
        guard case .executionStarted(_, _, _, _, let executionId, _) = first?.kind else { return nil }
        return executionId
    }

    /// Whether the execution ended: completed, failed or terminated.
    fileprivate var hasEnded: Bool {
        switch last?.kind {
        case .executionCompleted, .executionFailed, .executionTerminated: true
        default: false
        }
    }
}
