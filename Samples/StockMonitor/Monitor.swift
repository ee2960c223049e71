import Durable
import Foundation
import Synchronization

/// The seed's monitor: check the price, alert past the threshold, otherwise sleep on a durable
/// timer and continue as new, so history stays one round long however long it watches.
struct CheckStockPrice: Orchestration {
    struct Watch: Codable, Sendable {
        var symbol: String
        var threshold: Double
        var intervalSeconds: Double
        var expiresAt: Date
        var round = 1
    }

    func run(_ watch: Watch, context: OrchestrationContext) async throws -> String {
        guard context.now < watch.expiresAt else { return "expired after \(watch.round - 1) checks" }
        let price = try await context.call(GetStockPrice.self, watch.symbol)
        context.setCustomStatus("round \(watch.round): \(watch.symbol) at \(price)")
        if price >= watch.threshold {
            return try await context.call(SendAlert.self, "\(watch.symbol) reached \(price) in round \(watch.round)")
        }
        try await context.sleep(for: .seconds(watch.intervalSeconds))
        var next = watch
        next.round += 1
        try context.continueAsNew(with: next)
    }
}

/// A pretend market: the price climbs by a step each call.
struct GetStockPrice: Activity {
    var start: Double = 100
    var step: Double = 3
    let calls = PriceTicker()
    var log: @Sendable (String) -> Void = { _ in }

    func run(_ symbol: String, context: ActivityContext) async throws -> Double {
        let price = start + step * Double(calls.next())
        log("\(symbol) is at \(price)")
        return price
    }
}

final class PriceTicker: Sendable {
    private let count = Mutex(0)
    func next() -> Int {
        count.withLock { count in
            defer { count += 1 }
            return count
        }
    }
}

struct SendAlert: Activity {
    var log: @Sendable (String) -> Void = { _ in }
    func run(_ message: String, context: ActivityContext) async throws -> String {
        log("ALERT: \(message)")
        return message
    }
}
