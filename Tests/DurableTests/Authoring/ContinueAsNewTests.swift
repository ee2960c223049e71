import Durable
import Foundation
import Testing

struct Increment: Activity {
    func run(_ value: Int, context: ActivityContext) async throws -> Int { value + 1 }
}

/// An eternal counter: one activity per generation, then starts over with the new count.
struct EternalCounter: Orchestration {
    func run(_ count: Int, context: OrchestrationContext) async throws -> Int {
        let next = try await context.call(Increment.self, count)
        guard next >= 1_000 else { try context.continueAsNew(with: next) }
        return next
    }
}

/// Waits for one "tick" per generation; a tick that arrives early must survive the restart.
struct TickCounter: Orchestration {
    func run(_ ticks: Int, context: OrchestrationContext) async throws -> Int {
        _ = try await context.waitForEvent("tick", as: Int.self)
        guard ticks + 1 >= 3 else { try context.continueAsNew(with: ticks + 1, keepUnprocessedEvents: true) }
        return ticks + 1
    }
}

/// Generation 0 takes "a" and continues as new keeping "b" and "c"; generation 1 reports whether
/// it was replaying when "b" reached it ("c" still to come).
struct CarriedEventObserver: Orchestration {
    func run(_ generation: Int, context: OrchestrationContext) async throws -> Bool {
        guard generation > 0 else {
            _ = try await context.waitForEvent("a", as: Int.self)
            try context.continueAsNew(with: 1, keepUnprocessedEvents: true)
        }
        _ = try await context.waitForEvent("b", as: Int.self)
        return context.isReplaying
    }
}

@Suite struct ContinueAsNewTests {
    @Test func aThousandGenerationsKeepHistoryBoundedAndCountRight() async throws {
        let store = InMemoryHistoryStore()
        let runtime = try await DurableRuntime(storage: .store(store)) {
            EternalCounter.self
            Increment()
        }
        let id = try await runtime.client.start(EternalCounter.self, input: 0)

        #expect(try await runtime.client.result(of: id, as: EternalCounter.self, timeout: .seconds(60)) == 1_000)
        let history = try await runtime.client.history(of: id)
        // One generation: ExecutionStarted, TaskScheduled, TaskCompleted, ExecutionCompleted.
        #expect(history.kindNames == ["ExecutionStarted", "TaskScheduled", "TaskCompleted", "ExecutionCompleted"])
        let executionId = try await runtime.client.status(of: id).executionId
        #expect(!executionId.isEmpty)
        #expect(try history[0].kind == .executionStarted(
            name: "EternalCounter", input: Payload(encoding: 999), parent: nil, scheduledStart: nil, executionId: executionId))
        #expect(store.allHistories().values.map(\.count).max() == 4)
    }

    @Test func unprocessedEventsCarryIntoTheNextGenerationWhenAskedTo() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { TickCounter.self }
        let id = try await runtime.client.start(TickCounter.self, input: 0)
        for tick in 1...3 { try await runtime.client.raiseEvent(id, name: "tick", payload: tick) }

        #expect(try await runtime.client.result(of: id, as: TickCounter.self, timeout: .seconds(10)) == 3)
    }

    @Test func aCarriedEventIsLiveInTheNextGenerationNotAReplay() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { CarriedEventObserver.self }
        let id = try await runtime.client.start(CarriedEventObserver.self, input: 0)
        // Unprocessed by generation 0, so carried into generation 1's history.
        try await runtime.client.raiseEvent(id, name: "b", payload: 2)
        try await runtime.client.raiseEvent(id, name: "c", payload: 3)
        try await runtime.client.raiseEvent(id, name: "a", payload: 1)

        let replaying = try await runtime.client.result(of: id, as: CarriedEventObserver.self, timeout: .seconds(10))
        #expect(replaying == false)
    }

    @Test func continuingAsNewWithInputThatDoesNotFitFailsTheInstance() async throws {
        struct BadRestart: Orchestration {
            func run(_ count: Int, context: OrchestrationContext) async throws -> Int {
                try context.continueAsNew(with: "not a number")
            }
        }
        let runtime = try await DurableRuntime(storage: .memory) { BadRestart.self }
        let id = try await runtime.client.start(BadRestart.self, input: 0)

        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.message.contains("does not fit orchestration 'BadRestart'") == true)
    }
}
