import Durable
import Testing

@Suite struct ReplayTests {
    /// Runs PlaceOrder to completion and returns its history.
    private func finishedPlaceOrderHistory(id: String = "order-1") async throws -> [HistoryEvent] {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        _ = try await runtime.client.start(PlaceOrder.self, input: Order(id: id, amount: 10), instanceId: id)
        _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        return try await runtime.client.history(of: id)
    }

    @Test func replayingAFinishedHistoryGivesTheSameResultWithoutRunningActivities() async throws {
        let history = try await finishedPlaceOrderHistory()
        let log = CallLog()
        let runtime = try await DurableRuntime.orders(log: log)

        let replay = try await runtime.replay(history)

        #expect(replay.outcome == .completed(try Payload(encoding: "TRACK-order-1")))
        #expect(log.total == 0)
        #expect(replay.commands == history.compactMap { $0.kind.name == "TaskScheduled" ? $0.kind : nil })
        #expect(replay.newEvents.isEmpty)
    }

    @Test func aRuntimeRebuiltFromAFinishedHistoryReportsItWithoutRunningAnything() async throws {
        let history = try await finishedPlaceOrderHistory()
        let log = CallLog()
        let runtime = try await DurableRuntime.orders(
            log: log, storage: .store(InMemoryHistoryStore(histories: ["order-1": history])))

        #expect(try await runtime.client.result(of: "order-1", as: PlaceOrder.self, timeout: .seconds(10)) == "TRACK-order-1")
        #expect(log.total == 0)
    }

    @Test(arguments: [
        // History: Started, then Scheduled/Completed pairs for #0...#3, then ExecutionCompleted.
        // Cut after ProcessPayment (#1) completed: the rest runs live.
        (5, ["ScheduleShipping", "EmailCustomer"]),
        // Cut after ScheduleShipping (#2) was scheduled but before it completed: it is dispatched again.
        (6, ["ScheduleShipping", "EmailCustomer"]),
        // Cut after ScheduleShipping completed: only the email is left.
        (7, ["EmailCustomer"]),
    ])
    func aHalfFinishedHistoryContinuesAndRunsOnlyTheMissingActivities(keep: Int, expected: [String]) async throws {
        let full = try await finishedPlaceOrderHistory()
        let prefix = Array(full.prefix(keep))
        let store = InMemoryHistoryStore(histories: ["order-1": prefix])
        let log = CallLog()

        let runtime = try await DurableRuntime.orders(log: log, storage: .store(store))

        #expect(try await runtime.client.result(of: "order-1", as: PlaceOrder.self, timeout: .seconds(10)) == "TRACK-order-1")
        #expect(log.all == expected)
        let resumed = try await runtime.client.history(of: "order-1")
        #expect(Array(resumed.prefix(keep)) == prefix)
        #expect(resumed.kindNames == full.kindNames)
        #expect(resumed.scheduledActivities == full.scheduledActivities)
    }

    @Test func replayOfAnUnfinishedHistoryReportsWhatTheCodeWouldDoNext() async throws {
        let full = try await finishedPlaceOrderHistory()
        let replay = try await DurableRuntime.orders(log: CallLog()).replay(Array(full.prefix(5)))

        #expect(replay.outcome == .waiting)
        #expect(replay.newEvents.map(\.kind.name) == ["TaskScheduled"])
        #expect(replay.commands.count == 3)
    }

    @Test func contextValuesAreIdenticalOnReplay() async throws {
        struct Stamps: Orchestration {
            struct Output: Codable, Sendable, Equatable {
                var ids: [String]
                var times: [Double]
                var replaying: [Bool]
            }

            func run(_ input: Int, context: OrchestrationContext) async throws -> Output {
                var output = Output(ids: [context.newUUID().uuidString], times: [context.now.timeIntervalSince1970], replaying: [context.isReplaying])
                _ = try await context.call(UtilityName.self, input)
                output.ids.append(context.newUUID().uuidString)
                output.times.append(context.now.timeIntervalSince1970)
                output.replaying.append(context.isReplaying)
                return output
            }
        }
        let runtime = try await DurableRuntime(storage: .memory) {
            Stamps.self
            UtilityName()
        }
        let id = try await runtime.client.start(Stamps.self, input: 1)
        let live = try await runtime.client.result(of: id, as: Stamps.self, timeout: .seconds(10))
        let history = try await runtime.client.history(of: id)

        let replay = try await runtime.replay(history, instanceId: id)
        guard case .completed(let payload) = replay.outcome else {
            Issue.record("replay did not complete: \(replay.outcome)")
            return
        }
        let replayed = try payload.decode(Stamps.Output.self)
        #expect(replayed.ids == live.ids)
        #expect(replayed.times == live.times)
        #expect(Set(live.ids).count == 2)
        #expect(live.times == [history[0].timestamp.timeIntervalSince1970, history[2].timestamp.timeIntervalSince1970])
        #expect(live.replaying == [false, false])
        #expect(replayed.replaying == [true, true])
    }
}
