// The --lifecycle workload: continue-as-new (with and without carried events, with sendEvent),
// purge and terminate-tree, in waves. Generation g starts waves 0...g, so every run brings fresh
// work and most kills land in the middle of some of it; instance ids end in the wave number.
//
// The harness logs to lifecycle-acks-<generation>.log each client call that returned (an
// acknowledgement the engine must keep): "event <id> <payload>", "purged <id>", "terminated <id>". It writes
// "<id>" to purge-intents.log before it purges an instance, and never starts that id again.

import Durable
import Foundation

/// What a continue-as-new orchestration carries from one execution to the next.
struct RoundsState: Codable, Sendable, Hashable {
    var id: String
    var round = 0
    /// The rounds that ran, in order; a round run twice shows here or in the invocation log.
    var rounds: [Int] = []
    /// The events the rounds consumed.
    var received: [String] = []
    /// Where `SendingRounds` sends each round's key.
    var inbox = ""

    /// The final output: every round and every consumed event, so a repeat or a loss shows.
    var summary: String {
        "rounds=" + rounds.map(String.init).joined(separator: ",") + " events=" + received.sorted().joined(separator: ",")
    }
}

/// Four rounds; each runs a step, consumes two "e" events and continues as new carrying the rest,
/// which the harness raises all at once.
struct KeepingRounds: Orchestration {
    static let rounds = 4
    static let eventsPerRound = 2

    func run(_ state: RoundsState, context: OrchestrationContext) async throws -> String {
        var state = state
        _ = try await context.call(Step.self, "\(state.id)/r\(state.round)")
        for _ in 0..<Self.eventsPerRound { state.received.append(try await context.waitForEvent("e", as: String.self)) }
        state.rounds.append(state.round)
        state.round += 1
        if state.round < Self.rounds { try context.continueAsNew(with: state, keepUnprocessedEvents: true) }
        return state.summary
    }
}

/// Three rounds; each runs a step, sends its key to the inbox, waits for the "go" the harness
/// raises for that round and continues as new without carrying events.
struct SendingRounds: Orchestration {
    static let rounds = 3

    func run(_ state: RoundsState, context: OrchestrationContext) async throws -> String {
        var state = state
        let key = try await context.call(Step.self, "\(state.id)/r\(state.round)")
        try await context.sendEvent(to: state.inbox, name: "m", payload: key)
        state.received.append(try await context.waitForEvent("go", as: String.self))
        state.rounds.append(state.round)
        state.round += 1
        if state.round < Self.rounds { try context.continueAsNew(with: state) }
        return state.summary
    }
}

/// The root of a tree the harness terminates with its sub-orchestrations: two children, each with
/// a grandchild that waits for ever.
struct TreeParent: Orchestration {
    static let children = 2

    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<Self.children {
                let child = "\(id)/c\(index)"
                group.addTask { try await context.callSubOrchestration(TreeChild.self, child, instanceId: child) }
            }
            return try await group.reduce("") { $0 + $1 }
        }
    }

    /// The parent and every descendant.
    static func tree(_ id: String) -> [String] {
        [id] + (0..<children).flatMap { ["\(id)/c\($0)", "\(id)/c\($0)/g"] }
    }
}

struct TreeChild: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        _ = try await context.call(Step.self, "\(id)/s")
        return try await context.callSubOrchestration(Forever.self, "\(id)/g", instanceId: "\(id)/g")
    }
}

/// A step, then a wait nobody answers: only a terminate ends it.
struct Forever: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        _ = try await context.call(Step.self, "\(id)/s")
        return try await context.waitForEvent("never", as: String.self)
    }
}

/// Starts the waves' instances that do not exist yet, drives each to its end and waits for all.
struct LifecycleWorkload {
    let client: DurableClient
    let waves: Int
    let acks: LineLog
    let intents: LineLog
    /// Instances the harness started to purge in an earlier run.
    let purging: Set<String>
    /// Trees whose terminate returned in an earlier run.
    let terminated: Set<String>

