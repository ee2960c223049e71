import Durable
import Testing

@testable import Approval
@testable import GalaxyCreate

@Suite struct GalaxyCreateSampleTests {
    @Test func twoParallelStepsFeedTheCreation() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            CreateGalaxy.self
            UtilityCoords()
            UtilityName()
            GalaxyCreateImpl()
        }
        let id = try await runtime.client.start(CreateGalaxy.self, input: 7)
        #expect(try await runtime.client.result(of: id, as: CreateGalaxy.self, timeout: .seconds(10)) == "Galaxy-7 at (14, 21)")
        let scheduled = try await runtime.client.history(of: id).filter { $0.kind.name == "TaskScheduled" }
        #expect(scheduled.count == 3)
    }
}

@Suite struct ApprovalSampleTests {
    private func runtime(_ clock: ManualClock) async throws -> DurableRuntime {
        try await DurableRuntime(storage: .memory, configuration: .init(clock: clock)) {
            ApprovalFlow.self
            RequestApproval()
            Escalate()
        }
    }

    @Test func anApprovalInTimeIsApproved() async throws {
        let clock = ManualClock()
        let runtime = try await runtime(clock)
        let id = try await runtime.client.start(ApprovalFlow.self, input: .init(subject: "x", timeoutSeconds: 3_600))
        await clock.waitForSleepers()
        try await runtime.client.raiseEvent(id, name: "approve", payload: true)
        #expect(try await runtime.client.result(of: id, as: ApprovalFlow.self, timeout: .seconds(10)) == "approved: x")
    }

    @Test func noAnswerEscalatesWhenTheTimeoutFires() async throws {
        let clock = ManualClock()
        let runtime = try await runtime(clock)
        let id = try await runtime.client.start(ApprovalFlow.self, input: .init(subject: "y", timeoutSeconds: 3_600))
        await clock.waitForSleepers()
        clock.advance(by: .seconds(3_600))
        #expect(try await runtime.client.result(of: id, as: ApprovalFlow.self, timeout: .seconds(10)) == "escalated: y")
    }
}
