import Foundation

/// `context.sendEvent`, exactly once: the sender records its `EventSent` first, the event is
/// delivered once that record is durable, and recovery delivers every recorded send again. The
/// receiver records the send's id with its `EventRaised` and drops a repeat (see `deliver`).
extension Engine {
    /// The id of the event a send delivers: the sender's instance, its execution and the send's
    /// sequence number. The execution is its id; a history written before executions had ids
    /// names it by its `ExecutionStarted` timestamp. Only this function derives it.
    static func sentEventId(sender: String, execution: (id: String, startedAt: Date), sequence: Int) -> String {
        let name = execution.id.isEmpty ? String(execution.startedAt.timeIntervalSinceReferenceDate.bitPattern, radix: 16) : execution.id
        return "\(sender)/\(name)/\(sequence)"
    }

    /// A send the code recorded at `position`: delivered once the record is durable (under strict
    /// durability, with the rest of the drain's effects), so a crash cannot leave an event
    /// delivered whose send is lost; recovery delivers what a crash left undelivered.
    func dispatchSend(
        to targetId: String, name: String, input: Payload, sequence: Int, from instance: OrchestrationInstance,
        after position: JournalPosition?
    ) {
        guard let position else { return }  // not recorded: the instance stops (`InstanceStatus.storageFailure`)
        let sentAt = now()
        guard let execution = table.withLock({ $0.records[instance.instanceId].map { ($0.status.executionId, $0.status.createdAt) } })
        else { return }
        let id = Self.sentEventId(sender: instance.instanceId, execution: execution, sequence: sequence)
        let send: @Sendable () -> Void = { [self] in deliverSent(id: id, to: targetId, name: name, input: input, sentAt: sentAt) }
        if gate.holds(instance) {
            gate.hold(for: instance, send)
        } else if store.isDurable(position) {
            send()
        } else {
            store.whenDurable(position) { result in
                if case .success = result { send() }  // else the sender fails; a restart sends it from history
            }
        }
    }

    /// Delivers every send `history` records, for recovery: the receiver drops those it has.
    func redeliverSends(in history: [HistoryEvent], of sender: String) {
        guard let first = history.first, case .executionStarted(_, _, _, _, let executionId) = first.kind else { return }
        for event in history {
            guard case .eventSent(let sequence, let targetId, let name, let input) = event.kind else { continue }
            let id = Self.sentEventId(sender: sender, execution: (executionId, first.timestamp), sequence: sequence)
            deliverSent(id: id, to: targetId, name: name, input: input, sentAt: event.timestamp)
        }
    }

    /// Delivers a sent event to the target's current execution if it existed when the send was
    /// recorded (an execution started later never gets it, live or at recovery alike); a finished
    /// or missing target drops it.
    private func deliverSent(id: String, to targetId: String, name: String, input: Payload, sentAt: Date) {
        guard
            let target = table.withLock({ table -> OrchestrationInstance? in
                guard let record = table.records[targetId], record.status.createdAt <= sentAt else { return nil }
                return record.live
            })
        else { return }
        do {
            gate.delivered(try deliver(.eventRaised(name: name, input: input, sourceEventId: id), to: target), to: target)
        } catch {
            target.executor.post(.storageFailure(String(describing: error)))
        }
    }
}
