import Durable
import Foundation
import Synchronization

/// Counts activity invocations, injected into activities as a dependency.
final class CallLog: Sendable {
    private let calls = Mutex<[String]>([])

    func record(_ name: String) { calls.withLock { $0.append(name) } }
    var all: [String] { calls.withLock { $0 } }
    func count(_ name: String) -> Int { calls.withLock { $0.filter { $0 == name }.count } }
    var total: Int { calls.withLock { $0.count } }
}

/// Hands out 0, 1, 2... across threads.
final class Counter: Sendable {
    private let value = Mutex(0)

    func next() -> Int {
        value.withLock { value in
            defer { value += 1 }
            return value
        }
    }
}

/// A one-shot signal that a test can await and an activity can fire (or the other way round).
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// A gate that is open from the start.
    static func opened() -> Gate {
        let gate = Gate()
        gate.open()
        return gate
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if isOpen { continuation.resume() }
        }
    }
}

struct Order: Codable, Sendable, Equatable {
    var id: String
    var amount: Double
    var country = "USA"
}

struct PaymentDeclined: Error, CustomStringConvertible {
    var reason: String
    var description: String { "payment declined: \(reason)" }
}

// MARK: The seed's PlaceOrder chain

struct CheckAndReserveInventory: Activity {
    let log: CallLog
    func run(_ order: Order, context: ActivityContext) async throws -> Bool {
        log.record(Self.name)
        return true
    }
}

struct ProcessPayment: Activity {
    let log: CallLog
    var declineAbove: Double = .infinity
    func run(_ order: Order, context: ActivityContext) async throws -> String {
        log.record(Self.name)
        guard order.amount <= declineAbove else { throw PaymentDeclined(reason: "amount \(order.amount) too high") }
        return "PAY-\(order.id)"
    }
}

struct RefundPayment: Activity {
    let log: CallLog
    func run(_ order: Order, context: ActivityContext) async throws -> String {
        log.record(Self.name)
        return "REFUND-\(order.id)"
    }
}

struct ScheduleShipping: Activity {
    let log: CallLog
    func run(_ order: Order, context: ActivityContext) async throws -> String {
        log.record(Self.name)
        return "TRACK-\(order.id)"
    }
}

struct EmailCustomer: Activity {
    let log: CallLog
    func run(_ trackingNumber: String, context: ActivityContext) async throws -> Bool {
        log.record(Self.name)
        return true
    }
}

struct PlaceOrder: Orchestration {
    func run(_ order: Order, context: OrchestrationContext) async throws -> String {
        _ = try await context.call(CheckAndReserveInventory.self, order)
        _ = try await context.call(ProcessPayment.self, order)
        let trackingNumber = try await context.call(ScheduleShipping.self, order)
        _ = try await context.call(EmailCustomer.self, trackingNumber)
        return trackingNumber
    }
}

extension DurableRuntime {
    /// A runtime with the order-flow activities registered, plus `extra`.
    static func orders(
        log: CallLog, storage: Storage = .memory, declineAbove: Double = .infinity,
        @RegistrationBuilder _ extra: () -> [Registration] = { [] }
    ) async throws -> DurableRuntime {
        try await DurableRuntime(storage: storage) {
            PlaceOrder.self
            CheckAndReserveInventory(log: log)
            ProcessPayment(log: log, declineAbove: declineAbove)
            RefundPayment(log: log)
            ScheduleShipping(log: log)
            EmailCustomer(log: log)
            extra()
        }
    }
}

extension Array where Element == HistoryEvent {
    /// The names of the events, for compact assertions.
    var kindNames: [String] { map(\.kind.name) }

    /// The activity names that were scheduled, in order.
    var scheduledActivities: [String] {
        compactMap { event in
            if case .taskScheduled(_, let name, _, _) = event.kind { return name }
            return nil
        }
    }
}
