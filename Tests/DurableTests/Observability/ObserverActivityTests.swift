import Foundation
import Synchronization
import Testing

@testable import Durable

/// Keeps every event it is given, in order.
private final class ActivityRecorder: DurableObserver {
    private let events = Mutex<[RuntimeEvent]>([])
    func observe(_ event: RuntimeEvent) { events.withLock { $0.append(event) } }
    var all: [RuntimeEvent] { events.withLock { $0 } }
}

/// Fails its first two attempts; each attempt takes two seconds of the manual clock.
private struct FlakyCharge: Activity {
    static var name: String { "FlakyCharge" }
    let clock: ManualClock
    let attempts = AttemptCount()

    func run(_ amount: Int, context: ActivityContext) async throws -> Int {
        clock.advance(by: .seconds(2))
        guard attempts.next() > 2 else {
            throw ChargeDeclined()
        }
        return amount
    }
}

private struct ChargeDeclined: Error {}

/// Counts attempts across the copies of an activity.
private final class AttemptCount: Sendable {
    private let value = Atomic(0)
    func next() -> Int { value.add(1, ordering: .sequentiallyConsistent).newValue }
}

/// One charge, retried five seconds apart.
private struct ChargeWithRetries: Orchestration {
    static var name: String { "ChargeWithRetries" }
    func run(_ amount: Int, context: OrchestrationContext) async throws -> Int {
        try await context.call(FlakyCharge.self, amount, retry: .exponential(first: .seconds(5), attempts: 3, coefficient: 1))
    }
}

private struct ObservedReserve: Activity {
    static var name: String { "ObservedReserve" }
    func run(_ input: Int, context: ActivityContext) async throws -> Int { input + 1 }
}

private struct ObservedShip: Activity {
    static var name: String { "ObservedShip" }
    func run(_ input: Int, context: ActivityContext) async throws -> Int { input * 10 }
}

/// An activity, a wait a restart falls into, and a second activity.
private struct ReserveWaitShip: Orchestration {
    static var name: String { "ReserveWaitShip" }
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let reserved = try await context.call(ObservedReserve.self, input)
        let extra = try await context.waitForEvent("go", as: Int.self)
        return try await context.call(ObservedShip.self, reserved + extra)
    }
}

@Suite struct ObserverActivityTests {
    /// Every attempt of a retried call is reported with its number and its run time on the
    /// runtime clock; the instance's duration covers the attempts and the waits between them.
    @Test func retriedAttemptsAreReportedWithTheirNumbersAndDurations() async throws {
        let clock = ManualClock()
        let recorder = ActivityRecorder()
        var configuration = DurableRuntime.Configuration(clock: clock)
        configuration.observers = [recorder]
        let runtime = try await DurableRuntime(storage: .memory, configuration: configuration) {
            ChargeWithRetries.self
            FlakyCharge(clock: clock)
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ChargeWithRetries.self, input: 7)
        let (status, _) = try await runtime.drive(id, on: clock)
        #expect(status.runtimeStatus == .completed)

        let events = recorder.all
        let scheduled = events.compactMap { if case .activityScheduled(id, "FlakyCharge", let attempt) = $0 { attempt } else { nil } }
        let started = events.compactMap { if case .activityStarted(id, "FlakyCharge", let attempt) = $0 { attempt } else { nil } }
        let finished = events.compactMap { event -> String? in
            guard case .activityFinished(id, "FlakyCharge", let attempt, let duration, let failed) = event else { return nil }
            return "\(attempt):\(duration == .seconds(2)):\(failed)"
        }
        #expect(scheduled == [1, 2, 3])
        #expect(started == [1, 2, 3])
        #expect(finished == ["1:true:true", "2:true:true", "3:true:false"])
        // Three two-second attempts and two five-second waits between them.
        #expect(events.contains { if case .instanceFinished(id, "ChargeWithRetries", .completed, .seconds(16)) = $0 { true } else { false } })
    }

    /// A restart replays the calls its history holds without reporting them as scheduled again:
    /// only the call made after the restart is.
    @Test func aRestartDoesNotReportRecordedCallsAsScheduledAgain() async throws {
        let directory = TemporaryDirectory()
        let first = ActivityRecorder()
        var configuration = DurableRuntime.Configuration()
        configuration.observers = [first]
        let runtime = try await DurableRuntime(storage: .directory(directory.path), configuration: configuration) {
            ReserveWaitShip.self
            ObservedReserve()
            ObservedShip()
        }
        let id = try await runtime.client.start(ReserveWaitShip.self, input: 1)
        for _ in 0..<100_000 where try await runtime.client.history(of: id).count(of: "TaskCompleted") < 1 {
            await Task.yield()
        }
        runtime.shutdown()
        #expect(first.all.contains { if case .activityScheduled(id, "ObservedReserve", 1) = $0 { true } else { false } })

        let second = ActivityRecorder()
        configuration.observers = [second]
        let restarted = try await DurableRuntime(storage: .directory(directory.path), configuration: configuration) {
            ReserveWaitShip.self
            ObservedReserve()
            ObservedShip()
        }
        defer { restarted.shutdown() }
        try await restarted.client.raiseEvent(id, name: "go", payload: 3)
        #expect(try await restarted.client.result(of: id, as: ReserveWaitShip.self, timeout: .seconds(30)) == 50)
        let scheduled = second.all.compactMap { if case .activityScheduled(_, let name, _) = $0 { name } else { nil } }
        #expect(scheduled == ["ObservedShip"])
        #expect(!second.all.contains { if case .activityStarted(_, "ObservedReserve", _) = $0 { true } else { false } })
    }

    /// The stream hands events over in order, and a full buffer drops the oldest, never blocking.
    @Test func theEventStreamKeepsTheNewestInOrder() async {
        let stream = RuntimeEventStream(bufferingNewest: 2)
        stream.observe(.activityQueueDepth(1))
        stream.observe(.activityQueueDepth(2))
        stream.observe(.activityQueueDepth(3))
        stream.finish()
        var depths: [Int] = []
        for await event in stream.events {
            if case .activityQueueDepth(let depth) = event { depths.append(depth) }
        }
        #expect(depths == [2, 3])
    }

    /// A runtime's events reach a loop over the stream, ending with the instance's end.
    @Test func aRuntimeReportsThroughTheStream() async throws {
        let stream = RuntimeEventStream()
        var configuration = DurableRuntime.Configuration()
        configuration.observers = [stream]
        let runtime = try await DurableRuntime(storage: .memory, configuration: configuration) {
            ReserveWaitShip.self
            ObservedReserve()
            ObservedShip()
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ReserveWaitShip.self, input: 1)
        try await runtime.client.raiseEvent(id, name: "go", payload: 0)
        var seen: [String] = []
        for await event in stream.events {
            switch event {
            case .activityFinished(id, let name, _, _, false): seen.append(name)
            case .eventConsumed(id, "go"): seen.append("go")
            case .instanceFinished(id, _, .completed, _): seen.append("end")
            default: continue
            }
            if seen.last == "end" { break }
        }
        #expect(seen == ["ObservedReserve", "go", "ObservedShip", "end"])
    }

    /// With nothing listening the engine keeps no observers at all: the hooks are skipped whole.
    @Test func noObserversMeansNoHooks() {
        #expect(RuntimeObservers([], clock: ManualClock()) == nil)
        #expect(RuntimeObservers([RuntimeEventStream()], clock: ManualClock()) != nil)
    }
}
