import Durable
import Testing

import Foundation
import Synchronization

@testable import Approval
@testable import GalaxyCreate
@testable import OrderService
@testable import PlaceOrder
@testable import ShipmentEmails
@testable import StockMonitor

@Suite struct GalaxyCreateSampleTests {
    @Test func twoParallelStepsFeedTheCreation() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            CreateGalaxy.self
            UtilityCoords()
            UtilityName()
            GalaxyCreateImpl()
        }
        let id = try await runtime.client.start(CreateGalaxy.self, input: 7)
        #expect(try await runtime.client.result(of: id, as: CreateGalaxy.self, timeout: .seconds(10)) == "Galaxy-7 at (14, 21)")
        let scheduled = try await runtime.client.history(of: id).filter { $0.kind.name == "TaskScheduled" }
        #expect(scheduled.count == 3)
    }
}

@Suite struct ApprovalSampleTests {
    private func runtime(_ clock: ManualClock) async throws -> DurableRuntime {
        try await DurableRuntime(storage: .memory, configuration: .init(clock: clock)) {
            ApprovalFlow.self
            RequestApproval()
            Escalate()
        }
    }

    @Test func anApprovalInTimeIsApproved() async throws {
        let clock = ManualClock()
        let runtime = try await runtime(clock)
        let id = try await runtime.client.start(ApprovalFlow.self, input: .init(subject: "x", timeoutSeconds: 3_600))
        await clock.waitForSleepers()
        try await runtime.client.raiseEvent(id, name: "approve", payload: true)
        #expect(try await runtime.client.result(of: id, as: ApprovalFlow.self, timeout: .seconds(10)) == "approved: x")
    }

    @Test func noAnswerEscalatesWhenTheTimeoutFires() async throws {
        let clock = ManualClock()
        let runtime = try await runtime(clock)
        let id = try await runtime.client.start(ApprovalFlow.self, input: .init(subject: "y", timeoutSeconds: 3_600))
        await clock.waitForSleepers()
        clock.advance(by: .seconds(3_600))
        #expect(try await runtime.client.result(of: id, as: ApprovalFlow.self, timeout: .seconds(10)) == "escalated: y")
    }
}

@Suite struct PlaceOrderSampleTests {
    @Test func theChainRunsInOrderAndReturnsTheTrackingNumber() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            PlaceOrderChain.self
            CheckAndReserveInventory()
            ProcessPayment()
            ScheduleShipping()
            EmailCustomer()
        }
        let id = try await runtime.client.start(PlaceOrderChain.self, input: ChainOrder(id: "o-1", amount: 3))
        #expect(try await runtime.client.result(of: id, as: PlaceOrderChain.self, timeout: .seconds(10)) == "TRACK-o-1")
        let steps = try await runtime.client.history(of: id).compactMap { event -> String? in
            if case .taskScheduled(_, let name, _, _) = event.kind { return name }
            return nil
        }
        #expect(steps == ["CheckAndReserveInventory", "ProcessPayment", "ScheduleShipping", "EmailCustomer"])
    }
}

@Suite struct ShipmentEmailsSampleTests {
    @Test func everyOrderIsEmailedThenTheUSAOnesCounted() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            SendShipmentEmails.self
            SendShipmentEmail()
            MarketingData()
        }
        let orders = (0..<30).map { ShippedOrder(id: "o-\($0)", country: $0 % 3 == 0 ? "USA" : "NL") }
        let id = try await runtime.client.start(SendShipmentEmails.self, input: orders)
        #expect(try await runtime.client.result(of: id, as: SendShipmentEmails.self, timeout: .seconds(10)) == "marketing data for 10 USA orders")
    }
}

@Suite struct StockMonitorSampleTests {
    @Test func theMonitorLoopsOnADurableTimerWithBoundedHistoryUntilTheThreshold() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime(storage: .memory, configuration: .init(clock: clock)) {
            CheckStockPrice.self
            GetStockPrice(start: 100, step: 3)
            SendAlert()
        }
        let watch = CheckStockPrice.Watch(
            symbol: "MSFT", threshold: 110, intervalSeconds: 120, expiresAt: clock.now.addingTimeInterval(3_600))
        let id = try await runtime.client.start(CheckStockPrice.self, input: watch)
        for _ in 0..<4 {  // prices 100, 103, 106, 109: four sleeps of 120 s
            await clock.waitForSleepers()
            clock.advance(by: .seconds(120))
        }
        #expect(try await runtime.client.result(of: id, as: CheckStockPrice.self, timeout: .seconds(10)) == "MSFT reached 112.0 in round 5")
        #expect(try await runtime.client.history(of: id).count <= 8)  // one round, not five
    }
}

@Suite struct OrderServiceSampleTests {
    private func runtime(_ clock: ManualClock, steps: CallCounter) async throws -> DurableRuntime {
        let observer = StepObserver(finished: { steps.record($0) }, latency: .zero)
        return try await DurableRuntime(storage: .memory, configuration: .init(clock: clock)) {
            OrderService.PlaceOrder.self
            OrderService.Payment.self
            GetShoppingCart(carts: ShoppingCartClient(), steps: observer)
            GetUser(steps: observer)
            CheckAndReserveStock(steps: observer)
            ShippingCost(steps: observer)
            FinalCost(steps: observer)
            StartPayment(steps: observer)
        }
    }

    private let order = Order(id: "o-1", cartId: "cart", userId: "user", paymentTimeoutSeconds: 60)

    @Test func theWebhookAnsweringPaysTheOrder() async throws {
        let clock = ManualClock()
        let steps = CallCounter()
        let runtime = try await runtime(clock, steps: steps)
        let id = try await runtime.client.start(OrderService.PlaceOrder.self, input: order)
        await clock.waitForSleepers()  // the payment waits for the webhook, racing its timeout
        try await runtime.client.raiseEvent("o-1-payment", name: "payment-request-success", payload: "txn-1")

        #expect(try await runtime.client.result(of: id, as: OrderService.PlaceOrder.self, timeout: .seconds(10)) == "paid 134.85 — receipt txn-1")
        #expect(steps.names == ["GetShoppingCart", "GetUser", "CheckAndReserveStock", "ShippingCost", "FinalCost", "StartPayment"])
        #expect(try await runtime.client.status(of: id).customStatus(as: OrderStage.self) == .paid)
    }

    @Test func noAnswerCancelsTheOrderWhenThePaymentTimesOut() async throws {
        let clock = ManualClock()
        let runtime = try await runtime(clock, steps: CallCounter())
        let id = try await runtime.client.start(OrderService.PlaceOrder.self, input: order)
        await clock.waitForSleepers()
        clock.advance(by: .seconds(60))

        #expect(try await runtime.client.result(of: id, as: OrderService.PlaceOrder.self, timeout: .seconds(10)) == "cancelled: no answer from the payment provider")
        #expect(try await runtime.client.status(of: id).customStatus(as: OrderStage.self) == .cancelled)
    }
}

/// The steps the order flow's activities reported, in order.
final class CallCounter: Sendable {
    private let recorded = Mutex<[String]>([])
    func record(_ name: String) { recorded.withLock { $0.append(name) } }
    var names: [String] { recorded.withLock { $0 } }
}
