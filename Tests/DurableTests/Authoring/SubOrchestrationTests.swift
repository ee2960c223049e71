import Durable
import Testing

struct Payment: Orchestration {
    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        try await context.call(ProcessPayment.self, order)
    }
}

struct CheckoutWithPayment: Orchestration {
    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        _ = try await context.call(CheckAndReserveInventory.self, order)
        let receipt = try await context.callSubOrchestration(Payment.self, order)
        return "\(receipt) / \(try await context.call(ScheduleShipping.self, order))"
    }
}

struct CheckoutCatchingPaymentFailure: Orchestration {
    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        do {
            return try await context.callSubOrchestration(Payment.self, order, instanceId: "payment-\(order.id)")
        } catch let failure as SubOrchestrationFailure {
            return "child \(failure.instanceId) failed: \(failure.details.message)"
        }
    }
}

/// Catches its child's failure and throws it again, as code that only logs it would.
struct CheckoutRethrowingPaymentFailure: Orchestration {
    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        do {
            return try await context.callSubOrchestration(Payment.self, order, instanceId: "payment-\(order.id)")
        } catch let failure as SubOrchestrationFailure {
            throw failure
        }
    }
}

/// Two levels down: Checkout, then Payment, then ProcessPayment.
struct ReorderViaCheckout: Orchestration {
    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        try await context.callSubOrchestration(CheckoutWithPayment.self, order, instanceId: "checkout-\(order.id)")
    }
}

@Suite struct SubOrchestrationTests {
    private static let declined = String(reflecting: PaymentDeclined.self)
    /// How Payment fails when ProcessPayment declines an order of 500.
    private static let paymentFailure = FailureDetails(
        errorType: declined, message: "activity 'ProcessPayment' failed: \(declined): payment declined: amount 500.0 too high")

    /// The status's failure, checked against the history's ExecutionFailed.
    private func failure(of id: String, in runtime: DurableRuntime) async throws -> FailureDetails? {
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .failed)
        let recorded = try await runtime.client.history(of: id).last?.kind
        #expect(recorded == status.failure.map { .executionFailed($0) })
        return status.failure
    }

    @Test func subOrchestrationReturnsItsValueToTheParent() async throws {
        let log = CallLog()
        let runtime = try await DurableRuntime.orders(log: log) {
            Payment.self
            CheckoutWithPayment.self
        }
        let id = try await runtime.client.start(CheckoutWithPayment.self, input: Order(id: "o-9", amount: 5), instanceId: "parent")

        #expect(try await runtime.client.result(of: id, as: CheckoutWithPayment.self, timeout: .seconds(10)) == "PAY-o-9 / TRACK-o-9")
        let child = try await runtime.client.status(of: "parent:1")
        #expect(child.name == "Payment")
        #expect(child.runtimeStatus == .completed)
        let parentExecution = try await runtime.client.status(of: "parent").executionId
        #expect(child.parent == ParentInstance(instanceId: "parent", sequence: 1, executionId: parentExecution))
        #expect(try await runtime.client.history(of: "parent").kindNames.contains("SubOrchestrationCompleted"))
    }

    @Test func failingSubOrchestrationThrowsAtTheParentsAwait() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog(), declineAbove: 100) {
            Payment.self
            CheckoutCatchingPaymentFailure.self
        }
        let id = try await runtime.client.start(CheckoutCatchingPaymentFailure.self, input: Order(id: "big", amount: 500))

        let result = try await runtime.client.result(of: id, as: CheckoutCatchingPaymentFailure.self, timeout: .seconds(10))
        // The parent catches the child's own failure details, which name the activity that failed in it.
        #expect(result == "child payment-big failed: \(Self.paymentFailure.message)")
        let child = try await runtime.client.status(of: "payment-big")
        #expect(child.runtimeStatus == .failed)
        #expect(child.failure == Self.paymentFailure)
        #expect(try await runtime.client.history(of: id).kindNames.contains("SubOrchestrationFailed"))
    }

    @Test func uncaughtSubOrchestrationFailureFailsTheParentNamingTheChild() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog(), declineAbove: 100) {
            Payment.self
            CheckoutWithPayment.self
        }
        let id = try await runtime.client.start(CheckoutWithPayment.self, input: Order(id: "big", amount: 500))

        #expect(try await failure(of: id, in: runtime) == FailureDetails(
            errorType: Self.declined, message: "sub-orchestration 'Payment' ('\(id):1') failed: \(Self.paymentFailure.message)"))
        #expect(try await failure(of: "\(id):1", in: runtime) == Self.paymentFailure)
    }

    @Test func aRethrownChildFailureIsNamedOnce() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog(), declineAbove: 100) {
            Payment.self
            CheckoutRethrowingPaymentFailure.self
        }
        let id = try await runtime.client.start(CheckoutRethrowingPaymentFailure.self, input: Order(id: "big", amount: 500))

        #expect(try await failure(of: id, in: runtime) == FailureDetails(
            errorType: Self.declined,
            message: "sub-orchestration 'Payment' ('payment-big') failed: activity 'ProcessPayment' failed: \(Self.declined):"
                + " payment declined: amount 500.0 too high"))
    }

    @Test func aFailureTwoLevelsDownNamesEachStepAndTheTypeOnce() async throws {
        let runtime = try await DurableRuntime.orders(log: CallLog(), declineAbove: 100) {
            Payment.self
            CheckoutWithPayment.self
            ReorderViaCheckout.self
        }
        let id = try await runtime.client.start(ReorderViaCheckout.self, input: Order(id: "big", amount: 500))

        #expect(try await failure(of: id, in: runtime) == FailureDetails(
            errorType: Self.declined,
            message: "sub-orchestration 'CheckoutWithPayment' ('checkout-big') failed: sub-orchestration 'Payment'"
                + " ('checkout-big:1') failed: activity 'ProcessPayment' failed: \(Self.declined):"
                + " payment declined: amount 500.0 too high"))
        #expect(try await failure(of: "checkout-big", in: runtime) == FailureDetails(
            errorType: Self.declined,
            message: "sub-orchestration 'Payment' ('checkout-big:1') failed: \(Self.paymentFailure.message)"))
    }

    @Test func aReusedParentIdStartsItsChildrenAfreshInsteadOfAdoptingTheOldOnes() async throws {
        let log = CallLog()
        let runtime = try await DurableRuntime.orders(log: log) {
            Payment.self
            CheckoutWithPayment.self
        }
        try await runtime.client.start(CheckoutWithPayment.self, input: Order(id: "first", amount: 5), instanceId: "parent")
        _ = try await runtime.client.waitForCompletion(of: "parent", timeout: .seconds(10))

        try await runtime.client.start(
            CheckoutWithPayment.self, input: Order(id: "second", amount: 5), instanceId: "parent", reuse: .replaceFinished)

        #expect(try await runtime.client.result(of: "parent", as: CheckoutWithPayment.self, timeout: .seconds(10)) == "PAY-second / TRACK-second")
        #expect(try await runtime.client.status(of: "parent:1").input.decode(Order.self).id == "second")
        #expect(log.count("ProcessPayment") == 2)
    }
}
