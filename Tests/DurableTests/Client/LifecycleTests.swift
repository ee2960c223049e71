import Durable
import Foundation
import Testing

/// Waits for an "item" event, then sleeps a minute, then returns the item.
struct WaitThenSleep: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        let item = try await context.waitForEvent("item", as: String.self)
        try await context.sleep(for: .seconds(60))
        return item
    }
}

/// Counts arrivals and opens a gate when all expected have arrived.
struct Arrive: Activity {
    let arrivals: Counter
    let expected: Int
    let allArrived: Gate

    func run(_ input: Int, context: ActivityContext) async throws -> Int {
        if arrivals.next() + 1 == expected { allArrived.open() }
        return input
    }
}

/// Says it has arrived, then waits for an event that never comes.
struct ArrivingListener: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        try await context.call(Arrive.self, input)
        return try await context.waitForEvent("ping", as: String.self)
    }
}

/// Starts two children that wait forever.
struct ParentOfWaiters: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> [String] {
        async let first = context.callSubOrchestration(ArrivingListener.self, 1, instanceId: "child-a")
        async let second = context.callSubOrchestration(ArrivingListener.self, 2, instanceId: "child-b")
        return try await [first, second]
    }
}

@Suite struct LifecycleTests {
    private func waitingRuntime(_ clock: ManualClock) async throws -> DurableRuntime {
        try await DurableRuntime.manual(clock) { WaitThenSleep.self }
    }

