import Durable
import Foundation
import Synchronization
import Testing

/// Continues as new `rounds` times in a row, each round taking every "tick" buffered so far
/// (carried per `keepUnprocessedEvents`), then waits for ticks until it has `total`.
struct RaceEternalCounter: Orchestration {
    struct Input: Codable, Sendable {
        var round: Int
        var rounds: Int
        var seen: [Int]
        var total: Int
    }

    func run(_ input: Input, context: OrchestrationContext) async throws -> [Int] {
        var seen = input.seen
        if input.round < input.rounds {
            // One tick per round at most, so most of them arrive while a round ends and the next begins.
            if seen.count < input.total { seen.append(try await context.waitForEvent("tick", as: Int.self)) }
            try context.continueAsNew(
                with: Input(round: input.round + 1, rounds: input.rounds, seen: seen, total: input.total),
                keepUnprocessedEvents: true)
        }
        while seen.count < input.total { seen.append(try await context.waitForEvent("tick", as: Int.self)) }
        return seen
    }
}

/// Races between a client and an instance's own lifecycle (issue 14).
@Suite struct LifecycleRaceTests {
    /// Item 6: an event raised while the instance continues as new goes to the new execution (or
    /// is carried): the raise never fails, and every event is consumed exactly once.
    @Test func eventsRaisedDuringContinueAsNewAreNeverRefusedOrLost() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { RaceEternalCounter.self }
        defer { runtime.shutdown() }
        let total = 200
        let id = try await runtime.client.start(
            RaceEternalCounter.self, input: .init(round: 0, rounds: 150, seen: [], total: total), instanceId: "eternal")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for raiser in 0..<4 {
                group.addTask {
                    for index in stride(from: raiser, to: total, by: 4) {
                        try await runtime.client.raiseEvent(id, name: "tick", payload: index)
                    }
                }
            }
            try await group.waitForAll()
        }
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(30))
        #expect(status.runtimeStatus == .completed, "\(String(describing: status.failure))")
        let seen = try #require(try status.output(as: [Int].self))
        #expect(seen.sorted() == Array(0..<total))
    }
}
