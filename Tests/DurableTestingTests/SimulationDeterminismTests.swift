import DurableTesting
import Foundation
import Testing

@Suite struct SimulationDeterminismTests {
    @Test func theSameSeedGivesTheSameTraceAndHistories() async throws {
        let faults = Faults(activityFailureRate: 0.3, crashes: 1...2)
        let first = try await Simulation.replay(seed: 42, faults: faults, greetingBody)
        let second = try await Simulation.replay(seed: 42, faults: faults, greetingBody)
        #expect(first.trace == second.trace)
        #expect(first.histories == second.histories)
        #expect(!first.histories.isEmpty)
        #expect(first.trace.count > 10)
    }

    @Test func differentSeedsGiveDifferentRuns() async throws {
        let faults = Faults(activityFailureRate: 0.3)
        var traces = Set<[String]>()
        for seed in 0..<8 { traces.insert(try await Simulation.replay(seed: seed, faults: faults, greetingBody).trace) }
        #expect(traces.count > 4)
    }

    @Test func codeThatEscapesTheSimulationIsReported() async throws {
        // The body draws from the system's generator, not the seed's: two runs of a seed differ.
        // (A real body would use the number for an input or a moment; noting it is enough.)
        let failure = await #expect(throws: SimulationFailure.self) {
            try await Simulation.replay(seed: 3) { sim in
                let runtime = try await sim.runtime { SimGreeting.self; SimHello() }
                let id = try await runtime.client.start(SimGreeting.self, input: "ada", instanceId: "g")
                sim.note("picked \(Int.random(in: 1...1_000_000_000))")
                _ = try await sim.result(of: id, as: SimGreeting.self)
            }
        }
        #expect(failure?.invariant.contains("not a function of its seed") == true)
    }
}
