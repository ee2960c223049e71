import Durable
import Foundation
import Testing

// Replays of terminated histories: what the randomized stress runs (DeterminismStressTests)
// found when a termination raced the code's steps.

/// Calls one activity; the history of an instance terminated before its code ran holds none.
struct CallsJitterOnce: Orchestration {
    func run(_ label: String, context: OrchestrationContext) async throws -> String {
        try await context.call(Jitter.self, label)
    }
}

/// Holds the thread of a live step until the test has terminated the instance.
enum MidStepHandshake {
    static let reached = DispatchSemaphore(value: 0)
    static let terminated = DispatchSemaphore(value: 0)
}

/// Calls an activity, then ends — returns, or continues as new — in a step that a termination
/// lands in: live, the step waits (on its own thread) until the test has terminated it.
struct EndsInTheTerminatedStep: Orchestration {
    func run(_ continues: Bool, context: OrchestrationContext) async throws -> String {
        _ = try await context.call(Jitter.self, "x")
        if !context.isReplaying {
            MidStepHandshake.reached.signal()
            MidStepHandshake.terminated.wait()
        }
        if continues { try context.continueAsNew(with: false) }
        return "done"
    }
}

@Suite(.serialized) struct TerminatedReplayTests {
    /// Found by the randomized runs: a terminate that lands before the code's first step (here
    /// while a scheduled start waits; in the races, right after `start`) leaves a history whose
    /// replay said a live run would next record the code's first command. A live run records
    /// nothing after ExecutionTerminated.
    @Test func aTerminatedHistoryReplaysToNoNewEvents() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            CallsJitterOnce.self
            Jitter()
        }
        let id = try await runtime.client.start(CallsJitterOnce.self, input: "x", startAt: clock.now.addingTimeInterval(3_600))
        try await runtime.client.terminate(id, reason: "before it ran")
        let history = try await runtime.client.history(of: id)
        #expect(history.kindNames == ["ExecutionStarted", "ExecutionTerminated"])

        let replay = try await runtime.replay(history, instanceId: id)
        #expect(replay.outcome == .terminated(reason: "before it ran"))
        #expect(replay.newEvents.isEmpty, "\(replay.newEvents)")
    }

    /// Found by the randomized runs: a termination that lands in the step in which the code ends
    /// is the end (the code's own is refused), but a replay of that history took the code's end —
    /// `.continuedAsNew` or `.completed` — instead of `.terminated`.
    @Test(arguments: [false, true])
    func aTerminationLandingInTheLastStepReplaysAsTheEnd(continues: Bool) async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            EndsInTheTerminatedStep.self
            Jitter()
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(EndsInTheTerminatedStep.self, input: continues)
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {  // not on the test's own thread
                MidStepHandshake.reached.wait()
                continuation.resume()
            }
        }
        try await runtime.client.terminate(id, reason: "mid-step")
        MidStepHandshake.terminated.signal()
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .terminated)
        let history = try await runtime.client.history(of: id)
        #expect(history.kindNames == ["ExecutionStarted", "TaskScheduled", "TaskCompleted", "ExecutionTerminated"])

        let replay = try await runtime.replay(history, instanceId: id)
        #expect(replay.outcome == .terminated(reason: "mid-step"))
        #expect(replay.newEvents.isEmpty, "\(replay.newEvents)")
    }
}
