import DurableTesting
import Foundation
import Testing

@Suite struct SimulationTimeTests {
    @Test func timeoutsAndRetriesTakeNoRealTime() async throws {
        // Every first attempt fails (a 5 s backoff each), and no reply comes (the 60 s timeout wins).
        let faults = Faults(activities: ["SimHello": .failFirstAttempt])
        let started = ContinuousClock.now
        let report = try await Simulation.replay(seed: 1, faults: faults) { sim in
            let runtime = try await sim.runtime { SimGreeting.self; SimHello() }
            let id = try await runtime.client.start(SimGreeting.self, input: "ada")
            let result = try await sim.result(of: id, as: SimGreeting.self)
            if result != "hello ada: no reply" { throw ExpectationFailure(result) }
            if sim.now.timeIntervalSince1970 < 1_767_225_600 + 65 { throw ExpectationFailure("\(sim.now)") }
        }
        // 65 s of virtual time; alone it takes ~10 ms, and well under 10 s on a loaded 2-core machine.
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(report.trace.contains { $0.contains("FAULT SimHello") })
        #expect(report.trace.contains { $0.contains("TimerFired") })
    }

    @Test func aFlowThatNeverEndsFailsAtTheVirtualTimeLimit() async throws {
        let options = SimulationOptions(virtualTimeLimit: .seconds(10 * 86_400))
        let failure = await #expect(throws: SimulationFailure.self) {
            try await Simulation.replay(seed: 1, options: options) { sim in
                let runtime = try await sim.runtime { SimForever.self }
                let id = try await runtime.client.start(SimForever.self, input: 0)
                _ = try await sim.result(of: id, as: SimForever.self)
            }
        }
        #expect(failure?.invariant.contains("virtual-time limit") == true)
    }
}

/// Sleeps a day at a time, forever.
struct SimForever: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        while true { try await context.sleep(for: .seconds(86_400)) }
    }
}

/// A mismatch a body reports by throwing, so the simulation fails the run with it.
struct ExpectationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
