import Durable
import DurableTesting
import Foundation
import Synchronization
import Testing

@testable import Approval
@testable import GalaxyCreate
@testable import PlaceOrder
@testable import ShipmentEmails
@testable import StockMonitor

/// Each seed sample over a thousand seeds, with activity failures and up to three crashes a run.
///
/// The samples call their activities without a retry policy, so an injected activity failure fails
/// the instance: each body accepts that outcome only when the failure is the injected one, and the
/// tests check that both the successful and the failed outcomes actually occurred.
@Suite struct SimulationSampleTests {
    static let faults = Faults(activityFailureRate: 0.05, crashes: 0...3)

    @Test func galaxyCreateSurvivesCrashesAndFaults() async throws {
        let outcomes = Outcomes()
        let summary = try await Simulation.check(seeds: 0..<1_000, faults: Self.faults) { sim in
            let runtime = try await sim.runtime {
                CreateGalaxy.self
                UtilityCoords()
                UtilityName()
                GalaxyCreateImpl()
            }
            let seed = Int.random(in: 1...1_000, using: &sim.random)
            let id = try await runtime.client.start(CreateGalaxy.self, input: seed, instanceId: "galaxy-\(sim.seed)")
            guard let galaxy = try await outcome(of: id, as: CreateGalaxy.self, sim: sim, outcomes: outcomes) else { return }
            try expect(galaxy == "Galaxy-\(seed) at (\(seed * 2), \(seed * 3))", galaxy)
        }
        #expect(summary.seeds == 1_000)
        #expect(summary.crashes > 500)
        #expect(outcomes.count("done") > 0 && outcomes.count("failed") > 0)
    }

    @Test func approvalIsApprovedBeforeTheTimeoutAndEscalatedAfter() async throws {
        let outcomes = Outcomes()
        // The approver's event races the durable timeout, and a crash that repeats RequestApproval
        // starts the timer later: near the deadline the two runs of a seed may rightly differ.
        let summary = try await Simulation.check(
            seeds: 0..<1_000, faults: Self.faults, options: SimulationOptions(compareWithCrashFreeRun: false)
        ) { sim in
            let runtime = try await sim.runtime {
                ApprovalFlow.self
                RequestApproval()
                Escalate()
            }
            let timeout = 3_600
            let id = try await runtime.client.start(
                ApprovalFlow.self, input: .init(subject: "expense", timeoutSeconds: Double(timeout)),
                instanceId: "approval-\(sim.seed)")
            let answerAt = Int.random(in: 1...(2 * timeout), using: &sim.random)
            let approves = Int.random(in: 0..<4, using: &sim.random) > 0
            sim.at(.seconds(answerAt)) {
                do {
                    try await runtime.client.raiseEvent(id, name: "approve", payload: approves)
                } catch DurableError.unknownInstance, DurableError.invalidStatus {
                    // The instance is over (escalated or failed): the approver answered too late.
                }
            }
            guard let result = try await outcome(of: id, as: ApprovalFlow.self, sim: sim, outcomes: outcomes) else { return }
            let answer = approves ? "approved: expense" : "rejected: expense"
            // The timer starts once RequestApproval is done (up to 2 s of latency, more after a crash):
            // a margin of a minute separates "clearly in time" from "clearly too late".
            if answerAt < timeout - 60 {
                try expect(result == answer, "answer at +\(answerAt) s gave \(result)")
            } else if answerAt > timeout + 60 {
                try expect(result == "escalated: expense", "answer at +\(answerAt) s gave \(result)")
            } else {
                try expect(result == answer || result == "escalated: expense", result)
            }
            outcomes.record(result.prefix { $0 != ":" }.description)
        }
        #expect(summary.seeds == 1_000)
        #expect(summary.crashes > 500)
        #expect(outcomes.count("approved") > 0 && outcomes.count("rejected") > 0)
        #expect(outcomes.count("escalated") > 0 && outcomes.count("failed") > 0)
    }

    @Test func placeOrderChainsItsStepsThroughCrashesAndFaults() async throws {
        let outcomes = Outcomes()
        let summary = try await Simulation.check(seeds: 0..<1_000, faults: Self.faults) { sim in
            let runtime = try await sim.runtime {
                PlaceOrderChain.self
                CheckAndReserveInventory()
                ProcessPayment()
                ScheduleShipping()
                EmailCustomer()
            }
            let order = ChainOrder(id: "o-\(sim.seed)", amount: Double(Int.random(in: 1...500, using: &sim.random)))
            let id = try await runtime.client.start(PlaceOrderChain.self, input: order, instanceId: order.id)
            guard let tracking = try await outcome(of: id, as: PlaceOrderChain.self, sim: sim, outcomes: outcomes)
            else { return }
            try expect(tracking == "TRACK-\(order.id)", tracking)
        }
        #expect(summary.seeds == 1_000)
        #expect(summary.crashes > 500)
        #expect(outcomes.count("done") > 0 && outcomes.count("failed") > 0)
        // A crash may repeat a step that ran but was not yet recorded (at-least-once), never more
        // than once per crash in a run.
        for step in ["CheckAndReserveInventory", "ProcessPayment", "ScheduleShipping", "EmailCustomer"] {
            #expect((1...4).contains(summary.mostExecutionsPerCall[step] ?? 0), "\(step)")
        }
    }

