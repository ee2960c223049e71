import DurableTesting
import Foundation

// B9: seeded simulations of an order flow shaped like Samples/OrderService (five steps with
// retries, then a payment sub-orchestration racing a webhook against a 60 s timeout), each seed
// with up to 3 crashes and 5 % activity failures. The sample is an executable, so its shape is
// repeated here.

struct SimOrderStep: Activity {
    func run(_ input: String, context: ActivityContext) async throws -> String { input + "." }
}

struct SimPayment: Orchestration {
    func run(_ order: String, context: OrchestrationContext) async throws -> String {
        _ = try await context.call(SimOrderStep.self, order, retry: .exponential(first: .seconds(5), attempts: 3, coefficient: 1))
        return try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { "paid " + (try await context.waitForEvent("payment-request-success", as: String.self)) }
            group.addTask {
                try await context.sleep(for: .seconds(60))
                return "timed out"
            }
            defer { group.cancelAll() }
            return try await group.next() ?? "timed out"
        }
    }
}

struct SimOrder: Orchestration {
    func run(_ order: String, context: OrchestrationContext) async throws -> String {
        var value = order
        for _ in 0..<5 {
            value = try await context.call(
                SimOrderStep.self, value, retry: .exponential(first: .seconds(5), attempts: 3, coefficient: 1))
        }
        return try await context.callSubOrchestration(SimPayment.self, value, instanceId: "\(order)-payment")
    }
}

/// Seeds simulated per second (each seed: its crash-free run and its run with crashes).
func simulatedOrders(seeds: Int) async throws -> Double {
    let faults = Faults(activityFailureRate: 0.05, crashes: 0...3)
    let options = SimulationOptions(determinismCheckEvery: 0, compareWithCrashFreeRun: false)
    let time = try await seconds {
        try await Simulation.check(seeds: 0..<seeds, faults: faults, options: options) { sim in
            let runtime = try await sim.runtime {
                SimOrder.self
                SimPayment.self
                SimOrderStep()
            }
            let id = try await runtime.client.start(SimOrder.self, input: "o\(sim.seed)", instanceId: "o\(sim.seed)")
            let webhookAt = Int.random(in: 1...90, using: &sim.random)
            sim.at(.seconds(webhookAt)) {
                try? await runtime.client.raiseEvent("\(id)-payment", name: "payment-request-success", payload: "txn")
            }
            _ = try? await sim.result(of: id, as: SimOrder.self)
        }
    }
    return Double(seeds) / time
}
