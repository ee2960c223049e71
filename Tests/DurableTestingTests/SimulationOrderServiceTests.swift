import DurableTesting
import Foundation
import Testing

@testable import OrderService

/// The sample's order flow (with its Payment race) over a thousand seeds, with crashes and faults.
@Suite struct SimulationOrderServiceTests {
    static let body: Simulation.Body = { sim in
        let steps = StepObserver(latency: .zero)
        let runtime = try await sim.runtime {
            OrderService.PlaceOrder.self
            OrderService.Payment.self
            GetShoppingCart(carts: ShoppingCartClient(), steps: steps)
            GetUser(steps: steps)
            CheckAndReserveStock(steps: steps)
            ShippingCost(steps: steps)
            FinalCost(steps: steps)
            StartPayment(steps: steps)
        }
        let order = Order(id: "order-\(sim.seed)", cartId: "cart", userId: "ada", paymentTimeoutSeconds: 60)
        let id = try await runtime.client.start(OrderService.PlaceOrder.self, input: order, instanceId: order.id)
        let webhookAt = Int.random(in: 1...90, using: &sim.random)
        let succeeds = Bool.random(using: &sim.random)
        sim.at(.seconds(webhookAt)) {
            do {
                try await runtime.client.raiseEvent(
                    "\(order.id)-payment", name: succeeds ? "payment-request-success" : "payment-request-fail",
                    payload: "txn-\(webhookAt)")
            } catch DurableError.unknownInstance, DurableError.invalidStatus {
                // The payment has not started yet, or is over: the provider's call is too early or too late.
            }
        }
        let outcome: String
        do {
            outcome = try await sim.result(of: id, as: OrderService.PlaceOrder.self)
        } catch is OrchestrationFailure {
            return  // every retry of a step failed (the faults allow it): the order fails, as it should
        }
        guard outcome.hasPrefix("paid") || outcome.hasPrefix("cancelled") else { throw ExpectationFailure(outcome) }
    }

    @Test func orderFlowSurvivesCrashesAndFaultsOverAThousandSeeds() async throws {
        let summary = try await Simulation.check(
            seeds: 0..<1_000, faults: Faults(activityFailureRate: 0.05, crashes: 0...3),
            options: SimulationOptions(compareWithCrashFreeRun: false), Self.body)
        #expect(summary.seeds == 1_000)
        #expect(summary.crashes > 500)
    }
}
