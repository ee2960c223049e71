/// Limits that stop runaway work before it takes the process down.
extension Engine {
    /// Throws ``DurableError/subOrchestrationTooDeep(parentId:name:depth:limit:)`` if a child of
    /// `parentId` would be nested deeper than ``DurableRuntime/Configuration/maxSubOrchestrationDepth``.
    ///
    /// The depth is the length of the parent chain, each link read from the `parent` an
    /// instance's ExecutionStarted recorded (as the table holds it), never from how many instances
    /// run. The verdict is recorded in the parent's history (SubOrchestrationFailed, or the child's
    /// start), so a replay reads it back instead of deciding again. The walk stops at the limit,
    /// so a cycle of reused explicit ids cannot make it loop.
    func checkDepth(ofChildOf parentId: String, name: String) throws(DurableError) {
        let limit = maxSubOrchestrationDepth
        let parentDepth = table.withLock { table in
            var depth = 0
            var current = parentId
            while depth < limit, let link = table.records[current]?.status.parent {
                depth += 1
                current = link.instanceId
            }
            return depth
        }
        guard parentDepth < limit else {
            throw .subOrchestrationTooDeep(parentId: parentId, name: name, depth: parentDepth + 1, limit: limit)
        }
    }
}
