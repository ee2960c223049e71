import Durable
import Testing

enum CheckoutStage: String, Codable, Sendable {
    case reserving, awaitingPayment, paid
}

/// Blocks until the test lets it go, telling the test when it has started.
struct WaitForRelease: Activity {
    let started: Gate
    let release: Gate
    func run(_ input: String, context: ActivityContext) async throws -> String {
        started.open()
        await release.wait()
        return input
    }
}

struct StagedCheckout: Orchestration {
    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        context.setCustomStatus(CheckoutStage.reserving)
        _ = try await context.call(CheckAndReserveInventory.self, order)
        context.setCustomStatus(CheckoutStage.awaitingPayment)
        let receipt = try await context.call(WaitForRelease.self, "PAY-\(order.id)")
        context.setCustomStatus(CheckoutStage.paid)
        return receipt
    }
}

@Suite struct CustomStatusTests {
    @Test func customStatusIsVisibleWhileTheInstanceRuns() async throws {
        let started = Gate()
        let release = Gate()
        let runtime = try await DurableRuntime.orders(log: CallLog()) {
            StagedCheckout.self
            WaitForRelease(started: started, release: release)
        }
        let id = try await runtime.client.start(StagedCheckout.self, input: Order(id: "o-5", amount: 1))

        await started.wait()
        let running = try await runtime.client.status(of: id)
        #expect(running.runtimeStatus == .running)
        #expect(try running.customStatus(as: CheckoutStage.self) == .awaitingPayment)
        #expect(running.output == nil)

        release.open()
        #expect(try await runtime.client.result(of: id, as: StagedCheckout.self, timeout: .seconds(10)) == "PAY-o-5")
        let finished = try await runtime.client.status(of: id)
        #expect(try finished.customStatus(as: CheckoutStage.self) == .paid)
        #expect(try await runtime.client.history(of: id).filter { $0.kind.name == "CustomStatusSet" }.count == 3)
    }
}
