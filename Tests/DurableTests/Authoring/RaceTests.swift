import Durable
import Foundation
import Testing

struct StartPaymentRequest: Activity {
    func run(_ amount: Double, context: ActivityContext) async throws -> String { "req-\(Int(amount))" }
}

/// The seed's PaymentOrchestrator: start the payment, then the first of success, failure or a
/// 60-second timeout wins and the others are cancelled.
struct PaymentOrchestrator: Orchestration {
    enum Outcome: Codable, Sendable, Equatable {
        case paid(String)
        case declined(String)
        case timedOut
    }

    func run(_ amount: Double, context: OrchestrationContext) async throws -> Outcome {
        _ = try await context.call(StartPaymentRequest.self, amount)
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask { .paid(try await context.waitForEvent("payment-request-success", as: String.self)) }
            group.addTask { .declined(try await context.waitForEvent("payment-request-fail", as: String.self)) }
            group.addTask {
                try await context.sleep(for: .seconds(60))
                return .timedOut
            }
            defer { group.cancelAll() }
            return try await group.next() ?? .timedOut
        }
    }
}

@Suite struct RaceTests {
    enum Winner: CaseIterable {
        case success, failure, timeout
    }

    @Test(arguments: Winner.allCases)
    func theFirstToFinishWinsAndTheLosersAreCancelled(winner: Winner) async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            PaymentOrchestrator.self
            StartPaymentRequest()
        }
        let id = try await runtime.client.start(PaymentOrchestrator.self, input: 42)
        await clock.waitForSleepers()

        let expected: PaymentOrchestrator.Outcome
        switch winner {
        case .success:
            try await runtime.client.raiseEvent(id, name: "payment-request-success", payload: "txn-1")
            expected = .paid("txn-1")
        case .failure:
            try await runtime.client.raiseEvent(id, name: "payment-request-fail", payload: "card expired")
            expected = .declined("card expired")
        case .timeout:
            clock.advance(by: .seconds(60))
            expected = .timedOut
        }

        #expect(try await runtime.client.result(of: id, as: PaymentOrchestrator.self, timeout: .seconds(10)) == expected)
        #expect(clock.sleeperCount == 0)  // a losing timer is cancelled, not left to fire
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "TimerFired") == (winner == .timeout ? 1 : 0))
        // A loser's event arriving later is recorded nowhere: the instance has finished.
        await #expect(throws: DurableError.self) {
            try await runtime.client.raiseEvent(id, name: "payment-request-fail", payload: "late")
        }

        let replay = try await runtime.replay(history, instanceId: id)
        #expect(replay.outcome == .completed(try Payload(encoding: expected)))
        #expect(replay.commands == history.compactMap { $0.kind.sequence != nil && ["TaskScheduled", "TimerCreated"].contains($0.kind.name) ? $0.kind : nil })
    }
}
