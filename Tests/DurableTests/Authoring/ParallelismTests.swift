import Durable
import Testing

// MARK: Fan-out/fan-in: the seed's SendShipmentEmail + MarketingData

struct SendShipmentEmail: Activity {
    let log: CallLog
    func run(_ order: Order, context: ActivityContext) async throws -> String {
        log.record(Self.name)
        return order.country
    }
}

struct MarketingData: Activity {
    let log: CallLog
    func run(_ usaOrders: Int, context: ActivityContext) async throws -> String {
        log.record(Self.name)
        return "marketing for \(usaOrders) USA orders"
    }
}

struct ShipmentEmails: Orchestration {
    func run(_ orders: [Order], context: OrchestrationContext) async throws -> String {
        let countries = try await withThrowingTaskGroup(of: String.self) { group in
            for order in orders {
                group.addTask { try await context.call(SendShipmentEmail.self, order) }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        return try await context.call(MarketingData.self, countries.filter { $0 == "USA" }.count)
    }
}

// MARK: async let: the seed's Utility_Coords + Utility_Name → Galaxy_Create_Impl

struct Coordinates: Codable, Sendable, Equatable {
    var x: Int
    var y: Int
}

struct UtilityCoords: Activity {
    func run(_ seed: Int, context: ActivityContext) async throws -> Coordinates {
        Coordinates(x: seed * 2, y: seed * 3)
    }
}

struct UtilityName: Activity {
    func run(_ seed: Int, context: ActivityContext) async throws -> String {
        "Galaxy-\(seed)"
    }
}

struct GalaxyCreateImpl: Activity {
    struct Request: Codable, Sendable {
        var name: String
        var coordinates: Coordinates
    }

    func run(_ request: Request, context: ActivityContext) async throws -> String {
        "\(request.name) at (\(request.coordinates.x), \(request.coordinates.y))"
    }
}

struct GalaxyCreate: Orchestration {
    func run(_ seed: Int, context: OrchestrationContext) async throws -> String {
        async let coordinates = context.call(UtilityCoords.self, seed)
        async let name = context.call(UtilityName.self, seed)
        return try await context.call(GalaxyCreateImpl.self, .init(name: name, coordinates: coordinates))
    }
}

@Suite struct ParallelismTests {
    @Test func fanOutOfAThousandActivitiesIsGatheredBeforeTheFinalStep() async throws {
        let log = CallLog()
        let runtime = try await DurableRuntime(storage: .memory) {
            ShipmentEmails.self
            SendShipmentEmail(log: log)
            MarketingData(log: log)
        }
        let orders = (0..<1_000).map { Order(id: "o-\($0)", amount: 1, country: $0 % 4 == 0 ? "USA" : "NL") }
        let id = try await runtime.client.start(ShipmentEmails.self, input: orders)

        let result = try await runtime.client.result(of: id, as: ShipmentEmails.self, timeout: .seconds(30))

        #expect(result == "marketing for 250 USA orders")
        #expect(log.count("SendShipmentEmail") == 1_000)
        #expect(log.count("MarketingData") == 1)
        #expect(log.all.last == "MarketingData")
        let history = try await runtime.client.history(of: id)
        // All 1,000 calls were issued before any result came back: one drain after the start.
        #expect(history.prefix(1_001).dropFirst().allSatisfy { $0.kind.name == "TaskScheduled" })
        #expect(history.scheduledActivities.last == "MarketingData")
    }

    @Test func asyncLetRunsTwoActivitiesInParallelThenFeedsTheThird() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            GalaxyCreate.self
            UtilityCoords()
            UtilityName()
            GalaxyCreateImpl()
        }
        let id = try await runtime.client.start(GalaxyCreate.self, input: 7)

        #expect(try await runtime.client.result(of: id, as: GalaxyCreate.self, timeout: .seconds(10)) == "Galaxy-7 at (14, 21)")
        let history = try await runtime.client.history(of: id)
        // Both parallel calls were scheduled before either completed.
        #expect(Array(history.kindNames.prefix(3)) == ["ExecutionStarted", "TaskScheduled", "TaskScheduled"])
        #expect(Set(history.scheduledActivities.prefix(2)) == ["UtilityCoords", "UtilityName"])
        #expect(history.scheduledActivities.last == "GalaxyCreateImpl")
    }
}
