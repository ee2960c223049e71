import Durable
import Foundation
import Testing

struct Escalate: Activity {
    func run(_ request: String, context: ActivityContext) async throws -> String { "escalated \(request)" }
}

/// The seed's human interaction: wait an hour for approval, escalate if none comes.
struct ApprovalWorkflow: Orchestration {
    func run(_ request: String, context: OrchestrationContext) async throws -> String {
        do {
            let approved = try await context.waitForEvent("approve", as: Bool.self, timeout: .seconds(3_600))
            return approved ? "approved \(request)" : "rejected \(request)"
        } catch is EventTimeout {
            return try await context.call(Escalate.self, request)
        }
    }
}

/// Sleeps first, so events raised meanwhile are buffered; then takes three.
struct Collector: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> [Int] {
        try await context.sleep(for: .seconds(10))
        var items: [Int] = []
        for _ in 0..<3 { items.append(try await context.waitForEvent("item", as: Int.self)) }
        return items
    }
}

struct Pinger: Orchestration {
    func run(_ target: String, context: OrchestrationContext) async throws -> String {
        try await context.sendEvent(to: target, name: "ping", payload: "hello from \(context.instanceId)")
        return "sent"
    }
}

struct Listener: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        try await context.waitForEvent("ping", as: String.self)
    }
}

@Suite struct ExternalEventTests {
    @Test func approvalInTimeIsApprovedAndTheTimeoutTimerIsCancelled() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            ApprovalWorkflow.self
            Escalate()
        }
        let id = try await runtime.client.start(ApprovalWorkflow.self, input: "expense-17")
        await clock.waitForSleepers()
        try await runtime.client.raiseEvent(id, name: "approve", payload: true)

        #expect(try await runtime.client.result(of: id, as: ApprovalWorkflow.self, timeout: .seconds(10)) == "approved expense-17")
        #expect(clock.sleeperCount == 0)
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "TimerCreated") == 1)
        #expect(history.count(of: "TimerFired") == 0)
        #expect(history.count(of: "EventRaised") == 1)
    }

    @Test func noApprovalRunsTheEscalationWhenTheTimeoutFires() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            ApprovalWorkflow.self
            Escalate()
        }
        let id = try await runtime.client.start(ApprovalWorkflow.self, input: "expense-18")
        await clock.waitForSleepers()
        clock.advance(by: .seconds(3_600))

        #expect(try await runtime.client.result(of: id, as: ApprovalWorkflow.self, timeout: .seconds(10)) == "escalated expense-18")
        let history = try await runtime.client.history(of: id)
        #expect(history.scheduledActivities == ["Escalate"])
        #expect(history.count(of: "TimerFired") == 1)
    }

    @Test func eventsRaisedBeforeTheWaitAreBufferedAndConsumedInOrder() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) { Collector.self }
        let id = try await runtime.client.start(Collector.self, input: 0)
        await clock.waitForSleepers()
        for item in [7, 8, 9] { try await runtime.client.raiseEvent(id, name: "item", payload: item) }
        try await runtime.client.raiseEvent(id, name: "other", payload: 0)
        clock.advance(by: .seconds(10))

        #expect(try await runtime.client.result(of: id, as: Collector.self, timeout: .seconds(10)) == [7, 8, 9])
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "EventRaised") == 4)
        #expect(try await runtime.replay(history, instanceId: id).outcome == .completed(try Payload(encoding: [7, 8, 9])))
    }

    @Test func raisingToAnUnknownOrFinishedInstanceIsATypedError() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            ApprovalWorkflow.self
            Escalate()
        }
        await #expect(throws: DurableError.unknownInstance("nobody")) {
            try await runtime.client.raiseEvent("nobody", name: "approve", payload: true)
        }
        let id = try await runtime.client.start(ApprovalWorkflow.self, input: "x")
        await clock.waitForSleepers()
        try await runtime.client.raiseEvent(id, name: "approve", payload: false)
        _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))

        await #expect(throws: DurableError.invalidStatus(instanceId: id, status: .completed, operation: "raise an event to")) {
            try await runtime.client.raiseEvent(id, name: "approve", payload: true)
        }
    }

    @Test func oneOrchestrationSendsAnEventToAnother() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            Pinger.self
            Listener.self
        }
        try await runtime.client.start(Listener.self, input: 0, instanceId: "listener")
        let pinger = try await runtime.client.start(Pinger.self, input: "listener", instanceId: "pinger")

        #expect(try await runtime.client.result(of: "listener", as: Listener.self, timeout: .seconds(10)) == "hello from pinger")
        #expect(try await runtime.client.result(of: pinger, as: Pinger.self, timeout: .seconds(10)) == "sent")
        let sent = try await runtime.client.history(of: pinger)
        #expect(sent.count(of: "EventSent") == 1)
        // Replaying the sender does not send again: the command is satisfied from history.
        #expect(try await runtime.replay(sent, instanceId: pinger).newEvents.isEmpty)
    }
}
