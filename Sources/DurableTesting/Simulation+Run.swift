import Foundation

/// One seeded run, executed on the simulation thread, and the invariants it must satisfy.
struct RunRecord: @unchecked Sendable {
    // @unchecked: `runtime` is only used after the run, to replay histories (which touches no
    // state the loop owns).
    let seed: UInt64
    let crashPoints: [Int]
    let operations: Int
    let trace: [String]
    let crashes: [String]
    let failures: [String]
    let results: [String]
    let bodyError: String?
    let histories: [String: [HistoryEvent]]
    let acknowledgedStarts: [String]
    let acknowledgedEvents: [(instance: String, name: String)]
    let executions: [String: Int]
    let runtime: DurableRuntime?

    /// Runs `body` with seed `seed`, crashing at the given journal operations. Call on the simulation thread.
    init(seed: UInt64, faults: Faults, options: SimulationOptions, crashPoints: [Int], body: @escaping Simulation.Body) {
        let world = SimulationWorld(seed: seed, faults: faults, options: options, crashPoints: crashPoints)
        let simulation = Simulation(world: world)
        let outcome = BodyOutcome()
        Task(executorPreference: world.loop) {
            do {
                try await body(simulation)
            } catch {
                outcome.error = "\(error)"
            }
            outcome.isDone = true
        }
        let limit = world.epoch.addingTimeInterval(max(0, Double(options.virtualTimeLimit.components.seconds)))
        let stop = world.loop.run(until: { outcome.isDone && world.everyInstanceFinished }, limit: limit)
        var failures = world.failures
        switch stop {
        case .finished: break
        case .idle:
            if !outcome.isDone {
                failures.append("the body waits for something nothing will ever do (no work and no timer left)")
            } else {
                failures.append("instances never finished: \(world.unfinished.joined(separator: ", ")) (no work and no timer left)")
            }
        case .timeLimit(let next):
            failures.append(
                "not finished within the virtual-time limit of \(options.virtualTimeLimit) (next timer at "
                    + "\(next.timeIntervalSince(world.epoch)) s); unfinished: \(world.unfinished.joined(separator: ", "))")
        }
        let histories = world.process?.store?.liveHistories ?? [:]
        world.finish()
        // Let what the shutdown resumed (the body's waits) run out, without moving time.
        _ = world.loop.run(until: { true }, limit: world.loop.now)
        world.loop.discardAll()
        self.seed = seed
        self.crashPoints = crashPoints
        operations = world.operations
        trace = world.trace
        crashes = world.crashes
        self.failures = failures
        results = world.results
        bodyError = outcome.error
        self.histories = histories
        acknowledgedStarts = world.acknowledgedStarts
        acknowledgedEvents = world.acknowledgedEvents
        executions = world.executions
        runtime = world.runtime
    }

    var report: SimulationReport {
        SimulationReport(
            seed: seed, crashes: crashes, trace: trace, results: results, executions: executions, histories: histories)
    }

    func failure(_ invariant: String) -> SimulationFailure {
        SimulationFailure(seed: seed, invariant: invariant, crashes: crashes, report: report)
    }

    /// Checks the invariants every run must hold; `calm` is the same seed's run without crashes.
    func verify(against calm: RunRecord?) async throws {
        // The run's own failures first: a run stopped at its time limit also ends the body's waits.
        if let first = failures.first { throw failure(first) }
        for id in acknowledgedStarts where histories[id] == nil {
            throw failure("the start of '\(id)' was acknowledged, but its history is gone")
        }
        for (id, name) in acknowledgedEvents {
            guard let history = histories[id] else { continue }  // reported above
            let kept = history.contains { if case .eventRaised(name, _, _) = $0.kind { true } else { false } }
            if !kept { throw failure("the event '\(name)' raised for '\(id)' was acknowledged, but its history lacks it") }
        }
        // After the losses: a lost start also makes the body's wait for it throw.
        if let bodyError { throw failure("the body threw: \(bodyError)") }
        for id in histories.keys.sorted() {
            guard let history = histories[id] else { continue }
            try await verifyReplay(of: history, id: id)
        }
        if let calm {
            if calm.results != results || calm.bodyError != bodyError {
                throw failure(
                    "with crashes the run came to other results than without: without \(calm.results), with \(results)")
            }
        }
    }

    private func verifyReplay(of history: [HistoryEvent], id: String) async throws {
        guard let last = history.last else { return }
        if case .executionFailed(let details) = last.kind, details.errorType.contains("Nondeterminism") {
            throw failure("'\(id)' failed with a NondeterminismError: \(details.message)")
        }
        guard let runtime else { return }
        let replayed: ReplayResult
        do {
            replayed = try await runtime.replay(history, instanceId: id)
        } catch {
            throw failure("the history of '\(id)' could not be replayed: \(error)")
        }
        let agrees: Bool =
            switch (replayed.outcome, last.kind) {
            case (.completed(let output), .executionCompleted(let recorded)): output == recorded
            case (.failed(let details), .executionFailed(let recorded)): details == recorded
            case (_, .executionTerminated): true
            case (.continuedAsNew, _): true
            default: false
            }
        if !agrees {
            throw failure("replaying the history of '\(id)' came to \(replayed.outcome), but it recorded \(last.kind.name)")
        }
    }

    /// What differs between two runs of the same seed, or `nil` if they are identical.
    func difference(from other: RunRecord) -> String? {
        if trace != other.trace {
            let index = trace.indices.first { $0 >= other.trace.count || trace[$0] != other.trace[$0] } ?? trace.count
            let first = index < trace.count ? trace[index] : "(end)"
            let second = index < other.trace.count ? other.trace[index] : "(end)"
            return "trace line \(index + 1): '\(first)' then '\(second)'"
        }
        if histories != other.histories { return "the histories" }
        return nil
    }
}

/// Whether the body has returned, and what it threw. Loop thread only.
private final class BodyOutcome: @unchecked Sendable {
    var isDone = false
    var error: String?
}

extension SimulationWorld {
    /// Ids of the instances the live process holds that have not finished.
    var unfinished: [String] {
        (process?.store?.liveHistories ?? [:]).filter { !($0.value.last?.kind.endsExecution ?? true) }.keys.sorted()
    }

    var everyInstanceFinished: Bool {
        guard runtime != nil || process == nil else { return false }  // still recovering
        return (process?.store?.liveHistories ?? [:]).values.allSatisfy { $0.last?.kind.endsExecution ?? true }
    }
}

extension HistoryEvent.Kind {
    var endsExecution: Bool {
        switch self {
        case .executionCompleted, .executionFailed, .executionTerminated: true
        default: false
        }
    }
}

/// The dedicated thread seeds run on, one after another.
final class SimulationThread: @unchecked Sendable {
    // @unchecked: `work` and `isStopped` are guarded by `condition`.
    private let condition = NSCondition()
    private var work: [() -> Void] = []
    private var isStopped = false

    init() {
        let thread = Thread { [self] in loop() }
        thread.name = "Durable simulation"
        thread.start()
    }

    /// Runs `job` on the thread and returns what it returned.
    func run<T: Sendable>(_ job: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            condition.lock()
            work.append { continuation.resume(returning: job()) }
            condition.signal()
            condition.unlock()
        }
    }

    func stop() {
        condition.lock()
        isStopped = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        while true {
            if let next = work.first {
                work.removeFirst()
                condition.unlock()
                next()
                condition.lock()
            } else if isStopped {
                break
            } else {
                condition.wait()
            }
        }
        condition.unlock()
    }
}
