import Foundation

/// Driving a ``ManualClock`` through a runtime's timers, for tests of flows that wait.
extension ManualClock {
    /// Moves time from timer to timer until the instance finishes, and returns its final status.
    ///
    /// Before each move it waits until nothing can happen without time moving: no activity runs,
    /// no result or fired timer is on its way, and every instance waits. So activities finish
    /// before a timeout racing them fires, as they would on the wall clock, and a 60-second
    /// timeout costs no real time.
    ///
    /// ```swift
    /// let id = try await runtime.client.start(Approval.self, input: request)
    /// let status = try await clock.advance(untilFinished: id, in: runtime)   // the timeout fired
    /// ```
    ///
    /// - Parameter limit: How far time may move in all; the default is ten years.
    /// - Throws: ``DurableError/waitsForInput(instanceIds:)`` if the instance waits and no timer
    ///   is armed (it waits for an event or a client call); ``DurableError/timedOut(instanceId:after:)``
    ///   if its next timer is beyond `limit`; ``DurableError/unknownInstance(_:)``;
    ///   ``DurableError/invalidStatus(instanceId:status:operation:)`` if no build or clock can move
    ///   it on (not registered, quarantined, stopped by a storage failure); `CancellationError`.
    @discardableResult
    public func advance(
        untilFinished instanceId: String, in runtime: DurableRuntime, limit: Duration = .seconds(86_400 * 3_653)
    ) async throws -> InstanceStatus {
        let end = deadline(after: limit)
        while true {
            try await waitUntilQuiescent(runtime.engine)
            let status = try runtime.engine.status(of: instanceId)
            if status.runtimeStatus.isFinished { return status }
            guard runtime.engine.unfinishedLiveStatuses().contains(where: { $0.instanceId == instanceId }) else {
                throw DurableError.invalidStatus(
                    instanceId: instanceId, status: status.runtimeStatus, operation: "advance the clock until it finishes")
            }
            try advanceToNextTimer(of: runtime.engine, before: end, waiting: [instanceId], limit: limit)
        }
    }

    /// Moves time from timer to timer until every instance the runtime runs has finished (see
    /// ``advance(untilFinished:in:limit:)``). Instances no clock moves on — not registered,
    /// quarantined, stopped by a storage failure — are not waited for.
    ///
    /// - Throws: ``DurableError/waitsForInput(instanceIds:)`` naming the instances that wait with
    ///   no timer armed; ``DurableError/timedOut(instanceId:after:)`` if the next timer is beyond `limit`.
    public func advanceUntilAllFinished(in runtime: DurableRuntime, limit: Duration = .seconds(86_400 * 3_653)) async throws {
        let end = deadline(after: limit)
        while true {
            try await waitUntilQuiescent(runtime.engine)
            let waiting = runtime.engine.unfinishedLiveStatuses().map(\.instanceId).sorted()
            if waiting.isEmpty { return }
            try advanceToNextTimer(of: runtime.engine, before: end, waiting: waiting, limit: limit)
        }
    }

    private func deadline(after limit: Duration) -> Date {
        now.addingTimeInterval(max(0, limit.timeInterval))
    }

    /// Moves to the runtime's next timer (not the clock's: another runtime may share it).
    private func advanceToNextTimer(of engine: Engine, before end: Date, waiting: [String], limit: Duration) throws {
        guard let next = engine.timers.nextDeadline else { throw DurableError.waitsForInput(instanceIds: waiting) }
        guard next <= end else { throw DurableError.timedOut(instanceId: waiting.first ?? "", after: limit) }
        advance(to: next)
    }

    /// Waits until only time or a client can move the runtime on. Activities run real code on
    /// real threads, so this looks again until they are done: first by yielding, then every 100 µs.
    private func waitUntilQuiescent(_ engine: Engine) async throws {
        var looks = 0
        while !engine.isQuiescent {
            looks += 1
            if looks < 16 {
                await Task.yield()
            } else {
                try await Task.sleep(for: .microseconds(100))
            }
            try Task.checkCancellation()
        }
    }
}
