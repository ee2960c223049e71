import Durable
import Foundation
import Synchronization
import Testing

/// Calls an activity `rounds` times and never continues as new: the runaway loop (bounded only
/// so that a build without the limit finishes instead of running forever).
struct LoopWithoutContinuing: Orchestration {
    func run(_ rounds: Int, context: OrchestrationContext) async throws -> Int {
        var value = 0
        for _ in 0..<rounds { value = try await context.call(Increment.self, value) }
        return value
    }
}

/// Counts to `target` one activity at a time, continuing as new whenever the runtime suggests it.
struct CountContinuingWhenSuggested: Orchestration {
    struct State: Codable, Sendable {
        var count: Int
        var target: Int
    }

    func run(_ state: State, context: OrchestrationContext) async throws -> Int {
        var state = state
        while state.count < state.target {
            state.count = try await context.call(Increment.self, state.count)
            if context.isContinueAsNewSuggested { try context.continueAsNew(with: state) }
        }
        return state.count
    }
}

/// Returns how many activities it took until continue-as-new was suggested.
struct RoundsUntilSuggested: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        var rounds = 0
        while !context.isContinueAsNewSuggested, rounds < 1_000 {
            _ = try await context.call(Increment.self, rounds)
            rounds += 1
        }
        return rounds
    }
}

struct RepeatText: Activity {
    func run(_ text: String, context: ActivityContext) async throws -> String { text }
}

/// Sends 1,000-byte values through an activity `rounds` times.
struct LoopWithLargeValues: Orchestration {
    func run(_ rounds: Int, context: OrchestrationContext) async throws -> Int {
        for _ in 0..<rounds { _ = try await context.call(RepeatText.self, String(repeating: "x", count: 1_000)) }
        return rounds
    }
}

@Suite struct HistoryLimitTests {
    private static let durableError = String(reflecting: DurableError.self)

    private func runtime(events: Int = 51_200, bytes: Int = 50 << 20, log: LogLines) async throws -> DurableRuntime {
        let configuration = DurableRuntime.Configuration(
            maxHistoryEvents: events, maxHistoryBytes: bytes, log: { log.append($0) })
        return try await DurableRuntime(storage: .memory, configuration: configuration) {
            LoopWithoutContinuing.self
            CountContinuingWhenSuggested.self
            RoundsUntilSuggested.self
            LoopWithLargeValues.self
            Increment()
            RepeatText()
        }
    }

    @Test func defaultsAreTemporalsLimits() {
        let configuration = DurableRuntime.Configuration()
        #expect(configuration.maxHistoryEvents == 51_200)
        #expect(configuration.maxHistoryBytes == 50 << 20)
    }

    @Test func aLoopThatNeverContinuesAsNewFailsAtTheEventLimitAfterOneWarning() async throws {
        let log = LogLines()
        let runtime = try await runtime(events: 100, log: log)
        let id = try await runtime.client.start(LoopWithoutContinuing.self, input: 1_000)

        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(30))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.errorType == Self.durableError)
        #expect(status.failure?.message.contains("history grew to 101 events") == true)
        let history = try await runtime.client.history(of: id)
        // Started, 49 rounds, the 50th's command and the result that went past 100, the failure.
        #expect(history.count == 102)
        #expect(history.last.map { $0.kind.name } == "ExecutionFailed")
        let warnings = log.all.filter { $0.contains("continue-as-new is suggested") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("'\(id)' has 20 events") == true)
    }

    @Test func valueBytesCountTowardTheByteLimit() async throws {
        let runtime = try await runtime(bytes: 10_000, log: LogLines())
        let id = try await runtime.client.start(LoopWithLargeValues.self, input: 100)

        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(30))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.message.contains("past the limit of 51200 events or 10000 bytes") == true)
        // Each round carries about 2,000 bytes (input and result): the fifth round's result goes past 10,000.
        #expect(try await runtime.client.history(of: id).count(of: "TaskScheduled") == 5)
    }

    @Test func continuingWhenSuggestedKeepsEveryExecutionBelowTheThreshold() async throws {
        let store = InMemoryHistoryStore()
        let configuration = DurableRuntime.Configuration(maxHistoryEvents: 100, log: { _ in })
        let runtime = try await DurableRuntime(storage: .store(store), configuration: configuration) {
            CountContinuingWhenSuggested.self
            Increment()
        }
        let id = try await runtime.client.start(CountContinuingWhenSuggested.self, input: .init(count: 0, target: 300))

        #expect(try await runtime.client.result(of: id, as: CountContinuingWhenSuggested.self, timeout: .seconds(30)) == 300)
        // Suggested at 20 events: started + 10 rounds of 2 = 21, then the continue-as-new.
        let longest = store.allHistories().values.map(\.count).max() ?? 0
        #expect(longest <= 22)
    }

    @Test func theSuggestionComesAtTheSamePointOnReplay() async throws {
        let runtime = try await runtime(events: 100, log: LogLines())
        let id = try await runtime.client.start(RoundsUntilSuggested.self, input: 0)
        let rounds = try await runtime.client.result(of: id, as: RoundsUntilSuggested.self, timeout: .seconds(30))
        #expect(rounds == 10)  // started + 10 × 2 = 21 events ≥ 20

        // A replay that saw the suggestion one round later or earlier would issue another number
        // of commands (nondeterminism) or return another count.
        let replay = try await runtime.replay(try await runtime.client.history(of: id), instanceId: id)
        #expect(replay.outcome == .completed(try Payload(encoding: rounds)))
        #expect(replay.newEvents.isEmpty)
    }

    @Test func limitsBelowOneAreRefused() async throws {
        for configuration in [
            DurableRuntime.Configuration(maxHistoryEvents: 0), DurableRuntime.Configuration(maxHistoryBytes: -1),
            DurableRuntime.Configuration(maxSubOrchestrationDepth: -1),
        ] {
            await #expect(throws: DurableError.self) {
                _ = try await DurableRuntime(storage: .memory, configuration: configuration) { Increment() }
            }
        }
    }
}
