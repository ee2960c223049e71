import DurableTesting
import Foundation
import Testing

@Suite struct SimulationCrashTests {
    @Test func runsWithCrashesRecoverAndAgreeWithTheCrashFreeRun() async throws {
        let summary = try await Simulation.check(seeds: 0..<150, faults: Faults(crashes: 1...3), steadyBody)
        #expect(summary.seeds == 150)
        #expect(summary.crashes >= 150)
        #expect(summary.mostExecutionsPerCall["SimHello", default: 0] >= 1)
    }

    @Test func aCrashLeavesATraceThatSaysWhatWasLost() async throws {
        let report = try await Simulation.replay(seed: 9, faults: Faults(crashes: 2...2), steadyBody)
        #expect(report.crashes.count == 2)
        #expect(report.trace.contains { $0.contains("CRASH after journal operation") })
        #expect(report.trace.filter { $0.contains("process") && $0.contains("starts") }.count == 3)
        #expect(report.histories["greeting"]?.last?.kind.name == "ExecutionCompleted")
    }

    /// Before: the span `upperBound - lowerBound` overflowed and trapped the test process.
    @Test func anAbsurdCrashRangeIsClampedNotATrap() async throws {
        let summary = try await Simulation.check(seeds: 0..<2, faults: Faults(crashes: Int.min...Int.max), steadyBody)
        #expect(summary.seeds == 2)
        #expect(summary.crashes <= 2 * Faults.mostCrashesPerRun)
    }

    @Test func strictDurabilityRunsToo() async throws {
        try await Simulation.check(
            seeds: 0..<100, faults: Faults(activityFailureRate: 0.2, crashes: 0...2),
            options: SimulationOptions(strictDurability: true), steadyBody)
    }

    @Test func appendFailuresRestartTheProcessAndTheFlowStillFinishes() async throws {
        let summary = try await Simulation.check(
            seeds: 0..<100, faults: Faults(appendFailureRate: 0.05, duplicateEvents: 0.5),
            options: SimulationOptions(compareWithCrashFreeRun: false), greetingBody)
        #expect(summary.seeds == 100)
    }
}

@Suite struct SimulationSelfTests {
    /// A broken store: on every crash it loses the last event of each history, durable or not.
    static let forgetfulDisk: @Sendable (inout SimulatedDiskContents) -> Void = { contents in
        for id in contents.histories.keys { contents.histories[id]?.removeLast() }
        contents.histories = contents.histories.filter { !$0.value.isEmpty }
    }

    @Test func aStoreThatDropsAcknowledgedAppendsIsCaughtWithASeedThatReproducesIt() async throws {
        let options = SimulationOptions(damageOnCrash: Self.forgetfulDisk)
        let faults = Faults(crashes: 1...1)
        let caught = await #expect(throws: SimulationFailure.self) {
            try await Simulation.check(seeds: 0..<200, faults: faults, options: options, steadyBody)
        }
        let failure = try #require(caught)
        #expect(failure.invariant.contains("acknowledged"))
        #expect(failure.description.contains("seed \(failure.seed)"))
        #expect(failure.description.contains("Simulation.replay(seed: \(failure.seed)"))
        #expect(!failure.crashes.isEmpty)
        // The one-line repro fails the same way.
        let again = await #expect(throws: SimulationFailure.self) {
            try await Simulation.replay(seed: Int(failure.seed), faults: faults, options: options, steadyBody)
        }
        #expect(again?.invariant == failure.invariant)
        // And the same seeds pass with an honest store.
        try await Simulation.check(seeds: 0..<200, faults: faults, steadyBody)
    }
}
