import Durable

/// The seed's function chaining: reserve, pay, ship, email — each step feeds the next.
struct PlaceOrderChain: Orchestration {
    static var name: String { "PlaceOrder" }

    func run(_ order: ChainOrder, context: OrchestrationContext) async throws -> String {
        try await context.call(CheckAndReserveInventory.self, order)
        let receipt = try await context.call(ProcessPayment.self, order)
        let trackingNumber = try await context.call(ScheduleShipping.self, order)
        try await context.call(EmailCustomer.self, "\(order.id): \(receipt), \(trackingNumber)")
        return trackingNumber
    }
}

struct ChainOrder: Codable, Sendable {
    var id: String
    var amount: Double
}

/// Where the activities report what they do.
struct StepLog: Sendable {
    var write: @Sendable (String) -> Void = { _ in }
}

struct CheckAndReserveInventory: Activity {
    var log = StepLog()
    func run(_ order: ChainOrder, context: ActivityContext) async throws -> Bool {
        log.write("reserved inventory for \(order.id)")
        return true
    }
}

struct ProcessPayment: Activity {
    var log = StepLog()
    func run(_ order: ChainOrder, context: ActivityContext) async throws -> String {
        log.write("charged \(order.amount) for \(order.id)")
        return "PAY-\(order.id)"
    }
}

struct ScheduleShipping: Activity {
    var log = StepLog()
    func run(_ order: ChainOrder, context: ActivityContext) async throws -> String {
        log.write("scheduled shipping for \(order.id)")
        return "TRACK-\(order.id)"
    }
}

struct EmailCustomer: Activity {
    var log = StepLog()
    func run(_ message: String, context: ActivityContext) async throws -> Bool {
        log.write("emailed the customer: \(message)")
        return true
    }
}
