import Durable
import Foundation
import Testing

/// Returns the next price from a script, one per call.
struct GetStockPrice: Activity {
    let prices: [Double]
    let calls = Counter()

    func run(_ symbol: String, context: ActivityContext) async throws -> Double {
        prices[min(calls.next(), prices.count - 1)]
    }
}

struct SendAlert: Activity {
    func run(_ message: String, context: ActivityContext) async throws -> String { "sent: \(message)" }
}

/// The seed's monitor: poll the price every 120 s until it crosses the threshold or the watch expires.
struct CheckStockPrice: Orchestration {
    struct Watch: Codable, Sendable {
        var symbol: String
        var threshold: Double
        var expiresAfter: Double
    }

    func run(_ watch: Watch, context: OrchestrationContext) async throws -> String {
        let expiry = context.now.addingTimeInterval(watch.expiresAfter)
        while context.now < expiry {
            let price = try await context.call(GetStockPrice.self, watch.symbol)
            if price >= watch.threshold {
                return try await context.call(SendAlert.self, "\(watch.symbol) at \(price)")
            }
            try await context.sleep(for: .seconds(120))
        }
        return "expired"
    }
}

@Suite struct TimerTests {
    @Test func monitorPollsEvery120SecondsUntilTheThresholdIsCrossed() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            CheckStockPrice.self
            GetStockPrice(prices: [100, 104, 108, 112])
            SendAlert()
        }
        let started = clock.now
        let id = try await runtime.client.start(
            CheckStockPrice.self, input: .init(symbol: "MSFT", threshold: 110, expiresAfter: 3_600))

        let (status, fired) = try await runtime.drive(id, on: clock)

        #expect(try status.output(as: String.self) == "sent: MSFT at 112.0")
        #expect(fired == 3)
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "TimerCreated") == 3)
        #expect(history.count(of: "TimerFired") == 3)
        let fireTimes = history.compactMap { event -> Double? in
            if case .timerFired(_, let fireAt) = event.kind { return fireAt.timeIntervalSince(started) }
            return nil
        }
        #expect(fireTimes == [120, 240, 360])
    }

    @Test func monitorExpiresWhenTheThresholdIsNeverReached() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            CheckStockPrice.self
            GetStockPrice(prices: [100])
            SendAlert()
        }
        let id = try await runtime.client.start(
            CheckStockPrice.self, input: .init(symbol: "MSFT", threshold: 110, expiresAfter: 600))

        let (status, fired) = try await runtime.drive(id, on: clock)

        #expect(try status.output(as: String.self) == "expired")
        #expect(fired == 5)  // checks at 0, 120, 240, 360, 480 s; the last sleep ends at 600 s
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "TaskScheduled") == 5)
    }

    @Test func contextNowAdvancesOnlyWithHistory() async throws {
        struct Clockwork: Orchestration {
            func run(_ input: Int, context: OrchestrationContext) async throws -> [Double] {
                let start = context.now
                let again = context.now
                try await context.sleep(for: .seconds(30))
                return [again.timeIntervalSince(start), context.now.timeIntervalSince(start)]
            }
        }
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) { Clockwork.self }
        let id = try await runtime.client.start(Clockwork.self, input: 0)
        await clock.waitForSleepers()
        clock.advance(by: .seconds(45))  // fires late: `now` is the firing's timestamp, not the deadline

        #expect(try await runtime.client.result(of: id, as: Clockwork.self, timeout: .seconds(10)) == [0, 45])
        let history = try await runtime.client.history(of: id)
        #expect(try await runtime.replay(history, instanceId: id).outcome == .completed(try Payload(encoding: [0.0, 45.0])))
    }

    @Test func aTimerDueDuringARestartResumesItsWaitInsteadOfStartingOver() async throws {
        let clock = ManualClock()
        let store = InMemoryHistoryStore()
        let first = try await DurableRuntime.manual(clock, storage: .store(store)) {
            CheckStockPrice.self
            GetStockPrice(prices: [100])
            SendAlert()
        }
        let id = try await first.client.start(
            CheckStockPrice.self, input: .init(symbol: "MSFT", threshold: 110, expiresAfter: 200))
        await clock.waitForSleepers()
        first.shutdown()
        clock.advance(by: .seconds(150))  // the 120 s timer is overdue while nobody runs

        let second = try await DurableRuntime.manual(clock, storage: .store(store)) {
            CheckStockPrice.self
            GetStockPrice(prices: [100])
            SendAlert()
        }
        let (status, fired) = try await second.drive(id, on: clock)

        // The overdue 120 s timer fired at once on restart (at 150 s), the second check armed one more
        // timer (to 270 s), and after it the watch had expired.
        #expect(try status.output(as: String.self) == "expired")
        #expect(fired == 1)
        let history = try await second.client.history(of: id)
        #expect(history.count(of: "TimerCreated") == 2)
        #expect(history.count(of: "TaskScheduled") == 2)
        let firings = history.filter { $0.kind.name == "TimerFired" }.map { $0.timestamp.timeIntervalSince(history[0].timestamp) }
        #expect(firings == [150, 270])
    }
}