    @Test func shipmentEmailsFanOutAndCountTheUSAOrders() async throws {
        let outcomes = Outcomes()
        let summary = try await Simulation.check(seeds: 0..<1_000, faults: Self.faults) { sim in
            let runtime = try await sim.runtime {
                SendShipmentEmails.self
                SendShipmentEmail()
                MarketingData()
            }
            let count = Int.random(in: 1...12, using: &sim.random)
            let orders = (0..<count).map { index in
                ShippedOrder(id: "o-\(index)", country: Bool.random(using: &sim.random) ? "USA" : "NL")
            }
            let id = try await runtime.client.start(SendShipmentEmails.self, input: orders, instanceId: "emails-\(sim.seed)")
            guard let result = try await outcome(of: id, as: SendShipmentEmails.self, sim: sim, outcomes: outcomes)
            else { return }
            let usa = orders.filter { $0.country == "USA" }.count
            try expect(result == "marketing data for \(usa) USA orders", result)
        }
        #expect(summary.seeds == 1_000)
        #expect(summary.crashes > 500)
        #expect(outcomes.count("done") > 0 && outcomes.count("failed") > 0)
    }

    @Test func stockMonitorAlertsAtTheThresholdOrExpires() async throws {
        let outcomes = Outcomes()
        // GetStockPrice's ticker lives in memory and advances on every call, so a crash that
        // repeats a call shifts the prices: the crash run rightly differs from the crash-free one.
        let summary = try await Simulation.check(
            seeds: 0..<1_000, faults: Self.faults, options: SimulationOptions(compareWithCrashFreeRun: false)
        ) { sim in
            let runtime = try await sim.runtime {
                CheckStockPrice.self
                GetStockPrice(start: 100, step: 3)
                SendAlert()
            }
            let threshold = Double(Int.random(in: 100...130, using: &sim.random))
            let interval = 120.0
            let lifetime = Double(Int.random(in: 1...10, using: &sim.random)) * interval
            let watch = CheckStockPrice.Watch(
                symbol: "MSFT", threshold: threshold, intervalSeconds: interval,
                expiresAt: sim.now.addingTimeInterval(lifetime))
            let id = try await runtime.client.start(CheckStockPrice.self, input: watch, instanceId: "watch-\(sim.seed)")
            guard let result = try await outcome(of: id, as: CheckStockPrice.self, sim: sim, outcomes: outcomes)
            else { return }
            // One check per interval while the watch lives (the first at once), one more at most
            // for activity latency and crash recovery pushing a sleep past the expiry.
            let mostChecks = Int(lifetime / interval) + 1
            if result.hasPrefix("expired after ") {
                let checks = Int(result.dropFirst("expired after ".count).prefix { $0.isNumber }) ?? -1
                try expect((1...mostChecks).contains(checks), "\(result), at most \(mostChecks)")
                outcomes.record("expired")
            } else {
                let parts = result.split(separator: " ")  // "MSFT reached 112.0 in round 5"
                guard parts.count == 6, parts[0] == "MSFT", parts[1] == "reached", let price = Double(parts[2]),
                    let round = Int(parts[5])
                else { throw SampleExpectationFailure("unexpected result: \(result)") }
                try expect(price >= threshold, "\(result) below the threshold \(threshold)")
                try expect((1...mostChecks).contains(round), "\(result), at most \(mostChecks) checks")
                outcomes.record("alerted")
            }
        }
        #expect(summary.seeds == 1_000)
        #expect(summary.crashes > 500)
        #expect(outcomes.count("alerted") > 0 && outcomes.count("expired") > 0 && outcomes.count("failed") > 0)
    }
}

/// Waits for the instance's output; `nil` when it failed because an injected activity fault
/// exhausted the sample's (absent) retries. Any other failure fails the run.
private func outcome<O: Orchestration>(
    of id: String, as orchestration: O.Type, sim: Simulation, outcomes: Outcomes
) async throws -> O.Output? {
    do {
        let output = try await sim.result(of: id, as: O.self)
        outcomes.record("done")
        return output
    } catch let failure as OrchestrationFailure {
        guard "\(failure)".contains("simulated failure") else { throw failure }
        outcomes.record("failed")
        return nil
    }
}

private func expect(_ condition: Bool, _ description: @autoclosure () -> String) throws {
    guard condition else { throw SampleExpectationFailure(description()) }
}

/// A mismatch a body reports by throwing, so the simulation fails the run with it.
struct SampleExpectationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// How often each outcome occurred across a check's runs, so a test can see both paths were taken.
final class Outcomes: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func record(_ outcome: String) { counts.withLock { $0[outcome, default: 0] += 1 } }
    func count(_ outcome: String) -> Int { counts.withLock { $0[outcome] ?? 0 } }
}
