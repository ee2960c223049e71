// The main demo: the seed's order flow on the default file journal (./.durable).
//
//     swift run OrderService                       # pays successfully
//     swift run OrderService --payment fail        # the payment provider declines
//     swift run OrderService --payment none        # no answer: the payment times out
//     swift run OrderService --crash-after 3       # SIGKILLs itself after 3 steps; run it again to resume
//
// It prints each custom-status change as it happens and, at the end, the history as an audit
// trail, marking which steps were replayed from the journal and which ran in this process.

import Durable
import Foundation
import Synchronization

/// Prints a line unbuffered, so nothing is lost when the process kills itself.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// MARK: Flags

let arguments = CommandLine.arguments
func flag(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let paymentAnswer = flag("--payment") ?? "success"
let crashAfter = flag("--crash-after").flatMap(Int.init)
let paymentTimeout = flag("--payment-timeout").flatMap(Double.init) ?? 5
guard ["success", "fail", "none"].contains(paymentAnswer) else {
    say("--payment takes success, fail or none")
    exit(2)
}

// MARK: The domain

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

struct PaymentRequest: Codable, Sendable {
    var orderId: String
    var amount: Double
    var timeoutSeconds: Double
}

enum OrderStage: String, Codable, Sendable {
    case gettingCart, gettingUser, reservingStock, pricing, awaitingPayment, paid, cancelled
}

/// Counts finished steps and, with --crash-after, kills the process with SIGKILL after that many.
final class CrashSwitch: Sendable {
    let after: Int?
    private let count = Counter()

    init(after: Int?) { self.after = after }

    func stepFinished(_ name: String) {
        let done = count.next()
        say("    step \(done): \(name) ran live")
        if let after, done >= after {
            say("    --crash-after \(after): SIGKILL now. Run the same command again to resume.")
            kill(getpid(), SIGKILL)
        }
    }
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}

let crashSwitch = CrashSwitch(after: crashAfter)

/// Stands in for a real shopping-cart service; activities carry dependencies like this one.
struct ShoppingCartClient: Sendable {
    func cart(id: String) async throws -> Cart {
        try await Task.sleep(for: .milliseconds(150))
        return Cart(items: ["keyboard", "mouse"], subtotal: 129.90)
    }
}

struct GetShoppingCart: Activity {
    let carts: ShoppingCartClient
    func run(_ cartId: String, context: ActivityContext) async throws -> Cart {
        let cart = try await carts.cart(id: cartId)
        crashSwitch.stepFinished(Self.name)
        return cart
    }
}

struct GetUser: Activity {
    func run(_ userId: String, context: ActivityContext) async throws -> User {
        try await Task.sleep(for: .milliseconds(100))
        crashSwitch.stepFinished(Self.name)
        return User(name: "Ada", country: "NL")
    }
}

struct CheckAndReserveStock: Activity {
    func run(_ cart: Cart, context: ActivityContext) async throws -> Bool {
        try await Task.sleep(for: .milliseconds(120))
        crashSwitch.stepFinished(Self.name)
        return true
    }
}

struct ShippingCost: Activity {
    func run(_ user: User, context: ActivityContext) async throws -> Double {
        try await Task.sleep(for: .milliseconds(80))
        crashSwitch.stepFinished(Self.name)
        return user.country == "NL" ? 4.95 : 14.95
    }
}

struct StartPayment: Activity {
    func run(_ request: PaymentRequest, context: ActivityContext) async throws -> String {
        try await Task.sleep(for: .milliseconds(100))
        crashSwitch.stepFinished(Self.name)
        return "PAY-\(request.orderId)"
    }
}

// MARK: The orchestrations

/// The seed's payment flow: start the payment, then the provider's webhook (an external event)
/// or a timeout decides, whichever comes first.
struct Payment: Orchestration {
    enum Outcome: Codable, Sendable {
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
        let total = cart.subtotal + (try await context.call(ShippingCost.self, user, retry: retry))

        context.setCustomStatus(OrderStage.awaitingPayment)
        let payment = try await context.callSubOrchestration(
            Payment.self, PaymentRequest(orderId: order.id, amount: total, timeoutSeconds: order.paymentTimeoutSeconds),
            instanceId: "\(order.id)-payment")
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

// MARK: The run

let runtime = try await DurableRuntime {
    PlaceOrder.self
    Payment.self
    GetShoppingCart(carts: ShoppingCartClient())
    GetUser()
    CheckAndReserveStock()
    ShippingCost()
    StartPayment()
}
let client = runtime.client
let id = "order-demo"

let existing = try? await client.status(of: id)
let journaledBefore = (try? await client.history(of: id).count) ?? 0
if let existing, !existing.runtimeStatus.isFinished {
    say("Resuming \(id) from the journal (\(journaledBefore) events recorded before this run).")
} else {
    let order = Order(id: id, cartId: "cart-42", userId: "user-7", paymentTimeoutSeconds: paymentTimeout)
    try await client.start(PlaceOrder.self, input: order, instanceId: id, reuse: .replaceFinished)
    say("Started \(id) (payment answer: \(paymentAnswer)).")
}
let journaledAtStart = existing?.runtimeStatus.isFinished == false ? journaledBefore : 0

// Print each custom-status change; play the payment provider's webhook when payment starts.
var lastStage: OrderStage?
var answered = false
while true {
    let status = try await client.status(of: id)
    if let stage = try status.customStatus(as: OrderStage.self), stage != lastStage {
        say("  status: \(stage.rawValue)")
        lastStage = stage
    }
    if lastStage == .awaitingPayment, !answered, paymentAnswer != "none",
        let payment = try? await client.status(of: "\(id)-payment"), payment.runtimeStatus == .running,
        let paymentHistory = try? await client.history(of: "\(id)-payment"),
        paymentHistory.contains(where: { $0.kind.name == "TaskCompleted" }),
        !paymentHistory.contains(where: { $0.kind.name == "EventRaised" })  // a run before a crash may have answered
    {
        answered = true
        let name = paymentAnswer == "success" ? "payment-request-success" : "payment-request-fail"
        say("  webhook: raising \(name)")
        try await client.raiseEvent("\(id)-payment", name: name, payload: paymentAnswer == "success" ? "txn-9001" : "card expired")
    }
    if status.runtimeStatus.isFinished { break }
    try await Task.sleep(for: .milliseconds(20))
}

let result = try await client.result(of: id, as: PlaceOrder.self, timeout: .seconds(60))
say("Finished: \(result)\n")

say("Audit trail (\(journaledAtStart > 0 ? "events before #\(journaledAtStart) were replayed from the journal" : "all live")):")
let history = try await client.history(of: id)
let start = history.first?.timestamp ?? Date()
for (step, event) in history.enumerated() {
    let offset = String(format: "%8.1f ms", event.timestamp.timeIntervalSince(start) * 1_000)
    let origin = step < journaledAtStart ? "replayed" : "live    "
    say("  \(String(format: "%2d", step))  \(origin)  \(offset)  \(event)")
}
runtime.shutdown()
