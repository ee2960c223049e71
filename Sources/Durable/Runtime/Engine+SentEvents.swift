import Foundation
import Synchronization

/// `context.sendEvent`, exactly once: the sender records its `EventSent` first, the event is
/// delivered once that record is durable, and recovery delivers every recorded send again. The
/// receiver records the send's id with its `EventRaised` and drops a repeat (see `deliver`).
///
/// Which execution of the target gets it is decided when the send is recorded: `EventSent`
/// names the target's execution that took events then, and only that execution gets the event,
/// live and at recovery alike — never a later one, whatever the clocks say.
extension Engine {
    /// The id of the event a send delivers: the sender's instance, its execution and the send's
    /// sequence number. Only this function derives it.
    static func sentEventId(sender: String, execution: String, sequence: Int) -> String {
        "\(sender)/\(execution)/\(sequence)"
    }

    /// Records a send of `instance` with the target's execution it goes to, and delivers it once
    /// the record is durable (under strict durability, with the rest of the drain's effects), so a
    /// crash cannot leave an event delivered whose send is lost; recovery delivers what a crash
    /// left undelivered.
    func recordSend(_ event: HistoryEvent, for instance: OrchestrationInstance) throws -> JournalPosition? {
        guard case .eventSent(let sequence, let targetId, let name, let input, _) = event.kind else { return nil }
        let (target, sender) = table.withLock { table in
            (table.records[targetId].map(\.executionTakingEvents) ?? "", table.records[instance.instanceId]?.status)
        }
        let recorded = HistoryEvent(
            .eventSent(sequence: sequence, instanceId: targetId, name: name, input: input, targetExecution: target),
            at: event.timestamp)
        guard let position = try instance.executor.recordUnlessTerminated({ try store.append(recorded, to: instance.instanceId) })
        else { return nil }
        if gate.holds(instance) { gate.wait(for: position, recordedBy: instance) }
        guard let sender else { return position }  // gone from the table: nobody runs it; a restart sends it from history
        let id = Self.sentEventId(sender: instance.instanceId, execution: sender.executionName, sequence: sequence)
        let send: @Sendable () -> Void = { [self] in
            deliverSent(id: id, to: targetId, execution: target, name: name, input: input, sentAt: event.timestamp, live: true)
        }
        if !gate.holds(instance), store.isDurable(position) {
            send()
            return position
        }
        // Waiting for durability: until it is delivered, the send is in the sender's history
        // only, and a continue-as-new, id reuse or purge of the sender would take its record
        // along; those deliver it first (see `deliverPendingSends`).
        let pending = pendingSends.track(send, for: instance.instanceId)
        if gate.holds(instance) {
            gate.hold(for: instance) { [pendingSends] in pendingSends.deliver(pending) }
        } else {
            store.whenDurable(position) { [pendingSends] result in
                // Else the sender fails; a restart sends it from history.
                if case .success = result { pendingSends.deliver(pending) }
            }
        }
        return position
    }

    /// Delivers the sends of `sender` still waiting for their record to be durable, now: its
    /// history is about to be replaced or removed, taking the `EventSent` records recovery would
    /// redeliver from. Delivered now, each target's `EventRaised` is appended before the
    /// replacement, so a store that makes a position durable with everything before it (every
    /// ``HistoryStore``: positions are a prefix) never keeps the replacement without the delivery.
    func deliverPendingSends(of sender: String) {
        pendingSends.deliverAll(of: sender)
    }

    /// Delivers every send `history` records, for recovery, by the rule a live send follows: the
    /// receiver drops those it has.
    func redeliverSends(in history: [HistoryEvent], of sender: String) {
        guard let first = history.first, case .executionStarted(_, _, _, _, let executionId, _) = first.kind else { return }
        let execution = InstanceStatus.executionName(id: executionId, startedAt: first.timestamp)
        for event in history {
            guard case .eventSent(let sequence, let targetId, let name, let input, let target) = event.kind else { continue }
            let id = Self.sentEventId(sender: sender, execution: execution, sequence: sequence)
            deliverSent(id: id, to: targetId, execution: target, name: name, input: input, sentAt: event.timestamp, live: false)
        }
    }

