import Durable
import Testing

@Suite struct ChainingTests {
    @Test func placeOrderRunsEachStepInOrderAndReturnsTheTrackingNumber() async throws {
        let log = CallLog()
        let runtime = try await DurableRuntime.orders(log: log)
        let id = try await runtime.client.start(PlaceOrder.self, input: Order(id: "o-1", amount: 42))

        let trackingNumber = try await runtime.client.result(of: id, as: PlaceOrder.self, timeout: .seconds(10))

        #expect(trackingNumber == "TRACK-o-1")
        #expect(log.all == ["CheckAndReserveInventory", "ProcessPayment", "ScheduleShipping", "EmailCustomer"])
        let history = try await runtime.client.history(of: id)
        #expect(history.scheduledActivities == log.all)
        #expect(history.kindNames == [
            "ExecutionStarted",
            "TaskScheduled", "TaskCompleted", "TaskScheduled", "TaskCompleted",
            "TaskScheduled", "TaskCompleted", "TaskScheduled", "TaskCompleted",
            "ExecutionCompleted",
        ])
        let status = try await runtime.client.status(of: id)
        #expect(status.runtimeStatus == .completed)
        #expect(status.name == "PlaceOrder")
        #expect(try status.output(as: String.self) == "TRACK-o-1")
        #expect(try status.input.decode(Order.self) == Order(id: "o-1", amount: 42))
        #expect(status.lastUpdatedAt >= status.createdAt)
    }

    @Test func sequenceNumbersFollowTheOrderTheCodeIssuedCommands() async throws {
        let log = CallLog()
        let runtime = try await DurableRuntime.orders(log: log)
        let id = try await runtime.client.start(PlaceOrder.self, input: Order(id: "o-2", amount: 1))
        _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))

        let sequences = try await runtime.client.history(of: id).compactMap { event -> Int? in
            if case .taskScheduled(let sequence, _, _, _) = event.kind { return sequence }
            return nil
        }
        #expect(sequences == [0, 1, 2, 3])
    }

    @Test func instancesGetGeneratedIdsWhenNoneIsGiven() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        let first = try await runtime.client.start(PlaceOrder.self, input: Order(id: "a", amount: 1))
        let second = try await runtime.client.start(PlaceOrder.self, input: Order(id: "b", amount: 1))
        #expect(first != second)
        #expect(try await runtime.client.result(of: second, as: PlaceOrder.self, timeout: .seconds(10)) == "TRACK-b")
    }
}
