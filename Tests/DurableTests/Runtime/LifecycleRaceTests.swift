import Durable
import Foundation
import Synchronization
import Testing

/// Continues as new `rounds` times in a row, each round taking every "tick" buffered so far
/// (carried per `keepUnprocessedEvents`), then waits for ticks until it has `total`.
struct RaceEternalCounter: Orchestration {
    struct Input: Codable, Sendable {
        var round: Int
        var rounds: Int
        var seen: [Int]
        var total: Int
    }

    func run(_ input: Input, context: OrchestrationContext) async throws -> [Int] {
        var seen = input.seen
        if input.round < input.rounds {
            // One tick per round at most, so most of them arrive while a round ends and the next begins.
            if seen.count < input.total { seen.append(try await context.waitForEvent("tick", as: Int.self)) }
            try context.continueAsNew(
                with: Input(round: input.round + 1, rounds: input.rounds, seen: seen, total: input.total),
                keepUnprocessedEvents: true)
        }
        while seen.count < input.total { seen.append(try await context.waitForEvent("tick", as: Int.self)) }
        return seen
    }
}

/// Flags a test flips to steer orchestration code that spins synchronously, keyed by instance id.
final class RaceSpins: Sendable {
    private let state = Mutex<[String: Set<String>]>([:])

    func set(_ flag: String, for id: String) { _ = state.withLock { $0[id, default: []].insert(flag) } }
    func isSet(_ flag: String, for id: String) -> Bool { state.withLock { $0[id]?.contains(flag) ?? false } }

    /// Polls (bounded: 10 s) until `flag` is set.
    func wait(for flag: String, of id: String) async throws {
        for _ in 0..<10_000 where !isSet(flag, for: id) { try await Task.sleep(for: .milliseconds(1)) }
        #expect(isSet(flag, for: id), "\(id): \(flag) never set")
    }
}

let raceSpins = RaceSpins()
let raceCalls = CallLog()

/// Notes its input ("<instance id>/<step>") in ``raceCalls``.
struct RaceTouch: Activity {
    func run(_ name: String, context: ActivityContext) async throws -> Bool {
        raceCalls.record(name)
        return true
    }
}

/// Spins (on its executor, in one step) until the test sets
/// "release", then calls it again. With `catches`, it returns when that call throws.
struct RaceSpinner: Orchestration {
    func run(_ catches: Bool, context: OrchestrationContext) async throws -> String {
        let id = context.instanceId
        defer { raceSpins.set("exited", for: id) }
        // Spins in its first step, which a Dispatch worker drains (a result's drain may run on a
        // thread of the cooperative pool, which spinning there could starve).
        raceSpins.set("entered", for: id)
        while !raceSpins.isSet("release", for: id) { usleep(100) }
        do {
            _ = try await context.call(RaceTouch.self, "\(id)/after")
        } catch {
            if catches { return "caught \(type(of: error))" }
            throw error
        }
        return "done"
    }
}

/// Reads the clock, takes two "e" events, reads it again: what it returns shows when its code ran
/// and in which order it took the events.
struct RaceEarlyEvents: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        let started = context.now.timeIntervalSince1970
        let first = try await context.waitForEvent("e", as: Int.self)
        let second = try await context.waitForEvent("e", as: Int.self)
        return "\(started) \(first) \(second) \(context.now.timeIntervalSince1970)"
    }
}

/// Races between a client and an instance's own lifecycle (issue 14).
@Suite struct LifecycleRaceTests {
    /// Item 6: an event raised while the instance continues as new goes to the new execution (or
    /// is carried): the raise never fails, and every event is consumed exactly once.
    @Test func eventsRaisedDuringContinueAsNewAreNeverRefusedOrLost() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { RaceEternalCounter.self }
        defer { runtime.shutdown() }
        let total = 200
        let id = try await runtime.client.start(
            RaceEternalCounter.self, input: .init(round: 0, rounds: 150, seen: [], total: total), instanceId: "eternal")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for raiser in 0..<4 {
                group.addTask {
                    for index in stride(from: raiser, to: total, by: 4) {
                        try await runtime.client.raiseEvent(id, name: "tick", payload: index)
                    }
                }
            }
            try await group.waitForAll()
        }
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(30))
        #expect(status.runtimeStatus == .completed, "\(String(describing: status.failure))")
        let seen = try #require(try status.output(as: [Int].self))
        #expect(seen.sorted() == Array(0..<total))
    }

    /// Item 5: a termination recorded while a step runs ends the execution there: nothing is
    /// recorded or dispatched after it, the code's next command throws, and its return is not an end.
    @Test(arguments: [false, true])
    func terminateWhileAStepRunsStopsEverythingAfterIt(catches: Bool) async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            RaceSpinner.self
            RaceTouch()
        }
        defer { runtime.shutdown() }
        let id = "spinner-\(catches)"
        try await runtime.client.start(RaceSpinner.self, input: catches, instanceId: id)
        try await raceSpins.wait(for: "entered", of: id)
        try await runtime.client.terminate(id, reason: "stop")
        raceSpins.set("release", for: id)
        try await raceSpins.wait(for: "exited", of: id)
        try await Task.sleep(for: .milliseconds(50))  // time for anything wrongly dispatched to run

        let history = try await runtime.client.history(of: id)
        #expect(history.last?.kind.name == "ExecutionTerminated", "\(history.map(\.kind.name))")
        #expect(history.count(of: "ExecutionTerminated") == 1)
        #expect(history.count(of: "TaskScheduled") == 0)
        #expect(history.count(of: "ExecutionCompleted") == 0)
        #expect(raceCalls.count("\(id)/after") == 0)
        #expect(try await runtime.client.status(of: id).runtimeStatus == .terminated)
    }

    /// Item 4: events raised while an instance starts are recorded after its ExecutionStarted and
    /// handled after its code's first drain, live as on replay.
    @Test func eventsRaisedToAStartingInstanceGoAfterItsStart() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { RaceEarlyEvents.self }
        defer { runtime.shutdown() }
        let ids = (0..<500).map { "early-\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask { try await runtime.client.start(RaceEarlyEvents.self, input: 0, instanceId: id) }
                group.addTask {
                    for value in 1...2 {
                        // Raised as soon as the instance is known (bounded: 10 s).
                        for attempt in 0..<10_000 {
                            do {
                                try await runtime.client.raiseEvent(id, name: "e", payload: value)
                                break
                            } catch DurableError.unknownInstance where attempt < 9_999 {
                                await Task.yield()
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        for id in ids {
            let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
            #expect(status.runtimeStatus == .completed, "\(id): \(String(describing: status.failure))")
            let history = try await runtime.client.history(of: id)
            #expect(history.first?.kind.name == "ExecutionStarted", "\(id): \(history.map(\.kind.name))")
            #expect(history.count(of: "EventRaised") == 2, "\(id): \(history.map(\.kind.name))")
            let live = try #require(try status.output(as: String.self))
            #expect(live.split(separator: " ")[1...2] == ["1", "2"], "\(id): \(live)")
            let replayed = try await runtime.replay(history, instanceId: id)
            guard case .completed(let output) = replayed.outcome else {
                Issue.record("\(id): replay \(replayed.outcome)")
                continue
            }
            #expect(try output.decode(String.self) == live, "\(id)")
        }
    }
}
