import Durable
import Foundation
import Testing

struct Unregistered: Activity {
    func run(_ input: Int, context: ActivityContext) async throws -> Int { input }
}

struct CallsUnregistered: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        try await context.call(Unregistered.self, input)
    }
}

/// Breaks the rules: calls the context from a detached task, off the instance's executor.
struct EscapesExecutor: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        try await Task.detached { try await context.call(UtilityName.self, input) }.value.count
    }
}

/// Encodes what its decoder refuses: a user type with a Codable bug.
struct Lopsided: Codable, Sendable {
    private enum Keys: String, CodingKey { case written, expected }
    init() {}
    init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: Keys.self).decode(Int.self, forKey: .expected)
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(1, forKey: .written)
    }
}

struct TakesLopsided: Orchestration {
    func run(_ input: Lopsided, context: OrchestrationContext) async throws -> Int { 1 }
}

@Suite struct BadInputTests {
    // A typed start is not decoded again to validate it (that would cost every start a JSON
    // decode): a type that cannot read its own encoding fails its first run instead, typed and recorded.
    @Test func aTypedInputThatCannotDecodeItselfFailsTheRunNotTheProcess() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { TakesLopsided.self }
        let id = try await runtime.client.start(TakesLopsided.self, input: Lopsided(), instanceId: "lopsided")
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.message.contains("expected") == true)
        #expect(String(decoding: status.input.data, as: UTF8.self) == #"{"written":1}"#)

        let batch = try await runtime.client.start(TakesLopsided.self, inputs: [Lopsided(), Lopsided()])
        for id in batch {
            #expect(try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10)).runtimeStatus == .failed)
        }
    }

    @Test func unknownOrchestrationNameIsATypedError() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        await #expect(throws: DurableError.unknownOrchestration("NoSuchOrchestration")) {
            try await runtime.client.start(orchestrationNamed: "NoSuchOrchestration", input: .empty)
        }
    }

    @Test func unknownInstanceIsATypedErrorEverywhere() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        await #expect(throws: DurableError.unknownInstance("ghost")) { try await runtime.client.status(of: "ghost") }
        await #expect(throws: DurableError.unknownInstance("ghost")) { try await runtime.client.history(of: "ghost") }
        await #expect(throws: DurableError.unknownInstance("ghost")) {
            try await runtime.client.result(of: "ghost", as: PlaceOrder.self)
        }
    }

    @Test func inputThatDoesNotDecodeIsRejectedAtStart() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog())
        do {
            try await runtime.client.start(orchestrationNamed: "PlaceOrder", input: Payload(data: Data(#"{"sku":7}"#.utf8)))
            Issue.record("start accepted input that does not decode")
        } catch DurableError.invalidInput(let orchestration, let reason) {
            #expect(orchestration == "PlaceOrder")
            #expect(reason.contains("id"))
            #expect(DurableError.invalidInput(orchestration: orchestration, reason: reason).description
                .hasPrefix("The input does not fit orchestration 'PlaceOrder'"))
        }
        let started = try await runtime.client.start(
            orchestrationNamed: "PlaceOrder", input: Payload(encoding: Order(id: "ok", amount: 1)))
        #expect(try await runtime.client.result(of: started, as: PlaceOrder.self, timeout: .seconds(10)) == "TRACK-ok")
    }

    @Test func duplicateNamesAreRejectedAtRegistration() async throws {
        await #expect(throws: DurableError.duplicateRegistration(kind: "activity", name: "UtilityName")) {
            try await DurableRuntime(storage: .memory) {
                UtilityName()
                UtilityName()
            }
        }
        await #expect(throws: DurableError.duplicateRegistration(kind: "orchestration", name: "PlaceOrder")) {
            try await DurableRuntime(storage: .memory) {
                PlaceOrder.self
                PlaceOrderEdited.self
            }
        }
    }

    @Test func startingAnIdThatExistsIsATypedError() async throws {
        let started = Gate()
        let release = Gate()
        let runtime = try await DurableRuntime.orders(log: CallLog()) {
            StagedCheckout.self
            WaitForRelease(started: started, release: release)
        }
        let order = Order(id: "dup", amount: 1)
        try await runtime.client.start(StagedCheckout.self, input: order, instanceId: "dup")
        await started.wait()

        await #expect(throws: DurableError.instanceAlreadyExists("dup", status: .running)) {
            try await runtime.client.start(StagedCheckout.self, input: order, instanceId: "dup")
        }
        release.open()
        _ = try await runtime.client.waitForCompletion(of: "dup", timeout: .seconds(10))
        await #expect(throws: DurableError.instanceAlreadyExists("dup", status: .completed)) {
            try await runtime.client.start(StagedCheckout.self, input: order, instanceId: "dup")
        }
    }

    @Test func callingAnUnregisteredActivityFailsTheInstanceWithAReadableMessage() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { CallsUnregistered.self }
        let id = try await runtime.client.start(CallsUnregistered.self, input: 1)

        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.message == "activity 'Unregistered' failed: Durable.DurableError: "
            + DurableError.unknownActivity("Unregistered").description)
    }

    @Test func contextUsedFromADetachedTaskFailsTheInstance() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            EscapesExecutor.self
            UtilityName()
        }
        let id = try await runtime.client.start(EscapesExecutor.self, input: 1)

        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.message.contains("from outside its executor") == true)
        #expect(try await runtime.client.history(of: id).scheduledActivities.isEmpty)
    }

    @Test func waitingTimesOutWithATypedError() async throws {
        let started = Gate()
        let runtime = try await DurableRuntime.orders(log: CallLog()) {
            StagedCheckout.self
            WaitForRelease(started: started, release: Gate())
        }
        let id = try await runtime.client.start(StagedCheckout.self, input: Order(id: "slow", amount: 1))
        await started.wait()
        await #expect(throws: DurableError.timedOut(instanceId: id, after: .milliseconds(1))) {
            try await runtime.client.waitForCompletion(of: id, timeout: .milliseconds(1))
        }
    }
}
