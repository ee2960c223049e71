import Durable
import Foundation

// Runs a batch of randomized ``StressProgram`` instances on one in-memory runtime, then checks
// every execution they left (see `DeterminismStressChecks.swift`).

/// What a run does to its instance besides starting it.
enum RunPlan: Sendable {
    /// Start, raise events while it runs, wait.
    case plain
    /// As `plain`, then start the finished id again with `.replaceFinished` and a new program.
    case reuse
    /// Start with raises, a terminate, a suspend and a resume racing it, in random subsets.
    case lifecycle(raises: Int, terminates: Bool, suspends: Bool, resumes: Bool)

    init(run: Int) {
        var rng = SplitMix(state: UInt64(run) &* 0x2545_F491_4F6C_DD1D)
        switch Int.random(in: 0..<100, using: &rng) {
        case 0..<60: self = .plain
        case 60..<72: self = .reuse
        default:
            self = .lifecycle(
                raises: Int.random(in: 0...2, using: &rng), terminates: rng.chance(35), suspends: rng.chance(50),
                resumes: rng.chance(60))
        }
    }

    var isLifecycle: Bool {
        if case .lifecycle = self { return true }
        return false
    }
}

/// What the test did to one run's instance, for the checks on its history.
struct RunRecord: Sendable {
    var run: Int
    var id: String
    var plan: RunPlan
    /// Events whose `raiseEvent` returned: each must be in the history once.
    var acknowledged: [Payload] = []
    /// How many of those were raised concurrently with `start`.
    var acknowledgedWithStart = 0
    var terminated = false
    var suspended = false
    var resumed = false
}

enum StressRuns {
    /// How long a run may take: far more than any needs, so only a stuck one hits it.
    static let timeout: Duration = .seconds(60)

    /// Runs `runs` concurrently on a fresh runtime and returns what each did, with the store.
    static func perform(_ runs: Range<Int>) async throws -> (records: [RunRecord], store: ArchivingStore) {
        let clock = SteppingClock()
        let store = ArchivingStore()
        let runtime = try await DurableRuntime(storage: .store(store), configuration: .init(clock: clock)) {
            StressProgram.self
            StressWork()
        }
        defer { runtime.shutdown() }
        let driver = Task { await fireTimersAtRandom(clock) }
        defer { clock.stop() }
        let records: [RunRecord]
        do {
            records = try await withThrowingTaskGroup(of: RunRecord.self) { group in
                for run in runs {
                    group.addTask { try await perform(run, on: runtime.client) }
                }
                return try await group.reduce(into: [RunRecord]()) { $0.append($1) }
            }
            // Children of a terminated parent run on; everything must end.
            for id in store.allHistories().keys {
                _ = try await runtime.client.waitForCompletion(of: id, timeout: StressRuns.timeout)
            }
        } catch {
            // Show what a stuck instance had recorded, so the failure can be read.
            if let (id, history) = store.allHistories().first(where: { !($0.value.last?.kind.isEnd ?? true) }) {
                print("unfinished \(id):\n  " + history.map(\.description).joined(separator: "\n  "))
            }
            throw error
        }
        clock.stop()
        await driver.value
        return (records.sorted { $0.run < $1.run }, store)
    }

    /// Fires whichever timer it likes whenever one is armed, until the clock stops.
    private static func fireTimersAtRandom(_ clock: SteppingClock) async {
        while !clock.isStopped {
            let version = clock.version
            if clock.fireRandom() {
                for _ in 0..<Int.random(in: 0...2) { await Task.yield() }
            } else {
                await clock.waitForChange(after: version)
            }
        }
    }

    private static func perform(_ run: Int, on client: DurableClient) async throws -> RunRecord {
        let plan = RunPlan(run: run)
        var rng = SplitMix(state: UInt64(run) &+ 0x1234_5678)
        var record = RunRecord(run: run, id: "run-\(run)", plan: plan)
        let input = StressInput(run: run, seed: rng.next())
        switch plan {
        case .plain, .reuse:
            try await client.start(StressProgram.self, input: input, instanceId: record.id)
            record.acknowledged += try await raise(Int.random(in: 0...3), to: record.id, tag: "first", client)
            _ = try await client.waitForCompletion(of: record.id, timeout: StressRuns.timeout)
            guard case .reuse = plan else { return record }
            try await client.start(
                StressProgram.self, input: StressInput(run: run, seed: rng.next()), instanceId: record.id,
                reuse: .replaceFinished)
            record.acknowledged += try await raise(Int.random(in: 0...3), to: record.id, tag: "second", client)
        case .lifecycle(let raises, let terminates, let suspends, let resumes):
            record = try await race(record, input, raises: raises, terminates: terminates, suspends: suspends, resumes: resumes, client)
        }
        _ = try await client.waitForCompletion(of: record.id, timeout: StressRuns.timeout)
        return record
    }

    /// Starts the instance with the lifecycle calls racing the start, then lets it finish.
    private static func race(
        _ record: RunRecord, _ input: StressInput, raises: Int, terminates: Bool, suspends: Bool, resumes: Bool,
        _ client: DurableClient
    ) async throws -> RunRecord {
        let id = record.id
        var record = record
        enum Outcome { case started, raised([Payload]), terminated(Bool), suspended(Bool, resumed: Bool) }
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                try await client.start(StressProgram.self, input: input, instanceId: id)
                return .started
            }
            group.addTask { .raised(try await raise(raises, to: id, tag: "with-start", client)) }
            if terminates {
                group.addTask {
                    await jitter()
                    let tree = Bool.random()
                    return .terminated(try await tolerated { try await client.terminate(id, reason: "stress", includeSubOrchestrations: tree) })
                }
            }
            if suspends {
                group.addTask {
                    await jitter()
                    let suspended = try await tolerated { try await client.suspend(id, reason: "stress") }
                    guard resumes else { return .suspended(suspended, resumed: false) }
                    await jitter()
                    return .suspended(suspended, resumed: try await tolerated { try await client.resume(id, reason: "stress") })
                }
            }
            for try await outcome in group {
                switch outcome {
                case .started: break
                case .raised(let payloads):
                    record.acknowledged += payloads
                    record.acknowledgedWithStart += payloads.count
                case .terminated(let done): record.terminated = done
                case .suspended(let suspended, let resumed):
                    record.suspended = suspended
                    record.resumed = resumed
                }
            }
        }
        // Left suspended, it would never finish.
        if try await client.status(of: id).runtimeStatus == .suspended {
            _ = try await tolerated { try await client.resume(id, reason: "end of the race") }
        }
        return record
    }

    /// Raises `count` events with unique payloads at random moments; returns the acknowledged ones.
    private static func raise(_ count: Int, to id: String, tag: String, _ client: DurableClient) async throws -> [Payload] {
        var acknowledged: [Payload] = []
        for index in 0..<count {
            await jitter()
            let payload = "\(id)/\(tag)/\(index)"
            let name = StressShape.eventNames.randomElement() ?? "a"
            if try await tolerated({ try await client.raiseEvent(id, name: name, payload: payload) }) {
                acknowledged.append(try Payload(encoding: payload))
            }
        }
        return acknowledged
    }

    /// Runs a client call that may lose its race: to an instance not started yet, or finished
    /// already, it throws `unknownInstance` or `invalidStatus`; returns whether it went through.
    private static func tolerated(_ call: () async throws -> Void) async throws -> Bool {
        do {
            try await call()
            return true
        } catch DurableError.unknownInstance, DurableError.invalidStatus {
            return false
        }
    }

    private static func jitter() async {
        for _ in 0..<Int.random(in: 0...6) { await Task.yield() }
    }
}
