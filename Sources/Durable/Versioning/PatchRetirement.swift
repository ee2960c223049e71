extension DurableRuntime {
    /// The unfinished instances whose history took the old branch of patch `changeId`, so that
    /// retiring the patch (``OrchestrationContext/deprecatePatch(_:)``) would break them: empty
    /// when retiring it is safe.
    ///
    /// Replays each unfinished instance's history through the registered code, running nothing,
    /// and reports those where `patched(changeId)` answered `false` (or a `deprecatePatch` found
    /// no marker). An instance whose code has not reached the patch yet takes the new branch when
    /// it does, so it is not reported. Run it with the build that still has the patch.
    ///
    /// - Throws: ``DurableError/unknownOrchestration(_:)`` for an unfinished instance whose
    ///   orchestration is not registered: its code cannot be checked.
    public func instancesNeedingOldBranch(of changeId: String) async throws -> [String] {
        var needing: [String] = []
        for (instanceId, history) in try engine.store.allHistories().sorted(by: { $0.key < $1.key }) {
            guard !ReplayLog(history).isFinished, !history.contains(where: { $0.kind == .patchMarker(changeId: changeId) })
            else { continue }
            if try await replay(history, instanceId: instanceId).oldBranchPatches.contains(changeId) {
                needing.append(instanceId)
            }
        }
        return needing
    }
}
