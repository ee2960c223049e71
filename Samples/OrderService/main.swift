// The main demo: the seed's order flow, run by an in-process Durable runtime.
//
//     swift run OrderService
//
// It places one order through a chain of activities and a payment sub-orchestration, prints each
// custom-status change, then prints the instance's history as an audit trail.

import Durable
import Foundation

struct Order: Codable, Sendable {
    var id: String
    var cartId: String
    var user: String
}

struct Cart: Codable, Sendable {
    var items: [String]
    var subtotal: Double
}

enum OrderStage: String, Codable, Sendable {
    case gettingCart, reservingStock, pricing, awaitingPayment, paid, cancelled
}

/// Stands in for a real shopping-cart service; activities carry dependencies like this one.
struct ShoppingCartClient: Sendable {
    func cart(id: String) async throws -> Cart {
        try await Task.sleep(for: .milliseconds(40))
        return Cart(items: ["keyboard", "mouse"], subtotal: 129.90)
    }
}

struct GetShoppingCart: Activity {
    let carts: ShoppingCartClient
    func run(_ cartId: String, context: ActivityContext) async throws -> Cart {
        try await carts.cart(id: cartId)
    }
}

struct ReserveStock: Activity {
    func run(_ cart: Cart, context: ActivityContext) async throws -> Bool {
        try await Task.sleep(for: .milliseconds(30))
        return true
    }
}

struct ShippingCost: Activity {
    func run(_ cart: Cart, context: ActivityContext) async throws -> Double {
        try await Task.sleep(for: .milliseconds(20))
        return cart.items.count > 1 ? 4.95 : 6.95
    }
}

struct StartPayment: Activity {
    func run(_ amount: Double, context: ActivityContext) async throws -> String {
        try await Task.sleep(for: .milliseconds(50))
        return "PAY-\(Int(amount * 100))"
    }
}

struct Payment: Orchestration {
    func run(_ amount: Double, context: OrchestrationContext) async throws -> String {
        try await context.call(StartPayment.self, amount)
    }
}

struct PlaceOrder: Orchestration {
    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        context.setCustomStatus(OrderStage.gettingCart)
        let cart = try await context.call(GetShoppingCart.self, order.cartId)

        context.setCustomStatus(OrderStage.reservingStock)
        guard try await context.call(ReserveStock.self, cart) else {
            context.setCustomStatus(OrderStage.cancelled)
            return "cancelled: out of stock"
        }

        context.setCustomStatus(OrderStage.pricing)
        let shipping = try await context.call(ShippingCost.self, cart)

        context.setCustomStatus(OrderStage.awaitingPayment)
        let receipt = try await context.callSubOrchestration(Payment.self, cart.subtotal + shipping)

        context.setCustomStatus(OrderStage.paid)
        return receipt
    }
}

let runtime = try await DurableRuntime {
    PlaceOrder.self
    Payment.self
    GetShoppingCart(carts: ShoppingCartClient())
    ReserveStock()
    ShippingCost()
    StartPayment()
}

let id = try await runtime.client.start(PlaceOrder.self, input: Order(id: "order-1", cartId: "cart-42", user: "ada"))
print("Started \(id)")

// Print each custom-status change as the instance moves through the flow.
var lastStage: OrderStage?
while true {
    let status = try await runtime.client.status(of: id)
    if let stage = try status.customStatus(as: OrderStage.self), stage != lastStage {
        print("  status: \(stage.rawValue)")
        lastStage = stage
    }
    if status.runtimeStatus.isFinished { break }
    try await Task.sleep(for: .milliseconds(5))
}

let receipt = try await runtime.client.result(of: id, as: PlaceOrder.self, timeout: .seconds(10))
print("Finished: \(receipt)\n")

print("Audit trail:")
let history = try await runtime.client.history(of: id)
let start = history.first?.timestamp ?? Date()
for (step, event) in history.enumerated() {
    let offset = String(format: "%6.1f ms", event.timestamp.timeIntervalSince(start) * 1_000)
    print("  \(String(step).leftPad(2))  \(offset)  \(event)")
}

extension String {
    func leftPad(_ width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}