    /// Delivers a sent event to the target's execution the send named (see
    /// ``HistoryEvent/Kind/eventSent(sequence:instanceId:name:input:targetExecution:)``); any
    /// other execution, a finished or a missing target drops it. A live send dropped because
    /// another execution runs now is logged; recovery's repeats are not (they would be each restart).
    private func deliverSent(
        id: String, to targetId: String, execution: String?, name: String, input: Payload, sentAt: Date, live: Bool
    ) {
        let (target, other) = table.withLock { table -> (OrchestrationInstance?, String?) in
            guard let record = table.records[targetId], let live = record.live else { return (nil, nil) }
            guard let execution else {  // written before sends named their target's execution
                return record.status.createdAt <= sentAt ? (live, nil) : (nil, nil)
            }
            let running = record.status.executionName
            return running == execution ? (live, nil) : (nil, running)
        }
        guard let target else {
            if live, let other, let execution, !execution.isEmpty {
                log("Dropped event '\(name)' (\(id)) to '\(targetId)': it was sent to execution \(execution), which is over; execution \(other) runs now")
            }
            return
        }
        do {
            let position = try deliver(.eventRaised(name: name, input: input, sourceEventId: id), to: target)
            if let observers, position != nil { observers.emit(.eventRaised(instanceId: targetId, name: name)) }
            gate.delivered(position, to: target)
        } catch {
            target.executor.post(.storageFailure(String(describing: error)))
        }
    }
}

extension InstanceRecord {
    /// The name of the execution a send recorded now goes to (see `InstanceStatus.executionName`),
    /// or empty if none takes events: the instance finished, or its code is not here to run.
    var executionTakingEvents: String {
        live != nil && !status.runtimeStatus.isFinished ? status.executionName : ""
    }
}

extension InstanceStatus {
    /// How sends name this execution: its id; a history written before executions had ids names
    /// it by its `ExecutionStarted` timestamp.
    var executionName: String { Self.executionName(id: executionId, startedAt: createdAt) }

    static func executionName(id: String, startedAt: Date) -> String {
        id.isEmpty ? String(startedAt.timeIntervalSinceReferenceDate.bitPattern, radix: 16) : id
    }
}

/// The sends recorded but not yet delivered, by sender: what ``Engine/deliverPendingSends(of:)``
/// delivers early. Each is delivered once, whichever comes first — durability or the early delivery.
final class PendingSends: Sendable {
    final class Send: Sendable {
        let sender: String
        let deliver: @Sendable () -> Void
        let isDone = Atomic<Bool>(false)
        init(_ deliver: @escaping @Sendable () -> Void, from sender: String) {
            self.deliver = deliver
            self.sender = sender
        }
    }

    private let waiting = Mutex<[String: [Send]]>([:])
    /// How many are tracked: a start checks it without the lock (almost always zero).
    private let count = Atomic<Int>(0)

    func track(_ deliver: @escaping @Sendable () -> Void, for sender: String) -> Send {
        let send = Send(deliver, from: sender)
        waiting.withLock { $0[sender, default: []].append(send) }
        count.add(1, ordering: .relaxed)
        return send
    }

    /// Delivers `send` unless it was delivered already, and forgets it.
    func deliver(_ send: Send) {
        guard !send.isDone.exchange(true, ordering: .acquiringAndReleasing) else { return }
        waiting.withLock { waiting in
            guard let sends = waiting[send.sender] else { return }
            let left = sends.filter { $0 !== send }
            waiting[send.sender] = left.isEmpty ? nil : left
        }
        count.subtract(1, ordering: .relaxed)
        send.deliver()
    }

    func deliverAll(of sender: String) {
        guard count.load(ordering: .relaxed) > 0 else { return }
        let sends = waiting.withLock { $0.removeValue(forKey: sender) } ?? []
        for send in sends where !send.isDone.exchange(true, ordering: .acquiringAndReleasing) {
            count.subtract(1, ordering: .relaxed)
            send.deliver()
        }
    }
}
