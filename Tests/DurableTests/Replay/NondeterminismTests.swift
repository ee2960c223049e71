import Foundation
import Durable
import Testing

/// PlaceOrder after a careless edit: step 2 now refunds instead of charging.
struct PlaceOrderEdited: Orchestration {
    static var name: String { PlaceOrder.name }

    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        _ = try await context.call(CheckAndReserveInventory.self, order)
        _ = try await context.call(RefundPayment.self, order)
        return try await context.call(ScheduleShipping.self, order)
    }
}

/// PlaceOrder cut short: it stops after step 1 although history holds more.
struct PlaceOrderTruncated: Orchestration {
    static var name: String { PlaceOrder.name }

    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        _ = try await context.call(CheckAndReserveInventory.self, order)
        return "done early"
    }
}

@Suite struct NondeterminismTests {
    private func placeOrderHistory() async throws -> [HistoryEvent] {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        let id = try await runtime.client.start(PlaceOrder.self, input: Order(id: "o-7", amount: 3), instanceId: "o-7")
        _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        return try await runtime.client.history(of: id)
    }

    private func editedRuntime(
        log: CallLog, storage: DurableRuntime.Storage = .memory, policy: NondeterminismPolicy = .hold
    ) async throws -> DurableRuntime {
        var configuration = DurableRuntime.Configuration()
        configuration.onNondeterminism = policy
        return try await DurableRuntime(storage: storage, configuration: configuration) {
            PlaceOrderEdited.self
            CheckAndReserveInventory(log: log)
            ProcessPayment(log: log)
            RefundPayment(log: log)
            ScheduleShipping(log: log)
        }
    }

    /// A hand-made history can carry any sequence number; one that fits no command is an error, not a trap.
    @Test func sequenceNumbersOutOfRangeFailTheReplayInsteadOfCrashing() async throws {
        let start = Date(timeIntervalSince1970: 1_000)
        let history = [
            HistoryEvent(.executionStarted(name: "PlaceOrder", input: try Payload(encoding: Order(id: "x", amount: 1)), parent: nil, scheduledStart: nil), at: start),
            HistoryEvent(.taskScheduled(sequence: -1, name: "CheckAndReserveInventory", input: .empty, attempt: 1), at: start),
            HistoryEvent(.taskCompleted(sequence: -1, result: .empty), at: start),
            HistoryEvent(.taskCompleted(sequence: .max, result: .empty), at: start),
        ]
        let replay = try await DurableRuntime.orders(log: CallLog()).replay(history)
        guard case .failed(let failure) = replay.outcome else {
            Issue.record("expected a failure, got \(replay.outcome)")
            return
        }
        #expect(failure.errorType == String(reflecting: NondeterminismError.self))
    }

    @Test func replayWithADifferentActivityAtStepTwoFailsNamingBoth() async throws {
        let history = try await placeOrderHistory()
        let log = CallLog()

        let replay = try await editedRuntime(log: log).replay(history, instanceId: "o-7")

        guard case .failed(let failure) = replay.outcome else {
            Issue.record("expected a failure, got \(replay.outcome)")
            return
        }
        #expect(failure.errorType == String(reflecting: NondeterminismError.self))
        #expect(failure.message.contains("#1"))
        #expect(failure.message.contains("activity 'ProcessPayment'"))
        #expect(failure.message.contains("activity 'RefundPayment'"))
        #expect(log.total == 0)
    }

    /// Under the `.fail` policy (the behaviour before policies; `.hold` is the default, see
    /// NondeterminismPolicyTests) the divergence is recorded as the instance's end.
    @Test func resumingAnInstanceWithChangedCodeUnderFailPolicyFailsItWithNondeterminismError() async throws {
        let history = try await placeOrderHistory()
        let halfway = Array(history.prefix(6))  // ProcessPayment completed, nothing after
        let log = CallLog()
        let runtime = try await editedRuntime(
            log: log, storage: .store(InMemoryHistoryStore(histories: ["o-7": halfway])), policy: .fail)

        let status = try await runtime.client.waitForCompletion(of: "o-7", timeout: .seconds(10))

        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.errorType == String(reflecting: NondeterminismError.self))
        #expect(status.failure?.message.contains("recorded activity 'ProcessPayment'") == true)
        #expect(status.failure?.message.contains("issued activity 'RefundPayment'") == true)
        #expect(log.total == 0)
        #expect(try await runtime.client.history(of: "o-7").kindNames.last == "ExecutionFailed")
    }

    /// The default policy holds the same instance instead: nothing recorded, the error in its status.
    @Test func resumingAnInstanceWithChangedCodeHoldsItByDefault() async throws {
        let history = try await placeOrderHistory()
        let halfway = Array(history.prefix(6))
        let log = CallLog()
        let runtime = try await editedRuntime(log: log, storage: .store(InMemoryHistoryStore(histories: ["o-7": halfway])))
        defer { runtime.shutdown() }

        await #expect(throws: DurableError.self) {
            try await runtime.client.waitForCompletion(of: "o-7", timeout: .seconds(10))
        }

        let status = try await runtime.client.status(of: "o-7")
        #expect(status.runtimeStatus == .quarantined)
        #expect(status.failure?.errorType == String(reflecting: NondeterminismError.self))
        #expect(status.failure?.message.contains("issued activity 'RefundPayment'") == true)
        #expect(log.total == 0)
        #expect(try await runtime.client.history(of: "o-7") == halfway)
    }

    @Test func codeThatReturnsBeforeReissuingRecordedCommandsIsNondeterministic() async throws {
        let history = try await placeOrderHistory()
        let truncated = try await DurableRuntime(storage: .memory) {
            PlaceOrderTruncated.self
            CheckAndReserveInventory(log: CallLog())
        }

        let replay = try await truncated.replay(history)

        guard case .failed(let failure) = replay.outcome else {
            Issue.record("expected a failure, got \(replay.outcome)")
            return
        }
        #expect(failure.message.contains("#1"))
        #expect(failure.message.contains("activity 'ProcessPayment'"))
    }
}
