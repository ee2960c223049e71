import Durable

/// The seed's "Starting fun with Durable Functions": two activities in parallel, then create.
struct CreateGalaxy: Orchestration {
    func run(_ seed: Int, context: OrchestrationContext) async throws -> String {
        async let coordinates = context.call(UtilityCoords.self, seed)
        async let name = context.call(UtilityName.self, seed)
        return try await context.call(GalaxyCreateImpl.self, GalaxyRequest(name: name, coordinates: coordinates))
    }
}

struct Coordinates: Codable, Sendable, Equatable {
    var x: Int
    var y: Int
}

struct GalaxyRequest: Codable, Sendable {
    var name: String
    var coordinates: Coordinates
}

/// Reports each step as it runs, so the demo shows progress.
struct Progress: Sendable {
    var report: @Sendable (String) -> Void = { _ in }
}

struct UtilityCoords: Activity {
    var progress = Progress()
    func run(_ seed: Int, context: ActivityContext) async throws -> Coordinates {
        progress.report("computing coordinates")
        return Coordinates(x: seed * 2, y: seed * 3)
    }
}

struct UtilityName: Activity {
    var progress = Progress()
    func run(_ seed: Int, context: ActivityContext) async throws -> String {
        progress.report("choosing a name")
        return "Galaxy-\(seed)"
    }
}

struct GalaxyCreateImpl: Activity {
    var progress = Progress()
    func run(_ request: GalaxyRequest, context: ActivityContext) async throws -> String {
        progress.report("creating \(request.name)")
        return "\(request.name) at (\(request.coordinates.x), \(request.coordinates.y))"
    }
}
