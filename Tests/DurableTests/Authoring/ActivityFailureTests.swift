import Durable
import Testing

/// Compensates a declined payment by releasing the reservation.
struct PlaceOrderWithCompensation: Orchestration {
    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        _ = try await context.call(CheckAndReserveInventory.self, order)
        do {
            return try await context.call(ProcessPayment.self, order)
        } catch let failure as ActivityFailure {
            let refund = try await context.call(RefundPayment.self, order)
            return "\(refund) after \(failure.activityName) failed: \(failure.message)"
        }
    }
}

@Suite struct ActivityFailureTests {
    @Test func caughtFailureRunsTheCompensationPath() async throws {
        let log = CallLog()
        let runtime = try await DurableRuntime.orders(log: log, declineAbove: 100) {
            PlaceOrderWithCompensation.self
        }
        let id = try await runtime.client.start(PlaceOrderWithCompensation.self, input: Order(id: "o-3", amount: 250))

        let result = try await runtime.client.result(of: id, as: PlaceOrderWithCompensation.self, timeout: .seconds(10))

        #expect(result == "REFUND-o-3 after ProcessPayment failed: payment declined: amount 250.0 too high")
        #expect(log.all == ["CheckAndReserveInventory", "ProcessPayment", "RefundPayment"])
        let failed = try await runtime.client.history(of: id).compactMap { event -> FailureDetails? in
            if case .taskFailed(_, let failure) = event.kind { return failure }
            return nil
        }
        #expect(failed.map(\.errorType) == [String(reflecting: PaymentDeclined.self)])
    }

    @Test func uncaughtFailureFailsTheInstanceNamingTheActivity() async throws {
        let log = CallLog()
        let runtime = try await DurableRuntime.orders(log: log, declineAbove: 100)
        let id = try await runtime.client.start(PlaceOrder.self, input: Order(id: "o-4", amount: 250))

        let declined = String(reflecting: PaymentDeclined.self)
        let expected = FailureDetails(
            errorType: declined,
            message: "activity 'ProcessPayment' failed: \(declined): payment declined: amount 250.0 too high")
        await #expect(throws: OrchestrationFailure(instanceId: id, details: expected)) {
            try await runtime.client.result(of: id, as: PlaceOrder.self, timeout: .seconds(10))
        }
        let status = try await runtime.client.status(of: id)
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure == expected)
        #expect(status.output == nil)
        #expect(log.all == ["CheckAndReserveInventory", "ProcessPayment"])
        let history = try await runtime.client.history(of: id)
        #expect(history.last?.kind == .executionFailed(expected))
        // What the code would have caught is the activity's own error, as it was.
        #expect(history.compactMap { event -> FailureDetails? in
            if case .taskFailed(_, let failure) = event.kind { return failure }
            return nil
        } == [FailureDetails(errorType: declined, message: "payment declined: amount 250.0 too high")])
    }

    @Test func activityFailureCarriesTheAttemptNumber() async throws {
        struct Probe: Orchestration {
            func run(_ order: Order, context: OrchestrationContext) async throws -> Int {
                do {
                    _ = try await context.call(ProcessPayment.self, order)
                    return 0
                } catch let failure as ActivityFailure {
                    return failure.attempt
                }
            }
        }
        let runtime = try await DurableRuntime.orders(log: CallLog(), declineAbove: 0) { Probe.self }
        let id = try await runtime.client.start(Probe.self, input: Order(id: "x", amount: 1))
        #expect(try await runtime.client.result(of: id, as: Probe.self, timeout: .seconds(10)) == 1)
    }
}
