import Durable
import Foundation
import Testing

@Suite struct BatchStartTests {
    private func orders(_ ids: [String]) -> [(instanceId: String, input: Order)] {
        ids.map { (instanceId: $0, input: Order(id: $0, amount: 1)) }
    }

    @Test func startsOneInstancePerInputAndReturnsTheIdsInOrder() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        let inputs = (0..<20).map { Order(id: "o\($0)", amount: 1) }

        let ids = try await runtime.client.start(PlaceOrder.self, inputs: inputs)

        #expect(ids.count == 20)
        #expect(Set(ids).count == 20)
        for (id, order) in zip(ids, inputs) {
            #expect(try await runtime.client.result(of: id, as: PlaceOrder.self, timeout: .seconds(10)) == "TRACK-\(order.id)")
        }
    }

    @Test func anEmptyBatchStartsNothing() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        #expect(try await runtime.client.start(PlaceOrder.self, inputs: []).isEmpty)
        #expect(await runtime.client.list().instances.isEmpty)
    }

    @Test func startsChosenIds() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        let ids = try await runtime.client.start(PlaceOrder.self, instances: orders(["a", "b", "c"]))
        #expect(ids == ["a", "b", "c"])
        #expect(try await runtime.client.result(of: "b", as: PlaceOrder.self, timeout: .seconds(10)) == "TRACK-b")
    }

    @Test func aTakenIdStartsNoneOfTheBatch() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        try await runtime.client.start(PlaceOrder.self, input: Order(id: "taken", amount: 1), instanceId: "taken")
        _ = try await runtime.client.waitForCompletion(of: "taken", timeout: .seconds(10))

        await #expect(throws: DurableError.instanceAlreadyExists("taken", status: .completed)) {
            try await runtime.client.start(PlaceOrder.self, instances: orders(["first", "taken", "last"]))
        }
        for id in ["first", "last"] {
            await #expect(throws: DurableError.unknownInstance(id)) { try await runtime.client.status(of: id) }
        }
        // Replacing the finished one is allowed when asked for, and then the whole batch starts.
        try await runtime.client.start(PlaceOrder.self, instances: orders(["first", "taken", "last"]), reuse: .replaceFinished)
        #expect(try await runtime.client.result(of: "last", as: PlaceOrder.self, timeout: .seconds(10)) == "TRACK-last")
    }

    @Test func anIdNamedTwiceStartsNoneOfTheBatch() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        await #expect(throws: DurableError.instanceAlreadyExists("twice", status: .pending)) {
            try await runtime.client.start(PlaceOrder.self, instances: orders(["once", "twice", "twice"]))
        }
        for id in ["once", "twice"] {
            await #expect(throws: DurableError.unknownInstance(id)) { try await runtime.client.status(of: id) }
        }
    }

    @Test func aBatchIsDurableWhenStartReturns() async throws {
        let directory = TemporaryDirectory()
        do {
            let runtime = try await DurableRuntime(storage: .directory(directory.path)) { WaitThenSleep.self }
            try await runtime.client.start(WaitThenSleep.self, instances: (0..<50).map { (instanceId: "w\($0)", input: $0) })
            // No shutdown: the journal's writer is not asked to flush anything more.
            let copy = try directory.copy()
            let reopened = try await DurableRuntime(storage: .directory(copy.path)) { WaitThenSleep.self }
            for index in 0..<50 {
                #expect(try await reopened.client.status(of: "w\(index)").runtimeStatus == .running)
            }
            reopened.shutdown()
            runtime.shutdown()
        }
    }
}
