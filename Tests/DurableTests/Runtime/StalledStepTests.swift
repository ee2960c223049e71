@testable import Durable
import Foundation
import Testing

@Suite struct StalledStepTests {
    /// The watchdog's looks, driven by hand at chosen times (it runs on the wall clock in a runtime).
    /// Before: nothing said anything; the instance just showed `running`.
    @Test(.timeLimit(.minutes(1))) func aStepThatRunsPastTheLimitIsReportedOnceAndClearedWhenItReturns() async throws {
        let log = LogLines()
        var configuration = DurableRuntime.Configuration(log: { log.append($0) })
        configuration.stalledStepLimit = nil  // this test makes the looks
        let runtime = try await DurableRuntime(storage: .memory, configuration: configuration) {
            BlocksAStep.self
            Step()
        }
        let id = try await runtime.client.start(BlocksAStep.self, input: 1, instanceId: "blocked")
        // Waited for on a thread of its own: the step holds a Dispatch worker already.
        await withCheckedContinuation { done in Thread.detachNewThread { BlocksAStep.entered.wait(); done.resume() } }

        let start = Date(timeIntervalSince1970: 1_000)
        let limit = Duration.seconds(4)
        runtime.engine.checkSteps(limit: limit, at: start)
        runtime.engine.checkSteps(limit: limit, at: start + 3.9)
        #expect(try await runtime.client.status(of: id).stalledSince == nil, "under the limit")
        runtime.engine.checkSteps(limit: limit, at: start + 4)
        let status = try await runtime.client.status(of: id)
        #expect(status.stalledSince == start)
        #expect(status.runtimeStatus == .running)
        runtime.engine.checkSteps(limit: limit, at: start + 8)
        #expect(log.all.filter { $0.contains("'blocked' has run one step") }.count == 1, "reported once: \(log.all)")

        BlocksAStep.release.signal()
        #expect(try await runtime.client.result(of: id, as: BlocksAStep.self, timeout: .seconds(10)) == "after")
        runtime.engine.checkSteps(limit: limit, at: start + 9)
        #expect(try await runtime.client.status(of: id).stalledSince == nil, "cleared once the step returned")
    }
}