    @Test func terminateEndsARunningInstance() async throws {
        let runtime = try await waitingRuntime(ManualClock())
        let id = try await runtime.client.start(WaitThenSleep.self, input: 0)

        try await runtime.client.terminate(id, reason: "customer cancelled")

        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .terminated)
        #expect(status.terminationReason == "customer cancelled")
        #expect(status.failure == nil)
        #expect(status.output == nil)
        #expect(try await runtime.client.status(of: id) == status)
        #expect(try await runtime.client.history(of: id).last?.kind == .executionTerminated(reason: "customer cancelled"))
        await #expect(throws: DurableError.invalidStatus(instanceId: id, status: .terminated, operation: "terminate")) {
            try await runtime.client.terminate(id)
        }
        await #expect(throws: DurableError.terminated(instanceId: id, reason: "customer cancelled")) {
            try await runtime.client.result(of: id, as: WaitThenSleep.self)
        }
        #expect(DurableError.terminated(instanceId: id, reason: "customer cancelled").description
            == "Instance '\(id)' was terminated: customer cancelled")
    }

    @Test func aTerminatedInstanceWithoutAReasonSaysSo() async throws {
        let runtime = try await waitingRuntime(ManualClock())
        let id = try await runtime.client.start(WaitThenSleep.self, input: 0)

        try await runtime.client.terminate(id)

        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .terminated)
        #expect(status.terminationReason == nil)
        await #expect(throws: DurableError.terminated(instanceId: id, reason: nil)) {
            try await runtime.client.result(of: id, as: WaitThenSleep.self)
        }
        #expect(DurableError.terminated(instanceId: id, reason: nil).description == "Instance '\(id)' was terminated.")
    }

    @Test func aTerminationsReasonIsInTheStatusAfterARestart() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let live: InstanceStatus
        do {
            let first = try await DurableRuntime(storage: .directory(directory.path), configuration: .init(clock: clock)) {
                WaitThenSleep.self
            }
            defer { first.shutdown() }
            try await first.client.start(WaitThenSleep.self, input: 0, instanceId: "stopped")
            try await first.client.terminate("stopped", reason: "duplicate order")
            live = try await first.client.waitForCompletion(of: "stopped", timeout: .seconds(10))
        }
        let second = try await DurableRuntime(storage: .directory(directory.path), configuration: .init(clock: clock)) {
            WaitThenSleep.self
        }
        defer { second.shutdown() }

        let rebuilt = try await second.client.status(of: "stopped")
        #expect(rebuilt.runtimeStatus == .terminated)
        #expect(rebuilt.terminationReason == "duplicate order")
        #expect(rebuilt == live)
        await #expect(throws: DurableError.terminated(instanceId: "stopped", reason: "duplicate order")) {
            try await second.client.result(of: "stopped", as: WaitThenSleep.self, timeout: .seconds(10))
        }
    }

    /// Starts "parent" with children "child-a" and "child-b", and returns once both wait.
    private func startParentOfTwoWaitingChildren() async throws -> (DurableRuntime, String) {
        let bothArrived = Gate()
        let runtime = try await DurableRuntime.manual(ManualClock()) {
            ParentOfWaiters.self
            ArrivingListener.self
            Arrive(arrivals: Counter(), expected: 2, allArrived: bothArrived)
        }
        let parent = try await runtime.client.start(ParentOfWaiters.self, input: 0, instanceId: "parent")
        await bothArrived.wait()
        return (runtime, parent)
    }

    @Test func aTerminatedChildFailsItsParentAndItsResultSaysTerminated() async throws {
        let (runtime, parent) = try await startParentOfTwoWaitingChildren()

        try await runtime.client.terminate("child-a", reason: "no longer needed")

        await #expect(throws: DurableError.terminated(instanceId: "child-a", reason: "no longer needed")) {
            try await runtime.client.result(of: "child-a", as: ArrivingListener.self, timeout: .seconds(10))
        }
        // The parent is told the child's end as a failure, with the reason.
        let told = FailureDetails(
            errorType: "Durable.RuntimeStatus", message: "instance 'child-a' is terminated: no longer needed")
        let status = try await runtime.client.waitForCompletion(of: parent, timeout: .seconds(10))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.message == "sub-orchestration 'ArrivingListener' ('child-a') failed: \(told)")
        #expect(try await runtime.client.history(of: parent).kindNames.contains("SubOrchestrationFailed"))
    }

    @Test func terminateCanTakeTheSubOrchestrationsAlong() async throws {
        let (runtime, parent) = try await startParentOfTwoWaitingChildren()

        try await runtime.client.terminate(parent, includeSubOrchestrations: true)

        for id in ["parent", "child-a", "child-b"] {
            #expect(try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10)).runtimeStatus == .terminated)
        }
    }

    @Test func eventsAndTimersThatArriveWhileSuspendedAreDeliveredOnResume() async throws {
        let clock = ManualClock()
        let runtime = try await waitingRuntime(clock)
        let id = try await runtime.client.start(WaitThenSleep.self, input: 0)

        try await runtime.client.suspend(id, reason: "audit")
        #expect(try await runtime.client.status(of: id).runtimeStatus == .suspended)
        try await runtime.client.raiseEvent(id, name: "item", payload: "parcel")
        #expect(clock.sleeperCount == 0)  // held: the code has not seen the event, so no timer yet

        try await runtime.client.resume(id, reason: "audit done")
        await clock.waitForSleepers()
        try await runtime.client.suspend(id)
        clock.advance(by: .seconds(60))  // the timer fires while suspended
        await #expect(throws: DurableError.timedOut(instanceId: id, after: .milliseconds(20))) {
            try await runtime.client.waitForCompletion(of: id, timeout: .milliseconds(20))
        }
        try await runtime.client.resume(id)

        #expect(try await runtime.client.result(of: id, as: WaitThenSleep.self, timeout: .seconds(10)) == "parcel")
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "ExecutionSuspended") == 2)
        #expect(history.count(of: "ExecutionResumed") == 2)
        #expect(try await runtime.replay(history, instanceId: id).outcome == .completed(try Payload(encoding: "parcel")))
    }

    @Test func resumingAnInstanceThatIsNotSuspendedIsATypedError() async throws {
        let runtime = try await waitingRuntime(ManualClock())
        let id = try await runtime.client.start(WaitThenSleep.self, input: 0)
        await #expect(throws: DurableError.invalidStatus(instanceId: id, status: .running, operation: "resume")) {
            try await runtime.client.resume(id)
        }
    }

    @Test func purgeRemovesFinishedInstancesOnly() async throws {
        let runtime = try await waitingRuntime(ManualClock())
        let id = try await runtime.client.start(WaitThenSleep.self, input: 0)
        await #expect(throws: DurableError.invalidStatus(instanceId: id, status: .running, operation: "purge")) {
            try await runtime.client.purge(id)
        }
        try await runtime.client.terminate(id)
        _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))

        try await runtime.client.purge(id)

        await #expect(throws: DurableError.unknownInstance(id)) { try await runtime.client.status(of: id) }
        await #expect(throws: DurableError.unknownInstance(id)) { try await runtime.client.history(of: id) }
    }

    @Test func aScheduledStartIsPendingUntilItsTime() async throws {
        let clock = ManualClock()
        let runtime = try await waitingRuntime(clock)
        let id = try await runtime.client.start(
            WaitThenSleep.self, input: 0, startAt: clock.now.addingTimeInterval(300))
        try await runtime.client.raiseEvent(id, name: "item", payload: "early bird")  // buffered while pending

        #expect(try await runtime.client.status(of: id).runtimeStatus == .pending)
        await clock.waitForSleepers()
        clock.advance(by: .seconds(300))
        let started = try await runtime.client.waitForStart(of: id, timeout: .seconds(10))
        #expect(started.runtimeStatus == .running)

        await clock.waitForSleepers()
        clock.advance(by: .seconds(60))
        #expect(try await runtime.client.result(of: id, as: WaitThenSleep.self, timeout: .seconds(10)) == "early bird")
    }

    @Test func aFinishedIdIsReusedOnlyWhenAskedTo() async throws {
        let runtime = try await waitingRuntime(ManualClock())
        let id = try await runtime.client.start(WaitThenSleep.self, input: 0, instanceId: "reused")
        try await runtime.client.terminate(id)
        _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))

        await #expect(throws: DurableError.instanceAlreadyExists("reused", status: .terminated)) {
            try await runtime.client.start(WaitThenSleep.self, input: 1, instanceId: "reused")
        }
        try await runtime.client.start(WaitThenSleep.self, input: 1, instanceId: "reused", reuse: .replaceFinished)

        let status = try await runtime.client.status(of: "reused")
        #expect(status.runtimeStatus == .running)
        #expect(try status.input.decode(Int.self) == 1)
        // Nothing of the first execution: only the new start, and the marker of its wait for
        // "item" once its code has run that far (which may or may not have happened yet).
        let kinds = try await runtime.client.history(of: "reused").kindNames
        #expect(kinds == ["ExecutionStarted"] || kinds == ["ExecutionStarted", "EventWaitStarted"], "\(kinds)")
    }

    @Test func listFiltersByStatusPrefixAndTimeAndPages() async throws {
        let clock = ManualClock()
        let runtime = try await waitingRuntime(clock)
        let t0 = clock.now
        for index in 0..<5 { try await runtime.client.start(WaitThenSleep.self, input: index, instanceId: "order-\(index)") }
        clock.advance(by: .seconds(10))
        for index in 0..<3 { try await runtime.client.start(WaitThenSleep.self, input: index, instanceId: "invoice-\(index)") }
        try await runtime.client.terminate("order-4")
        _ = try await runtime.client.waitForCompletion(of: "order-4", timeout: .seconds(10))

        let orders = await runtime.client.list(InstanceQuery(instanceIdPrefix: "order-"))
        #expect(orders.instances.map(\.instanceId) == (0..<5).map { "order-\($0)" })
        let running = await runtime.client.list(InstanceQuery(statuses: [.running], instanceIdPrefix: "order-"))
        #expect(running.instances.count == 4)
        let early = await runtime.client.list(InstanceQuery(createdBefore: t0.addingTimeInterval(5)))
        #expect(early.instances.allSatisfy { $0.instanceId.hasPrefix("order-") } && early.instances.count == 5)

        var pages: [[String]] = []
        var token: String?
        repeat {
            let page = await runtime.client.list(InstanceQuery(pageSize: 3, continuationToken: token))
            pages.append(page.instances.map(\.instanceId))
            token = page.continuationToken
        } while token != nil
        #expect(pages.map(\.count) == [3, 3, 2])
        #expect(pages.joined().sorted() == pages.joined().map { $0 })
        #expect(Set(pages.joined()).count == 8)
    }
}