    init(client: DurableClient, generation: Int, logPath: String) {
        func lines(_ name: String) -> [String] {
            ((try? String(contentsOfFile: "\(logPath)/\(name)", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        self.client = client
        waves = generation + 1
        acks = LineLog("\(logPath)/lifecycle-acks-\(generation).log")
        intents = LineLog("\(logPath)/purge-intents.log")
        purging = Set(lines("purge-intents.log"))
        terminated = Set((0..<generation).flatMap { lines("lifecycle-acks-\($0).log") }.compactMap { line in
            line.hasPrefix("terminated ") ? String(line.dropFirst("terminated ".count)) : nil
        })
    }

    func run() async throws {
        for wave in 0..<waves { try await start(wave) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for wave in 0..<waves {
                group.addTask { try await self.driveKeeping("can-keep-\(wave)") }
                group.addTask { try await self.driveSending("can-send-\(wave)") }
                group.addTask { try await self.drivePurge("purge-\(wave)") }
                group.addTask { try await self.driveTree("tree-\(wave)") }
                group.addTask { try await self.awaitInbox(wave) }
            }
            try await group.waitForAll()
        }
    }

    private func exists(_ id: String) async -> Bool { (try? await client.status(of: id)) != nil }

    private func start(_ wave: Int) async throws {
        let inbox = "inbox-\(wave)"  // before its sender: a send to an instance not yet started is dropped
        if !(await exists(inbox)) { try await client.start(Inbox.self, input: SendingRounds.rounds, instanceId: inbox) }
        let sending = "can-send-\(wave)"
        if !(await exists(sending)) {
            try await client.start(SendingRounds.self, input: RoundsState(id: sending, inbox: inbox), instanceId: sending)
        }
        let keeping = "can-keep-\(wave)"
        if !(await exists(keeping)) { try await client.start(KeepingRounds.self, input: RoundsState(id: keeping), instanceId: keeping) }
        let purged = "purge-\(wave)"
        if !purging.contains(purged), !(await exists(purged)) { try await client.start(Chain.self, input: purged, instanceId: purged) }
        let tree = "tree-\(wave)"
        if !(await exists(tree)) { try await client.start(TreeParent.self, input: tree, instanceId: tree) }
    }

    /// The current execution's state, and the payloads of the events its history holds under `name`.
    private func current(_ id: String, events name: String) async throws -> (RoundsState, [String]) {
        let history = try await client.history(of: id)
        guard case .executionStarted(_, let input, _, _, _, _) = history.first?.kind else {
            throw HarnessError("\(id): history does not start with ExecutionStarted")
        }
        let events = history.compactMap { event -> String? in
            guard case .eventRaised(name, let payload, _) = event.kind else { return nil }
            return (try? payload.decode(String.self)) ?? "?"
        }
        return (try input.decode(RoundsState.self), events)
    }

    /// Raises the eight events the rounds consume, except those the instance holds or consumed.
    private func driveKeeping(_ id: String) async throws {
        while try await !client.status(of: id).runtimeStatus.isFinished {
            let (state, held) = try await current(id, events: "e")
            let known = Set(held + state.received)
            for number in 0..<(KeepingRounds.rounds * KeepingRounds.eventsPerRound) where !known.contains("\(id)/e\(number)") {
                try await client.raiseEvent(id, name: "e", payload: "\(id)/e\(number)")
                acks.append("event \(id) \(id)/e\(number)")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        try await expect(id, .completed)
    }

    /// Raises each round's "go" once its execution runs and holds none.
    private func driveSending(_ id: String) async throws {
        while try await !client.status(of: id).runtimeStatus.isFinished {
            let (state, held) = try await current(id, events: "go")
            if held.isEmpty {
                try await client.raiseEvent(id, name: "go", payload: "\(id)/go\(state.round)")
                acks.append("event \(id) \(id)/go\(state.round)")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        try await expect(id, .completed)
    }

    /// Waits for the inbox once its sender completed, for a bounded time: a send lost to a crash
    /// leaves it waiting for ever. Such an inbox is reported ("LOST <id>") rather than waited
    /// for, so the run still checks that everything else finishes; the test fails on it.
    private func awaitInbox(_ wave: Int) async throws {
        try await expect("can-send-\(wave)", .completed)
        do {
            let final = try await client.waitForCompletion(of: "inbox-\(wave)", timeout: .seconds(3))
            guard final.runtimeStatus == .completed else { throw HarnessError("inbox-\(wave) ended \(final.runtimeStatus)") }
        } catch DurableError.timedOut {
            print("LOST inbox-\(wave)")
        }
    }

    /// Purges the instance once it completed; again in every run that still finds it.
    private func drivePurge(_ id: String) async throws {
        if purging.contains(id), !(await exists(id)) { return }
        try await expect(id, .completed)
        intents.append(id)
        try await client.purge(id)
        acks.append("purged \(id)")
    }

    /// Terminates the tree once it has grown, in every run until a terminate returned: a kill
    /// inside one may leave descendants running, which a repeated terminate finishes.
    private func driveTree(_ id: String) async throws {
        let tree = TreeParent.tree(id)
        if !terminated.contains(id) {
            for member in tree {
                while !(await exists(member)) { try await Task.sleep(for: .milliseconds(2)) }
            }
            do {
                try await client.terminate(id, reason: "crash test", includeSubOrchestrations: true)
            } catch DurableError.invalidStatus(_, .terminated, _) {
                // The whole tree was terminated before; the run that did it was killed before logging it.
            }
            acks.append("terminated \(id)")
        }
        for member in tree { try await expect(member, .terminated) }
    }

    private func expect(_ id: String, _ status: RuntimeStatus) async throws {
        let final = try await client.waitForCompletion(of: id)
        guard final.runtimeStatus == status else {
            throw HarnessError("\(id) ended \(final.runtimeStatus), not \(status): \(final.failure.map(String.init(describing:)) ?? "")")
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
