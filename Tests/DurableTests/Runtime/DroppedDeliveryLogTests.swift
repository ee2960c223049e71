import Durable
import Foundation
import Synchronization
import Testing

/// What is addressed to another execution is recorded where it happened and ignored by the
/// execution running now — and the runtime's log says it dropped it.
@Suite struct DroppedDeliveryLogTests {
    /// A child abandoned by round 0 ends after the parent continued as new: its result stays in
    /// its own history, the new execution never sees it, and one log line names it.
    @Test func aChildsLateResultForAnotherExecutionIsLogged() async throws {
        let clock = ManualClock()
        let lines = Mutex<[String]>([])
        let arrived = ["old": Gate(), "new": Gate()]
        let configuration = DurableRuntime.Configuration(clock: clock, log: { line in lines.withLock { $0.append(line) } })
        let runtime = try await DurableRuntime(storage: .memory, configuration: configuration) {
            ExecAbandoningParent.self
            ExecGatedChild.self
            ExecArrived(gates: arrived)
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ExecAbandoningParent.self, input: .init(round: 0), instanceId: "parent")
        await arrived["old"]?.wait()
        await clock.waitForSleepers()
        clock.advance(by: .seconds(10))  // the timer wins; the parent continues as new
        await arrived["new"]?.wait()
        #expect(lines.withLock { $0 }.isEmpty)

        try await runtime.client.raiseEvent("\(id)-old", name: "go", payload: 1)
        let old = try await runtime.client.waitForCompletion(of: "\(id)-old", timeout: .seconds(10))
        #expect(try old.output(as: String.self) == "old")  // recorded in the child's own history
        for _ in 0..<1000 where lines.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(2)) }
        let logged = lines.withLock { $0 }
        #expect(logged.count == 1)
        #expect(logged.first?.contains("sub-orchestration '\(id)-old'") == true, "\(logged)")

        try await runtime.client.raiseEvent("\(id)-new", name: "go", payload: 1)
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(try status.output(as: String.self) == "new")
        #expect(lines.withLock { $0.count } == 1)  // the new child's result reached its own execution
    }
}
