import Durable
import Foundation
import Testing

/// Returns its input after a random delay, so results arrive in a different order every run.
struct Jitter: Activity {
    func run(_ label: String, context: ActivityContext) async throws -> String {
        // Half return at once, so results pile up in the mailbox while the instance drains.
        let micros = UInt64.random(in: 0...400)
        if micros > 200 { try await Task.sleep(nanoseconds: micros * 1_000) }
        return label
    }
}

/// Sequential calls, a 20-way task group whose children make two calls each and whose parent
/// reacts to the order results arrive in, `async let`, and context values. Every command it
/// issues after the first depends on the interleaving.
struct Mixed: Orchestration {
    func run(_ seed: Int, context: OrchestrationContext) async throws -> [String] {
        var trail = [try await context.call(Jitter.self, "start-\(seed)")]
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let first = try await context.call(Jitter.self, "g\(index)")
                    return try await context.call(Jitter.self, "\(first).2")
                }
            }
            var arrivals = 0
            for try await result in group {
                arrivals += 1
                trail.append(result)
                if arrivals % 3 == 0 {
                    group.addTask { try await context.call(Jitter.self, "after-\(result)") }
                }
                if arrivals % 4 == 0 {
                    trail.append(try await context.call(Jitter.self, "inline-\(result)"))
                }
            }
        }
        let (firstArrival, secondArrival) = (trail[1], trail[2])
        async let left = context.call(Jitter.self, "left-\(firstArrival)")
        async let right = context.call(Jitter.self, "right-\(secondArrival)")
        trail.append(try await left + "|" + right)
        trail.append(context.newUUID().uuidString)
        trail.append(try await context.call(Jitter.self, "end-\(trail.count)"))
        return trail
    }
}

@Suite struct DeterminismStressTests {
    @Test func everyRunReplaysToTheSameCommandsAndOutput() async throws {
        let runs = 500
        let runtime = try await DurableRuntime(storage: .memory) {
            Mixed.self
            Jitter()
        }
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for seed in 0..<runs {
                group.addTask { try await runtime.client.start(Mixed.self, input: seed, instanceId: "mixed-\(seed)") }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }

        var distinctOrders = Set<[String]>()
        for id in ids {
            let output = try await runtime.client.result(of: id, as: Mixed.self, timeout: .seconds(60))
            let history = try await runtime.client.history(of: id)
            let recorded = history.compactMap { $0.kind.name == "TaskScheduled" ? $0.kind : nil }

            let replay = try await runtime.replay(history, instanceId: id)

            #expect(replay.outcome == .completed(try Payload(encoding: output)), "\(id)")
            #expect(replay.commands == recorded, "\(id)")
            #expect(replay.newEvents.isEmpty, "\(id)")
            // 1 + 20 × 2 + 9 follow-ups (every 3rd of 29 arrivals) + 7 inline (every 4th) + 2 async lets + 1
            let expectedCommands = 60
            #expect(recorded.count == expectedCommands, "\(id)")
            distinctOrders.insert(Array(output[1...29]))
        }
        // The stress is real only if arrival orders actually varied.
        #expect(distinctOrders.count > runs / 2)
    }
}

/// Ten thousand randomized runs (issue 14): generated programs mixing nested task groups,
/// `async let`, races of activities, timers and events whose losers are cancelled,
/// sub-orchestrations, continue-as-new with and without carried events, id reuse, and
/// terminate, suspend, resume and events racing `start`. Every execution replays to the same
/// commands and outcome; a random prefix of every eligible run resumes live to the same end.
@Suite(.serialized) struct RandomizedStressTests {
    static let batches = 10
    static let runsPerBatch = 1_000

    @Test(arguments: 0..<batches)
    func randomizedRunsReplayAndResumeToTheSameEnd(batch: Int) async throws {
        let runs = batch * Self.runsPerBatch..<(batch + 1) * Self.runsPerBatch
        let (records, store) = try await StressRuns.perform(runs)
        let executions = store.executions()

        let replayer = try await DurableRuntime(storage: .memory) {
            StressProgram.self
            StressWork()
        }
        defer { replayer.shutdown() }
        var problems = await withTaskGroup(of: [String].self) { group in
            for (id, list) in executions {
                group.addTask { await StressChecks.replay(id, list, on: replayer) }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        for record in records { problems += StressChecks.lifecycle(record, executions[record.id] ?? []) }
        let (resumed, resumeProblems) = try await PrefixResumption.check(records, store)
        problems += resumeProblems

        #expect(problems.isEmpty, "\(problems.count) problems; the first: \(problems.prefix(5))")
        let features = StressFeatures(records, executions)
        print("stress batch \(batch): \(executions.count) instances, \(resumed) prefixes resumed; \(features)")
        #expect(resumed >= runs.count / 2, "prefixes resumed: \(resumed)")
        features.expectMeaningfulShares(of: runs.count)
    }
}
