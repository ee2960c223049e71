import Durable
import Foundation
import Testing

/// Waits for one "go" event and returns it doubled.
struct ParkedUntilGo: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let go = try await context.waitForEvent("go", as: Int.self)
        return input + go * 2
    }
}

/// Calls ParkedUntilGo as a child and reports how it went.
struct ParentOfParked: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        do {
            return "child returned \(try await context.callSubOrchestration(ParkedUntilGo.self, input))"
        } catch let failure as SubOrchestrationFailure {
            return "child failed: \(failure.details.message)"
        }
    }
}

/// Something else to register, so a runtime without ParkedUntilGo is still a runtime with code.
struct SomethingElse: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int { input }
}

/// An instance whose orchestration the recovering runtime does not register (a build that dropped
/// or renamed it) is `notRegistered`: listed with a reason, history kept, terminable and purgeable,
/// and every other call about it throws `orchestrationNotRegistered` at once instead of hanging.
@Suite(.timeLimit(.minutes(1))) struct NotRegisteredTests {
    private func withParked(_ directory: TemporaryDirectory) async throws -> DurableRuntime {
        try await DurableRuntime(storage: .directory(directory.path)) {
            ParkedUntilGo.self
            ParentOfParked.self
            SomethingElse.self
        }
    }

    private func withoutParked(_ directory: TemporaryDirectory) async throws -> DurableRuntime {
        try await DurableRuntime(storage: .directory(directory.path)) {
            ParentOfParked.self
            SomethingElse.self
        }
    }

    /// Starts a ParkedUntilGo instance in a runtime that has it, and shuts that runtime down.
    private func parkedInstance(in directory: TemporaryDirectory, id: String = "parked-1") async throws -> [HistoryEvent] {
        let first = try await withParked(directory)
        try await first.client.start(ParkedUntilGo.self, input: 1, instanceId: id)
        let history = try await first.client.history(of: id)
        first.shutdown()
        return history
    }

    /// Waits (polling, at most 10 s) until the instance exists and has started.
    private func waitUntilStarted(_ id: String, in runtime: DurableRuntime) async throws {
        for _ in 0..<5_000 {
            if let status = try? await runtime.client.status(of: id), status.runtimeStatus == .running { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        Issue.record("instance '\(id)' never started")
    }

    @Test func aRuntimeWithoutTheOrchestrationReportsItAndALaterBuildResumesIt() async throws {
        let directory = TemporaryDirectory()
        let id = "parked-1"
        let recorded = try await parkedInstance(in: directory, id: id)
        let notRegistered = DurableError.orchestrationNotRegistered(instanceId: id, name: "ParkedUntilGo")

        let second = try await withoutParked(directory)
        let status = try await second.client.status(of: id)
        #expect(status.runtimeStatus == .notRegistered)
        #expect(status.name == "ParkedUntilGo")
        #expect(status.failure?.message.contains("orchestration 'ParkedUntilGo' is not registered in this build") == true)
        #expect(await second.client.list().instances == [status])
        #expect(await second.client.list(InstanceQuery(statuses: [.notRegistered])).instances.map(\.instanceId) == [id])
        #expect(await second.client.list(InstanceQuery(statuses: [.running])).instances.isEmpty)

        await #expect(throws: notRegistered) { try await second.client.raiseEvent(id, name: "go", payload: 5) }
        await #expect(throws: notRegistered) { try await second.client.suspend(id, reason: "hold") }
        await #expect(throws: notRegistered) { try await second.client.resume(id, reason: "go on") }
        // At once, not after the timeout (nor never, without one): nothing here could finish it.
        await #expect(throws: notRegistered) {
            try await second.client.result(of: id, as: ParkedUntilGo.self, timeout: .seconds(5))
        }
        await #expect(throws: notRegistered) { try await second.client.waitForCompletion(of: id) }
        await #expect(throws: notRegistered) { try await second.client.waitForStart(of: id) }
        await #expect(throws: DurableError.instanceAlreadyExists(id, status: .notRegistered)) {
            try await second.client.start(SomethingElse.self, input: 0, instanceId: id, reuse: .replaceFinished)
        }
        #expect(try await second.client.history(of: id) == recorded)
        second.shutdown()

        let third = try await withParked(directory)
        defer { third.shutdown() }
        #expect(try await third.client.status(of: id).runtimeStatus == .running)
        try await third.client.raiseEvent(id, name: "go", payload: 5)
        #expect(try await third.client.result(of: id, as: ParkedUntilGo.self, timeout: .seconds(10)) == 11)
        #expect(Array(try await third.client.history(of: id).prefix(recorded.count)) == recorded)
    }

    @Test func terminatingItRecordsTheEndAndALaterBuildKeepsIt() async throws {
        let directory = TemporaryDirectory()
        let id = "parked-2"
        _ = try await parkedInstance(in: directory, id: id)

        let second = try await withoutParked(directory)
        try await second.client.terminate(id, reason: "type retired")
        let status = try await second.client.status(of: id)
        #expect(status.runtimeStatus == .terminated)
        #expect(status.failure == nil)
        #expect(status.terminationReason == "type retired")
        #expect(try await second.client.history(of: id).last?.kind == .executionTerminated(reason: "type retired"))
        await #expect(throws: DurableError.terminated(instanceId: id, reason: "type retired")) {
            try await second.client.result(of: id, as: ParkedUntilGo.self, timeout: .seconds(10))
        }
        await #expect(throws: DurableError.invalidStatus(instanceId: id, status: .terminated, operation: "terminate")) {
            try await second.client.terminate(id)
        }
        second.shutdown()

        let third = try await withParked(directory)
        defer { third.shutdown() }
        #expect(try await third.client.status(of: id).runtimeStatus == .terminated)
        try await third.client.purge(id)
        await #expect(throws: DurableError.unknownInstance(id)) { try await third.client.status(of: id) }
    }

    @Test func purgingItDeletesItsHistory() async throws {
        let directory = TemporaryDirectory()
        let id = "parked-3"
        _ = try await parkedInstance(in: directory, id: id)

        let second = try await withoutParked(directory)
        try await second.client.purge(id)
        await #expect(throws: DurableError.unknownInstance(id)) { try await second.client.status(of: id) }
        await #expect(throws: DurableError.unknownInstance(id)) { try await second.client.history(of: id) }
        second.shutdown()

        let third = try await withParked(directory)
        defer { third.shutdown() }
        await #expect(throws: DurableError.unknownInstance(id)) { try await third.client.status(of: id) }
    }

    @Test func aParentWaitsForItsNotRegisteredChildAndHearsWhenItIsTerminated() async throws {
        let directory = TemporaryDirectory()
        let first = try await withParked(directory)
        let parent = try await first.client.start(ParentOfParked.self, input: 1, instanceId: "parent-1")
        let child = "parent-1:0"
        try await waitUntilStarted(child, in: first)
        first.shutdown()

        let second = try await withoutParked(directory)
        defer { second.shutdown() }
        #expect(try await second.client.status(of: child).runtimeStatus == .notRegistered)
        // The parent is registered and goes on waiting for the child it created.
        await #expect(throws: DurableError.timedOut(instanceId: parent, after: .milliseconds(50))) {
            try await second.client.waitForCompletion(of: parent, timeout: .milliseconds(50))
        }
        #expect(try await second.client.status(of: parent).runtimeStatus == .running)

        try await second.client.terminate(child, reason: "retired")
        let result = try await second.client.result(of: parent, as: ParentOfParked.self, timeout: .seconds(10))
        #expect(result == "child failed: instance '\(child)' is terminated: retired")
    }

    @Test func terminatingAParentTerminatesItsNotRegisteredChild() async throws {
        let directory = TemporaryDirectory()
        let first = try await withParked(directory)
        let parent = try await first.client.start(ParentOfParked.self, input: 1, instanceId: "parent-2")
        let child = "parent-2:0"
        try await waitUntilStarted(child, in: first)
        first.shutdown()

        let second = try await withoutParked(directory)
        defer { second.shutdown() }
        try await second.client.terminate(parent, includeSubOrchestrations: true)
        #expect(try await second.client.waitForCompletion(of: parent, timeout: .seconds(10)).runtimeStatus == .terminated)
        #expect(try await second.client.status(of: child).runtimeStatus == .terminated)
    }
}
