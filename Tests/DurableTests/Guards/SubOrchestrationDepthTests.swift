import Durable
import Foundation
import Testing

/// Calls itself as a sub-orchestration one level deeper: a recursion that forgot to stop (bounded
/// at 200 only so that a build without the depth limit finishes).
struct RecurseForever: Orchestration {
    func run(_ level: Int, context: OrchestrationContext) async throws -> Int {
        guard level < 200 else { return level }
        return try await context.callSubOrchestration(RecurseForever.self, level + 1)
    }
}

/// Recurses like ``RecurseForever``; the level that is refused a child (or reaches 200) reports
/// it and waits for an event that never comes, so the whole tree stays running.
struct RecurseThenWait: Orchestration {
    func run(_ level: Int, context: OrchestrationContext) async throws -> Int {
        do {
            guard level < 200 else { throw CancellationError() }
            return try await context.callSubOrchestration(RecurseThenWait.self, level + 1)
        } catch {
            _ = try await context.call(ReachedBottom.self, level)
            return try await context.waitForEvent("never", as: Int.self)
        }
    }
}

@Suite struct SubOrchestrationDepthTests {
    private static let durableError = String(reflecting: DurableError.self)

    private func instances(in runtime: DurableRuntime) async -> [InstanceStatus] {
        await runtime.client.list(InstanceQuery(pageSize: 10_000)).instances
    }

    @Test func unboundedRecursionStopsAtTheDefaultDepth() async throws {
        #expect(DurableRuntime.Configuration().maxSubOrchestrationDepth == 64)
        let runtime = try await DurableRuntime(storage: .memory) { RecurseForever.self }
        let id = try await runtime.client.start(RecurseForever.self, input: 0, instanceId: "recursion")

        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(60))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.errorType == Self.durableError)
        let all = await instances(in: runtime)
        #expect(all.count == 65)  // depth 0 through 64
        #expect(all.allSatisfy { $0.runtimeStatus == .failed })

        // The deepest was refused its child: recorded as the call's failure, with no child started.
        let deepest = try #require(all.first { instance in !all.contains { $0.parent?.instanceId == instance.instanceId } })
        let history = try await runtime.client.history(of: deepest.instanceId)
        guard case .subOrchestrationFailed(_, let refusal)? = history.first(where: { $0.kind.name == "SubOrchestrationFailed" })?.kind
        else { Issue.record("no SubOrchestrationFailed in \(history.kindNames)"); return }
        #expect(refusal.errorType == Self.durableError)
        #expect(refusal.message == DurableError.subOrchestrationTooDeep(
            parentId: deepest.instanceId, name: "RecurseForever", depth: 65, limit: 64).description)

        // Replay reads the refusal back from history instead of deciding again.
        let replay = try await runtime.replay(history, instanceId: deepest.instanceId)
        #expect(replay.outcome == .failed(try #require(deepest.failure)))
        #expect(replay.newEvents.isEmpty)
    }

    @Test func aTreeStoppedAtTheLimitTerminatesPromptly() async throws {
        let bottom = Gate()
        let configuration = DurableRuntime.Configuration(maxSubOrchestrationDepth: 8)
        let runtime = try await DurableRuntime(storage: .memory, configuration: configuration) {
            RecurseThenWait.self
            ReachedBottom(gate: bottom)
        }
        let id = try await runtime.client.start(RecurseThenWait.self, input: 0, instanceId: "tree")
        await bottom.wait()
        #expect(await instances(in: runtime).count == 9)

        let clock = ContinuousClock()
        let took = try await clock.measure {
            try await runtime.client.terminate(id, reason: "runaway", includeSubOrchestrations: true)
        }
        let all = await instances(in: runtime)
        #expect(all.count == 9)
        #expect(all.allSatisfy { $0.runtimeStatus == .terminated })
        print("terminating a tree of \(all.count) took \(took)")
    }
}
