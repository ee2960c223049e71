import Durable
import Foundation
import Testing

/// A chain of `depth` sub-orchestrations with default ids; returns the depth.
struct Nest: Orchestration {
    func run(_ remaining: Int, context: OrchestrationContext) async throws -> Int {
        guard remaining > 0 else { return 0 }
        return try await context.callSubOrchestration(Nest.self, remaining - 1) + 1
    }
}

/// Like ``Nest``, but the bottom waits for "go", so the chain is running when the runtime stops.
struct NestThenWait: Orchestration {
    func run(_ remaining: Int, context: OrchestrationContext) async throws -> Int {
        guard remaining > 0 else {
            _ = try await context.call(ReachedBottom.self, 0)
            return try await context.waitForEvent("go", as: Int.self)
        }
        return try await context.callSubOrchestration(NestThenWait.self, remaining - 1) + 1
    }
}

@Suite struct DefaultChildIDTests {
    private static let depth = 1_000
    private static let configuration = DurableRuntime.Configuration(maxSubOrchestrationDepth: depth)

    /// The default ids down the chain from `root`, read from each level's SubOrchestrationCreated.
    private func chain(from root: String, in runtime: DurableRuntime) async throws -> [String] {
        var ids: [String] = []
        var current = root
        while let created = try await runtime.client.history(of: current).first(where: { $0.kind.name == "SubOrchestrationCreated" }),
            case .subOrchestrationCreated(_, _, let child, _) = created.kind
        {
            ids.append(child)
            current = child
        }
        return ids
    }

    @Test func idsAtDepthAThousandAreBoundedUniqueAndReplayTheSame() async throws {
        let runtime = try await DurableRuntime(storage: .memory, configuration: Self.configuration) { Nest.self }
        let root = "order-2024-000123"
        let id = try await runtime.client.start(Nest.self, input: Self.depth, instanceId: root)
        #expect(try await runtime.client.result(of: id, as: Nest.self, timeout: .seconds(60)) == Self.depth)

        let ids = try await chain(from: root, in: runtime)
        #expect(ids.count == Self.depth)
        #expect(Set(ids).count == ids.count)
        #expect(ids.map(\.utf8.count).max() ?? .max <= 100)
        #expect(ids.prefix(3) == ["order-2024-000123:0", "order-2024-000123:0:0", "order-2024-000123:0:0:0"])  // short: as before
        #expect(ids.allSatisfy { $0.hasPrefix("order-2024-000123") })  // a long one keeps the root in front
        for (parent, child) in zip([root] + ids, ids) {
            #expect(try await runtime.client.status(of: child).parent?.instanceId == parent)
        }
        // Replaying a level makes the same child id: the code's command names the recorded child.
        for level in [40, 500, Self.depth - 1] {
            let history = try await runtime.client.history(of: ids[level - 1])
            let replay = try await runtime.replay(history, instanceId: ids[level - 1])
            guard case .subOrchestrationCreated(_, _, let replayed, _)? = replay.commands.first else {
                Issue.record("level \(level) issued \(replay.commands)")
                continue
            }
            #expect(replayed == ids[level])
        }
    }

    @Test func aRestartFindsTheSameChildrenAtEveryDepth() async throws {
        let store = InMemoryHistoryStore()
        let bottom = Gate()
        let root = "restarted-chain"
        do {
            let runtime = try await DurableRuntime(storage: .store(store), configuration: Self.configuration) {
                NestThenWait.self
                ReachedBottom(gate: bottom)
            }
            _ = try await runtime.client.start(NestThenWait.self, input: Self.depth, instanceId: root)
            await bottom.wait()
            runtime.shutdown()
        }
        let runtime = try await DurableRuntime(storage: .store(store), configuration: Self.configuration) {
            NestThenWait.self
            ReachedBottom(gate: Gate())
        }
        let ids = try await chain(from: root, in: runtime)
        #expect(ids.count == Self.depth)
        try await runtime.client.raiseEvent(try #require(ids.last), name: "go", payload: 0)

        #expect(try await runtime.client.result(of: root, as: NestThenWait.self, timeout: .seconds(60)) == Self.depth)
        // Recovery re-issued every level's call under the id it recorded: no level started another child.
        #expect(await runtime.client.list(InstanceQuery(pageSize: 10_000)).instances.count == Self.depth + 1)
    }
}
