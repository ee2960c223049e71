import Durable

/// The seed's fan-out/fan-in: one email per order in parallel, then marketing data for the USA ones.
struct SendShipmentEmails: Orchestration {
    func run(_ orders: [ShippedOrder], context: OrchestrationContext) async throws -> String {
        let countries = try await withThrowingTaskGroup(of: String.self) { group in
            for order in orders { group.addTask { try await context.call(SendShipmentEmail.self, order) } }
            var countries: [String] = []
            for try await country in group { countries.append(country) }
            return countries
        }
        return try await context.call(MarketingData.self, countries.filter { $0 == "USA" }.count)
    }
}

struct ShippedOrder: Codable, Sendable {
    var id: String
    var country: String
}

struct SendShipmentEmail: Activity {
    var log: @Sendable (String) -> Void = { _ in }
    func run(_ order: ShippedOrder, context: ActivityContext) async throws -> String {
        log("emailed \(order.id) (\(order.country))")
        return order.country
    }
}

struct MarketingData: Activity {
    var log: @Sendable (String) -> Void = { _ in }
    func run(_ usaOrders: Int, context: ActivityContext) async throws -> String {
        log("sent marketing data for \(usaOrders) USA orders")
        return "marketing data for \(usaOrders) USA orders"
    }
}
