import Durable
import Foundation
import Synchronization
import Testing

/// Waits forever for an event no test raises.
struct WaitsForever: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        try await context.waitForEvent("never", as: Int.self)
    }
}

/// Starts one `WaitsForever` child and waits for it.
struct ParentOfWaiter: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        try await context.callSubOrchestration(WaitsForever.self, input)
    }
}

@Suite struct TerminateTreeTests {
    private func event(_ kind: HistoryEvent.Kind, _ second: Double) -> HistoryEvent {
        HistoryEvent(kind, at: Date(timeIntervalSinceReferenceDate: 800_000_000 + second))
    }

    /// A crash inside `terminate(includeSubOrchestrations: true)`: the parent's end durable, the
    /// child's not. Terminating the parent again finishes the child (the old code threw
    /// `invalidStatus` and left it running).
    @Test func terminatingATerminatedParentAgainTerminatesItsRunningChildren() async throws {
        let store = InMemoryHistoryStore(histories: [
            "p": [
                event(.executionStarted(name: ParentOfWaiter.name, input: try Payload(encoding: 1), parent: nil, scheduledStart: nil), 0),
                event(.subOrchestrationCreated(sequence: 0, name: WaitsForever.name, instanceId: "p:0", input: try Payload(encoding: 1)), 1),
                event(.executionTerminated(reason: "stop"), 2),
            ],
            "p:0": [
                event(.executionStarted(
                    name: WaitsForever.name, input: try Payload(encoding: 1), parent: ParentInstance(instanceId: "p", sequence: 0),
                    scheduledStart: nil), 1),
            ],
        ])
        let runtime = try await DurableRuntime(storage: .store(store)) {
            ParentOfWaiter.self
            WaitsForever.self
        }
        defer { runtime.shutdown() }
        #expect(try await runtime.client.status(of: "p:0").runtimeStatus == .running)

        try await runtime.client.terminate("p", reason: "stop", includeSubOrchestrations: true)
        #expect(try await runtime.client.status(of: "p:0").runtimeStatus == .terminated)
        #expect(store.history(of: "p:0")?.last?.kind == .executionTerminated(reason: "stop", includeSubOrchestrations: true))

        // Nothing left to terminate: a repeat is an error again, as is one without the tree.
        await #expect(throws: DurableError.self) {
            try await runtime.client.terminate("p", reason: "stop", includeSubOrchestrations: true)
        }
        await #expect(throws: DurableError.self) { try await runtime.client.terminate("p", reason: "stop") }
    }

    /// The parent's id now runs another execution (reused, or continued as new) than the one that
    /// started the running child: terminating the parent's tree must leave that child alone (the
    /// old code chose children by instance id and terminated it).
    @Test func terminatingATreeLeavesTheChildrenOfAnEarlierExecutionOfTheId() async throws {
        let store = InMemoryHistoryStore(histories: [
            "p": [
                event(.executionStarted(
                    name: WaitsForever.name, input: try Payload(encoding: 1), parent: nil, scheduledStart: nil,
                    executionId: "second"), 3),
            ],
            "p:0": [
                event(.executionStarted(
                    name: WaitsForever.name, input: try Payload(encoding: 1),
                    parent: ParentInstance(instanceId: "p", sequence: 0, executionId: "first"), scheduledStart: nil,
                    executionId: "child"), 1),
            ],
        ])
        let runtime = try await DurableRuntime(storage: .store(store)) {
            ParentOfWaiter.self
            WaitsForever.self
        }
        defer { runtime.shutdown() }
        try await runtime.client.terminate("p", reason: "stop", includeSubOrchestrations: true)
        #expect(try await runtime.client.status(of: "p").runtimeStatus == .terminated)
        #expect(try await runtime.client.status(of: "p:0").runtimeStatus == .running)
        #expect(store.history(of: "p:0")?.count == 1)
    }

    /// `terminate` returns only once every child's termination is durable: the parent's
    /// termination is let through, the child's held back.
    @Test func terminateReturnsOnlyOnceTheChildrensTerminationIsDurable() async throws {
        let first = FirstOf()
        let box = Mutex<(store: HeldDurabilityStore?, heldWaits: Int)>((nil, 0))
        let store = HeldDurabilityStore {
            // The parent's wait: let it through at once, and hold back what follows (the child's).
            let store = box.withLock { box -> HeldDurabilityStore? in
                box.heldWaits += 1
                return box.heldWaits == 1 ? box.store : nil
            }
            store?.release()
            store?.hold()
        }
        box.withLock { $0.store = store }
        let runtime = try await DurableRuntime(storage: .store(store)) {
            ParentOfWaiter.self
            WaitsForever.self
        }
        defer { runtime.shutdown() }
        try await runtime.client.start(ParentOfWaiter.self, input: 1, instanceId: "p")
        for _ in 0..<1000 where (try? await runtime.client.status(of: "p:0"))?.runtimeStatus != .running {
            try await Task.sleep(for: .milliseconds(2))
        }
        store.hold()
        let terminate = Task {
            try await runtime.client.terminate("p", reason: "stop", includeSubOrchestrations: true)
            first.note("terminate returned")
        }
        for _ in 0..<1000 where store.history(of: "p:0")?.last?.kind != .executionTerminated(reason: "stop", includeSubOrchestrations: true) {
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(store.history(of: "p:0")?.last?.kind == .executionTerminated(reason: "stop", includeSubOrchestrations: true))
        try await Task.sleep(for: .milliseconds(30))
        first.note("the child's termination was recorded but is not durable")
        #expect(await first.winner() == "the child's termination was recorded but is not durable")
        store.release()
        try await terminate.value
        #expect(try await runtime.client.status(of: "p:0").runtimeStatus == .terminated)
    }
}
