import Foundation

extension Simulation {
    /// The body of a simulated run: builds a runtime with ``runtime(configuration:_:)``, drives it
    /// through the simulated client and checks what it likes.
    public typealias Body = @Sendable (Simulation) async throws -> Void

    /// Runs `body` once per seed, each run with the faults the seed draws, and checks every run's
    /// invariants (see ``SimulationFailure``); throws the first failure.
    ///
    /// Each seed runs twice: without crashes, then with the crash count `faults.crashes` draws, at
    /// journal operations picked from the crash-free run; the two must agree. Every
    /// ``SimulationOptions/determinismCheckEvery``-th seed runs a third time, which must repeat its
    /// trace and histories exactly.
    ///
    /// - Returns: A summary of the runs: how many, the crashes, the activity executions.
    @discardableResult
    public static func check(
        seeds: some Sequence<Int>, faults: Faults = Faults(), options: SimulationOptions = SimulationOptions(),
        _ body: @escaping Body
    ) async throws -> SimulationSummary {
        let thread = SimulationThread()
        defer { thread.stop() }
        var summary = SimulationSummary()
        for seed in seeds {
            let seed = UInt64(truncatingIfNeeded: seed)
            let report = try await checkOne(seed: seed, faults: faults, options: options, body: body, on: thread)
            summary.add(report)
        }
        return summary
    }

    /// Runs one seed exactly as ``check(seeds:faults:options:_:)`` does and returns its report,
    /// trace included; throws the failure if an invariant does not hold. The one-line repro a
    /// failure prints.
    @discardableResult
    public static func replay(
        seed: Int, faults: Faults = Faults(), options: SimulationOptions = SimulationOptions(), _ body: @escaping Body
    ) async throws -> SimulationReport {
        let thread = SimulationThread()
        defer { thread.stop() }
        var options = options
        options.determinismCheckEvery = 1
        return try await checkOne(
            seed: UInt64(truncatingIfNeeded: seed), faults: faults, options: options, body: body, on: thread)
    }

    private static func checkOne(
        seed: UInt64, faults: Faults, options: SimulationOptions, body: @escaping Body, on thread: SimulationThread
    ) async throws -> SimulationReport {
        let calm = await thread.run { RunRecord(seed: seed, faults: faults, options: options, crashPoints: [], body: body) }
        try await calm.verify(against: nil)
        let crashCount = draw(from: faults.crashes, seed: seed)
        var record = calm
        if crashCount > 0 {
            var picker = SeededRandom(seed: SeededRandom.mix(seed ^ 0xC4A5))
            let points = (0..<crashCount).map { _ in 1 + Int(picker.next() % UInt64(max(1, calm.operations))) }.sorted()
            record = await thread.run { RunRecord(seed: seed, faults: faults, options: options, crashPoints: points, body: body) }
            try await record.verify(against: options.compareWithCrashFreeRun ? calm : nil)
        }
        if options.determinismCheckEvery > 0, seed % UInt64(options.determinismCheckEvery) == 0 {
            let points = record.crashPoints
            let again = await thread.run {
                RunRecord(seed: seed, faults: faults, options: options, crashPoints: points, body: body)
            }
            if let difference = record.difference(from: again) {
                throw record.failure(
                    "the run is not a function of its seed: run again, it differed (\(difference)). Something in the "
                        + "body or the registered code escapes the simulation (another actor or thread, Task.sleep, "
                        + "real randomness, the wall clock)")
            }
        }
        return record.report
    }

    /// Draws a run's crash count from `range`, clamped to `0...Faults.mostCrashesPerRun`: a range
    /// such as `Int.min...Int.max` neither overflows the span nor asks for more crash points than
    /// can be listed.
    private static func draw(from range: ClosedRange<Int>, seed: UInt64) -> Int {
        let low = min(max(0, range.lowerBound), Faults.mostCrashesPerRun)
        let high = min(max(0, range.upperBound), Faults.mostCrashesPerRun)
        guard high > low else { return low }
        return low + Int(SeededRandom.mix(seed ^ 0xC0C0) % UInt64(high - low + 1))
    }
}

/// What the runs of a ``Simulation/check(seeds:faults:options:_:)`` came to.
public struct SimulationSummary: Sendable {
    /// How many seeds ran.
    public var seeds = 0
    /// How many simulated crashes they survived.
    public var crashes = 0
    /// The most times one activity call's code ran, per activity name: at least 1 for any call
    /// that ran; more where a crash or a retry repeated it.
    public var mostExecutionsPerCall: [String: Int] = [:]

    mutating func add(_ report: SimulationReport) {
        seeds += 1
        crashes += report.crashes.count
        for (call, count) in report.executions {
            let name = String(call.prefix { $0 != " " })
            mostExecutionsPerCall[name] = max(mostExecutionsPerCall[name] ?? 0, count)
        }
    }
}

/// One seed's run: its trace and what it did.
public struct SimulationReport: Sendable, CustomStringConvertible {
    /// The seed.
    public var seed: UInt64
    /// The crashes, in order, with where each happened.
    public var crashes: [String]
    /// The timeline: journal records, activity dispatches and outcomes, faults, crashes, inputs, results.
    public var trace: [String]
    /// The results ``Simulation/result(of:as:)`` returned, in order.
    public var results: [String]
    /// How many times each activity call's code ran, by "name instance#sequence".
    public var executions: [String: Int]
    /// Every history at the end of the run, by instance id.
    public var histories: [String: [HistoryEvent]]

    public var description: String { trace.joined(separator: "\n") }

    /// Writes the trace to `path`, one line per entry.
    public func writeTrace(to path: String) throws {
        try Data((description + "\n").utf8).write(to: URL(fileURLWithPath: path))
    }
}

/// An invariant a seeded run broke: which seed, which invariant, after which crashes, the line
/// that reproduces it, and the run's trace.
public struct SimulationFailure: Error, CustomStringConvertible {
    /// The seed of the failing run.
    public var seed: UInt64
    /// What did not hold.
    public var invariant: String
    /// The crashes of the run, where each happened.
    public var crashes: [String]
    /// The failing run's report, with its trace.
    public var report: SimulationReport

    /// The line that runs this seed again.
    public var reproduction: String { "try await Simulation.replay(seed: \(seed), faults: …) { sim in … }" }

    public var description: String {
        var lines = ["Simulation failed for seed \(seed): \(invariant)"]
        lines.append(crashes.isEmpty ? "No crashes in this run." : "Crashes: " + crashes.joined(separator: "; "))
        lines.append("Reproduce: \(reproduction)  (or Simulation.check(seeds: \(seed)...\(seed), …))")
        lines.append("Trace (last 60 of \(report.trace.count) lines; SimulationFailure.report.writeTrace(to:) has all):")
        lines.append(contentsOf: report.trace.suffix(60).map { "  " + $0 })
        return lines.joined(separator: "\n")
    }
}
