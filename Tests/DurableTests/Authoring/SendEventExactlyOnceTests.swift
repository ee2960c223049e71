import Durable
import Foundation
import Testing

/// Sends `<id>/m0`, waits for the event "go", then sends `<id>/m1` to the instance named by its input.
struct SendTwice: Orchestration {
    func run(_ target: String, context: OrchestrationContext) async throws -> String {
        try await context.sendEvent(to: target, name: "m", payload: "\(context.instanceId)/m0")
        _ = try await context.waitForEvent("go", as: Int.self)
        try await context.sendEvent(to: target, name: "m", payload: "\(context.instanceId)/m1")
        return "sent"
    }
}

/// Collects `count` events "m" and returns them in arrival order.
struct CollectSent: Orchestration {
    func run(_ count: Int, context: OrchestrationContext) async throws -> String {
        var received: [String] = []
        for _ in 0..<count { received.append(try await context.waitForEvent("m", as: String.self)) }
        return received.joined(separator: ",")
    }
}

@Suite struct SendEventExactlyOnceTests {
    private func runtime(_ store: any HistoryStore) async throws -> DurableRuntime {
        try await DurableRuntime(storage: .store(store)) {
            SendTwice.self
            CollectSent.self
        }
    }

    private func event(_ kind: HistoryEvent.Kind, _ second: Double) -> HistoryEvent {
        HistoryEvent(kind, at: Date(timeIntervalSinceReferenceDate: 800_000_000 + second))
    }

    /// A crash between the send's record and its delivery: the receiver's history lacks it. The
    /// restarted runtime delivers it (the old code delivered first, so it never came back).
    @Test func aSendRecordedButNotDeliveredIsDeliveredAfterARestart() async throws {
        let store = InMemoryHistoryStore(histories: [
            "recv": [event(.executionStarted(name: CollectSent.name, input: try Payload(encoding: 2), parent: nil, scheduledStart: nil), 0)],
            "send-0": [
                event(.executionStarted(name: SendTwice.name, input: try Payload(encoding: "recv"), parent: nil, scheduledStart: nil), 1),
                event(.eventSent(sequence: 0, instanceId: "recv", name: "m", input: try Payload(encoding: "send-0/m0")), 2),
            ],
        ])
        let runtime = try await runtime(store)
        defer { runtime.shutdown() }
        try await runtime.client.raiseEvent("send-0", name: "go", payload: 1)
        #expect(try await runtime.client.result(of: "recv", as: CollectSent.self, timeout: .seconds(5)) == "send-0/m0,send-0/m1")
        #expect(try await runtime.client.result(of: "send-0", as: SendTwice.self, timeout: .seconds(5)) == "sent")
    }

    /// A finished sender's sends are delivered again too: its end may have been recorded before
    /// the delivery of its last send.
    @Test func theSendsOfAFinishedSenderAreDeliveredAfterARestart() async throws {
        let store = InMemoryHistoryStore(histories: [
            "recv": [event(.executionStarted(name: CollectSent.name, input: try Payload(encoding: 2), parent: nil, scheduledStart: nil), 0)],
            "send-0": [
                event(.executionStarted(name: SendTwice.name, input: try Payload(encoding: "recv"), parent: nil, scheduledStart: nil), 1),
                event(.eventSent(sequence: 0, instanceId: "recv", name: "m", input: try Payload(encoding: "send-0/m0")), 2),
                event(.eventRaised(name: "go", input: try Payload(encoding: 1)), 3),
                event(.eventSent(sequence: 2, instanceId: "recv", name: "m", input: try Payload(encoding: "send-0/m1")), 4),
                event(.executionCompleted(output: try Payload(encoding: "sent")), 5),
            ],
        ])
        let runtime = try await runtime(store)
        defer { runtime.shutdown() }
        #expect(try await runtime.client.result(of: "recv", as: CollectSent.self, timeout: .seconds(5)) == "send-0/m0,send-0/m1")
    }

    /// A send the receiver recorded before the restart is dropped when recovery delivers it again,
    /// even across a second restart: the id lives in the receiver's history.
    @Test func aSendTheReceiverHasIsNotDeliveredAgain() async throws {
        let store = InMemoryHistoryStore()
        let first = try await runtime(store)
        try await first.client.start(CollectSent.self, input: 2, instanceId: "recv")
        try await first.client.start(SendTwice.self, input: "recv", instanceId: "send-0")
        try await waitUntil { store.history(of: "recv")?.contains { $0.kind.name == "EventRaised" } == true }
        first.shutdown()
        let raised = store.history(of: "recv")?.compactMap { event -> String? in
            if case .eventRaised(_, _, let source) = event.kind { return source }
            return nil
        }
        #expect(raised?.count == 1 && raised?.first.map { $0.hasPrefix("send-0/") } == true)

        for _ in 0..<2 {  // each restart delivers m0 again
            let again = try await runtime(store)
            try await Task.sleep(for: .milliseconds(20))
            again.shutdown()
        }
        let second = try await runtime(store)
        defer { second.shutdown() }
        try await second.client.raiseEvent("send-0", name: "go", payload: 1)
        #expect(try await second.client.result(of: "recv", as: CollectSent.self, timeout: .seconds(5)) == "send-0/m0,send-0/m1")
        #expect(store.history(of: "recv")?.filter { $0.kind.name == "EventRaised" }.count == 2)
    }

    /// The receiver records a sent event only once the sender's record of the send is durable.
    @Test func aSendIsDeliveredOnlyOnceItsRecordIsDurable() async throws {
        let store = HeldDurabilityStore {}
        let runtime = try await runtime(store)
        defer { runtime.shutdown() }
        try await runtime.client.start(CollectSent.self, input: 2, instanceId: "recv")
        try await runtime.client.start(SendTwice.self, input: "recv", instanceId: "send-0")
        try await waitUntil { store.history(of: "recv")?.contains { $0.kind.name == "EventRaised" } == true }
        store.hold()
        let go = Task { try await runtime.client.raiseEvent("send-0", name: "go", payload: 1) }
        try await waitUntil { store.history(of: "send-0")?.filter { $0.kind.name == "EventSent" }.count == 2 }
        try await Task.sleep(for: .milliseconds(50))
        #expect(store.history(of: "recv")?.filter { $0.kind.name == "EventRaised" }.count == 1)
        store.release()
        try await go.value
        #expect(try await runtime.client.result(of: "recv", as: CollectSent.self, timeout: .seconds(5)) == "send-0/m0,send-0/m1")
    }

    /// An instance started after a send was recorded never gets it, though recovery delivers again.
    @Test func aTargetStartedAfterTheSendDoesNotGetIt() async throws {
        let store = InMemoryHistoryStore(histories: [
            "send-0": [
                event(.executionStarted(name: SendTwice.name, input: try Payload(encoding: "recv"), parent: nil, scheduledStart: nil), 1),
                event(.eventSent(sequence: 0, instanceId: "recv", name: "m", input: try Payload(encoding: "send-0/m0")), 2),
            ],
            "recv": [event(.executionStarted(name: CollectSent.name, input: try Payload(encoding: 1), parent: nil, scheduledStart: nil), 3)],
        ])
        let runtime = try await runtime(store)
        defer { runtime.shutdown() }
        try await runtime.client.raiseEvent("send-0", name: "go", payload: 1)
        #expect(try await runtime.client.result(of: "recv", as: CollectSent.self, timeout: .seconds(5)) == "send-0/m1")
    }
}

private func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<1000 where !condition() { try await Task.sleep(for: .milliseconds(2)) }
}
