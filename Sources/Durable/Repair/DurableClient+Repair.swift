import Foundation

extension DurableClient {
    /// Runs a failed instance again from its failure (Durable Functions' Rewind): the failed
    /// activity and sub-orchestration results are dropped from its history and those steps run
    /// again; the steps that succeeded are kept and do not. The instance goes back to `running`,
    /// and its history records an `ExecutionRepaired rewind` event with `reason` (say who and why).
    ///
    /// What the code recorded after it saw the first failure (a retry, a compensation) is dropped
    /// too: it runs again on the new result. Events raised from outside are kept.
    ///
    /// - Throws: ``DurableError/invalidStatus(instanceId:status:operation:)`` unless the instance is
    ///   `failed`, ``DurableError/unknownInstance(_:)``,
    ///   ``DurableError/orchestrationNotRegistered(instanceId:name:)`` if this build lacks its code.
    public func rewind(_ instanceId: String, reason: String? = nil) async throws {
        try await engine.repair(instanceId, operation: "rewind", allows: { $0 == .failed }) { history in
            let (events, discarded) = HistoryRepair.rewound(history)
            return events + [HistoryEvent(.executionRepaired(action: "rewind", reason: reason, discardedEvents: discarded), at: engine.now())]
        }
    }

    /// Re-runs an instance's execution from a chosen point of its history (Temporal's Reset): the
    /// events after `eventIndex` (an index into ``history(of:)``) are discarded, the code runs
    /// again from there, and the history records an `ExecutionRepaired reset` event. For fixing a
    /// bug that made an instance take a wrong branch: deploy the fix, then reset to before the branch.
    ///
    /// Events raised from outside after the point are kept (nobody sends them again); commands
    /// recorded before it whose results came after it run again.
    ///
    /// - Throws: ``DurableError/invalidStatus(instanceId:status:operation:)`` while its code runs
    ///   (reset a finished or quarantined instance; suspend does not stop code, so terminate first),
    ///   ``DurableError/invalidResetPoint(instanceId:eventIndex:lastValid:)`` for a point outside its
    ///   history or at or after its end, ``DurableError/unknownInstance(_:)``.
    public func reset(_ instanceId: String, toEvent eventIndex: Int, reason: String? = nil) async throws {
        try await engine.repair(instanceId, operation: "reset", allows: { $0.isFinished || $0 == .quarantined }) { history in
            guard let (events, discarded) = HistoryRepair.reset(history, through: eventIndex) else {
                throw DurableError.invalidResetPoint(
                    instanceId: instanceId, eventIndex: eventIndex, lastValid: HistoryRepair.lastResetPoint(of: history))
            }
            return events + [HistoryEvent(.executionRepaired(action: "reset", reason: reason, discardedEvents: discarded), at: engine.now())]
        }
    }

    /// Starts a finished instance again with the input of its last execution (Durable Functions'
    /// Restart), on the version it ran: under its own id (its history replaced) or, given
    /// `newInstanceId`, as a new instance. Returns the id it runs under.
    ///
    /// - Throws: ``DurableError/invalidStatus(instanceId:status:operation:)`` unless it is
    ///   completed, failed or terminated; ``DurableError/unknownInstance(_:)``; what
    ///   ``start(orchestrationNamed:input:instanceId:startAt:reuse:)`` throws.
    @discardableResult
    public func restart(_ instanceId: String, newInstanceId: String? = nil) async throws -> String {
        let status = try engine.status(of: instanceId)
        guard status.runtimeStatus.isFinished else {
            throw DurableError.invalidStatus(instanceId: instanceId, status: status.runtimeStatus, operation: "restart")
        }
        return try await engine.start(
            orchestration: status.name, input: status.input, instanceId: newInstanceId ?? instanceId, startAt: nil,
            reuse: newInstanceId == nil ? .replaceFinished : .never, version: status.version)
    }
}
