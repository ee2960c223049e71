import Durable
import Foundation

// The seed's order flow: cart → user → stock → shipping → final cost → Payment, with retries and
// a custom status at every stage. Copied from Samples/OrderService/OrderFlow.swift (an executable
// target of the root package cannot be imported from here), with the crash switch left out and
// replay-safe log lines added, so the service's log shows each order's progress once.

struct Order: Codable, Sendable {
    var id: String
    var cartId: String
    var userId: String
    var paymentTimeoutSeconds: Double
}

struct Cart: Codable, Sendable {
    var items: [String]
    var subtotal: Double
}

struct User: Codable, Sendable {
    var name: String
    var country: String
}

struct Pricing: Codable, Sendable {
    var subtotal: Double
    var shipping: Double
}

struct PaymentRequest: Codable, Sendable {
    var orderId: String
    var amount: Double
    var timeoutSeconds: Double
}

enum OrderStage: String, Codable, Sendable {
    case gettingCart, gettingUser, reservingStock, pricing, awaitingPayment, paid, cancelled
}

/// How long each simulated step takes (`--step-latency`): stands in for the real services' round trips.
struct StepObserver: Sendable {
    var latency: Duration = .milliseconds(100)
}

/// Stands in for a real shopping-cart service; activities carry dependencies like this one.
struct ShoppingCartClient: Sendable {
    func cart(id: String) -> Cart { Cart(items: ["keyboard", "mouse"], subtotal: 129.90) }
}

struct GetShoppingCart: Activity {
    let carts: ShoppingCartClient
    var steps = StepObserver()
    func run(_ cartId: String, context: ActivityContext) async throws -> Cart {
        try await Task.sleep(for: steps.latency)
        return carts.cart(id: cartId)
    }
}

struct GetUser: Activity {
    var steps = StepObserver()
    func run(_ userId: String, context: ActivityContext) async throws -> User {
        try await Task.sleep(for: steps.latency)
        return User(name: "Ada", country: "NL")
    }
}

struct CheckAndReserveStock: Activity {
    var steps = StepObserver()
    func run(_ cart: Cart, context: ActivityContext) async throws -> Bool {
        try await Task.sleep(for: steps.latency)
        return true
    }
}

struct ShippingCost: Activity {
    var steps = StepObserver()
    func run(_ user: User, context: ActivityContext) async throws -> Double {
        try await Task.sleep(for: steps.latency)
        return user.country == "NL" ? 4.95 : 14.95
    }
}

struct FinalCost: Activity {
    var steps = StepObserver()
    func run(_ pricing: Pricing, context: ActivityContext) async throws -> Double {
        try await Task.sleep(for: steps.latency)
        return ((pricing.subtotal + pricing.shipping) * 100).rounded() / 100
    }
}

struct StartPayment: Activity {
    var steps = StepObserver()
    func run(_ request: PaymentRequest, context: ActivityContext) async throws -> String {
        try await Task.sleep(for: steps.latency)
        return "PAY-\(request.orderId)"
    }
}

/// The seed's payment flow: start the payment, then the provider's webhook (an external event)
/// or a timeout decides, whichever comes first.
struct Payment: Orchestration {
    enum Outcome: Codable, Sendable, Equatable {
        case paid(String)
        case declined(String)
        case timedOut
    }

    func run(_ request: PaymentRequest, context: OrchestrationContext) async throws -> Outcome {
        try await context.call(StartPayment.self, request, retry: .exponential(first: .seconds(5), attempts: 3, coefficient: 1))
        return try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask { .paid(try await context.waitForEvent("payment-request-success", as: String.self)) }
            group.addTask { .declined(try await context.waitForEvent("payment-request-fail", as: String.self)) }
            group.addTask {
                try await context.sleep(for: .seconds(request.timeoutSeconds))
                return .timedOut
            }
            defer { group.cancelAll() }
            return try await group.next() ?? .timedOut
        }
    }
}

struct PlaceOrder: Orchestration {
    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        let retry = RetryPolicy.exponential(first: .seconds(5), attempts: 3, coefficient: 1)
        context.log("order \(order.id): placing (cart \(order.cartId), user \(order.userId))")
        context.setCustomStatus(OrderStage.gettingCart)
        let cart = try await context.call(GetShoppingCart.self, order.cartId, retry: retry)

        context.setCustomStatus(OrderStage.gettingUser)
        let user = try await context.call(GetUser.self, order.userId, retry: retry)

        context.setCustomStatus(OrderStage.reservingStock)
        guard try await context.call(CheckAndReserveStock.self, cart, retry: retry) else {
            context.setCustomStatus(OrderStage.cancelled)
            return "cancelled: out of stock"
        }

        context.setCustomStatus(OrderStage.pricing)
        let shipping = try await context.call(ShippingCost.self, user, retry: retry)
        let total = try await context.call(FinalCost.self, Pricing(subtotal: cart.subtotal, shipping: shipping), retry: retry)

        context.setCustomStatus(OrderStage.awaitingPayment)
        context.log("order \(order.id): awaiting payment of \(String(format: "%.2f", total))")
        let payment = try await context.callSubOrchestration(
            Payment.self, PaymentRequest(orderId: order.id, amount: total, timeoutSeconds: order.paymentTimeoutSeconds),
            instanceId: "\(order.id)-payment")
        context.log("order \(order.id): payment \(payment)")
        switch payment {
        case .paid(let receipt):
            context.setCustomStatus(OrderStage.paid)
            return "paid \(String(format: "%.2f", total)) — receipt \(receipt)"
        case .declined(let reason):
            context.setCustomStatus(OrderStage.cancelled)
            return "cancelled: payment declined (\(reason))"
        case .timedOut:
            context.setCustomStatus(OrderStage.cancelled)
            return "cancelled: no answer from the payment provider"
        }
    }
}
