// A mixed workload on a file journal, for the crash tests: they SIGKILL this process at random
// moments, start it again, and finally let it finish and check the journal.
//
//     DurableCrashHarness <journal-directory> <log-directory> <generation> [--linger] [--strict | --lifecycle]
//
// Every run starts whichever of the 115 instances do not exist yet, raises the external events
// not yet recorded, and waits for all of them. It logs each activity invocation (one line per
// call, written straight to the file so a kill cannot lose it) and, before anything runs, which
// activity calls the journal already holds as completed. It prints "ALL DONE" when every
// instance has completed; with --linger it then waits to be killed instead of exiting, so every
// kill the test sends lands on a live process.
//
// With --strict the journal is strict and the workload is the 28 instances of `strictPlan`, whose
// every result is followed by a custom status and then a timer, an event wait or more of a
// fan-in. An observer polls the status table and logs each custom status it sees (an effect of
// the result before it leaving the instance) to effects-seen-<generation>.log: strict promises
// that none of those activities runs again.
//
// With --lifecycle the workload is continue-as-new, purge and terminate-tree in waves (Lifecycle.swift).
// Every run also logs which instances the journal holds before anything runs (present-before-<generation>.log).

import Durable
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 4, let generation = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: DurableCrashHarness <journal-dir> <log-dir> <generation> [--linger] [--strict | --lifecycle]\n".utf8))
    exit(2)
}
let lingers = arguments.dropFirst(4).contains("--linger")
let isStrict = arguments.dropFirst(4).contains("--strict")
let isLifecycle = arguments.dropFirst(4).contains("--lifecycle")
let journalPath = arguments[1]
let logPath = arguments[2]

/// Appends lines to a file with one `write` each, so a killed process loses none it returned from.
final class LineLog: Sendable {
    private let handle: FileHandle

    init(_ path: String) {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        handle = FileHandle(forWritingAtPath: path) ?? FileHandle.nullDevice
        handle.seekToEndOfFile()
    }

    func append(_ line: String) {
        handle.write(Data((line + "\n").utf8))
    }
}

let invocations = LineLog("\(logPath)/invocations-\(generation).log")
let acknowledged = LineLog("\(logPath)/acknowledged.log")
let effectsSeen = LineLog("\(logPath)/effects-seen-\(generation).log")

// MARK: Activities

/// Returns its key after a few milliseconds, logging the call.
struct Step: Activity {
    func run(_ key: String, context: ActivityContext) async throws -> String {
        invocations.append(key)
        try await Task.sleep(for: .milliseconds(Int.random(in: 5...25)))
        return key
    }
}

struct FlakyStep: Activity {
    struct NotYet: Error {}

    func run(_ key: String, context: ActivityContext) async throws -> String {
        invocations.append("\(key)@\(context.attempt)")
        guard context.attempt >= 3 else { throw NotYet() }
        return "\(key)@\(context.attempt)"
    }
}

// MARK: Orchestrations

struct Chain: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        var keys: [String] = []
        for step in 0..<5 { keys.append(try await context.call(Step.self, "\(id)/\(step)")) }
        return keys.joined(separator: ",")
    }
}

struct FanOut: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        let count = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<50 { group.addTask { try await context.call(Step.self, "\(id)/\(index)") } }
            return try await group.reduce(0) { count, _ in count + 1 }
        }
        return "\(count)"
    }
}

struct Child: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        var keys: [String] = []
        for step in 0..<3 { keys.append(try await context.call(Step.self, "\(id)/child/\(step)")) }
        return keys.joined(separator: ",")
    }
}

struct Parent: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        "parent:" + (try await context.callSubOrchestration(Child.self, id))
    }
}

struct Retrying: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        try await context.call(
            FlakyStep.self, id, retry: RetryPolicy(maxAttempts: 3, firstRetryInterval: .milliseconds(150)))
    }
}

struct Sleeper: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        try await context.sleep(for: .milliseconds(400))
        return try await context.call(Step.self, "\(id)/after")
    }
}

struct EventWaiter: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        var received: [String] = []
        for _ in 0..<3 { received.append(try await context.waitForEvent("e", as: String.self)) }
        return received.sorted().joined(separator: ",")
    }
}

/// Sends three events to `inbox-0`, a step after each: a kill can land between a send's record
/// and its delivery.
struct Sender: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        for number in 0..<3 {
            try await context.sendEvent(to: "inbox-0", name: "m", payload: "\(id)/m\(number)")
            _ = try await context.call(Step.self, "\(id)/s\(number)")
        }
        return "sent"
    }
}

/// Collects `count` events sent to it and returns them sorted: a repeat or a loss shows.
struct Inbox: Orchestration {
    func run(_ count: Int, context: OrchestrationContext) async throws -> String {
        var received: [String] = []
        for _ in 0..<count { received.append(try await context.waitForEvent("m", as: String.self)) }
        return received.sorted().joined(separator: ",")
    }
}

// MARK: Strict orchestrations: every result is shown as the custom status, then something follows

/// Ten steps, each result shown, then a short timer.
struct ShowThenSleep: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        var keys: [String] = []
        for step in 0..<10 {
            keys.append(try await context.call(Step.self, "\(id)/\(step)"))
            context.setCustomStatus(keys[step])
            try await context.sleep(for: .milliseconds(30))
        }
        return keys.joined(separator: ",")
    }
}

/// Six parallel steps, each result shown as it arrives while the rest are still awaited.
struct ShowEachArrival: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        let count = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<6 { group.addTask { try await context.call(Step.self, "\(id)/\(index)") } }
            var count = 0
            for try await key in group {
                context.setCustomStatus(key)
                count += 1
            }
            return count
        }
        return "\(count)"
    }
}

/// Three steps, each result shown, then a wait for the "next" event the observer raises on seeing it.
struct ShowThenWait: Orchestration {
    func run(_ id: String, context: OrchestrationContext) async throws -> String {
        var keys: [String] = []
        for step in 0..<3 {
            keys.append(try await context.call(Step.self, "\(id)/\(step)"))
            context.setCustomStatus(keys[step])
            _ = try await context.waitForEvent("next", as: String.self)
        }
        return keys.joined(separator: ",")
    }
}

/// Polls every strict instance's status; logs each custom status it has not seen yet (one write,
/// before anything else) and answers a waiting `ShowThenWait` with its "next" event.
func observeStrictEffects(_ client: DurableClient, ids: [String]) async {
    var seen: [String: String] = [:]
    while !Task.isCancelled {
        for id in ids {
            guard let status = try? await client.status(of: id), !status.runtimeStatus.isFinished,
                let key = try? status.customStatus?.decode(String.self), seen[id] != key
            else { continue }
            seen[id] = key
            effectsSeen.append(key)
            guard id.hasPrefix("strict-wait") else { continue }
            let raised = ((try? await client.history(of: id)) ?? []).contains {
                $0.kind == .eventRaised(name: "next", input: (try? Payload(encoding: key)) ?? .empty)
            }
            if !raised { try? await client.raiseEvent(id, name: "next", payload: key) }
        }
        try? await Task.sleep(for: .milliseconds(1))
    }
}

// MARK: The run

/// Before the runtime resumes anything: which instances does the journal hold, and which activity
/// calls as completed? A continue-as-new execution's input says which rounds (each one step) are done.
func logCompletedCalls(_ journal: FileJournal) {
    var completed: [String] = []
    let histories = journal.allHistories()
    for history in histories.values {
        var scheduled: [Int: String] = [:]
        for event in history {
            switch event.kind {
            case .executionStarted(let name, let input, _, _, _, _)
            where name == KeepingRounds.name || name == SendingRounds.name:
                if let state = try? input.decode(RoundsState.self) {
                    completed += (0..<state.round).map { "\(state.id)/r\($0)" }
                }
            case .taskScheduled(let sequence, let name, let input, let attempt):
                let key = (try? input.decode(String.self)) ?? "?"
                scheduled[sequence] = name == FlakyStep.name ? "\(key)@\(attempt)" : key
            case .taskCompleted(let sequence, _):
                if let key = scheduled[sequence] { completed.append(key) }
            default:
                break
            }
        }
    }
    LineLog("\(logPath)/completed-before-\(generation).log").append(completed.joined(separator: "\n"))
    // One write, ending in a marker: a run killed before it logs nothing, not "no instances".
    LineLog("\(logPath)/present-before-\(generation).log").append((histories.keys.sorted() + ["#end"]).joined(separator: "\n"))
}

let journal: FileJournal
do {
    journal = try FileJournal(directory: journalPath, options: .init(durability: isStrict ? .strict : .groupCommit))
} catch {
    FileHandle.standardError.write(Data("cannot open the journal: \(error)\n".utf8))
    exit(1)
}
logCompletedCalls(journal)

let runtime = try await DurableRuntime(storage: .store(journal)) {
    Chain.self
    FanOut.self
    Child.self
    Parent.self
    Retrying.self
    Sleeper.self
    EventWaiter.self
    Sender.self
    Inbox.self
    ShowThenSleep.self
    ShowEachArrival.self
    ShowThenWait.self
    KeepingRounds.self
    SendingRounds.self
    TreeParent.self
    TreeChild.self
    Forever.self
    Step()
    FlakyStep()
}

typealias Plan = [(prefix: String, count: Int, start: @Sendable (DurableClient, String) async throws -> Void)]

let strictPlan: Plan = [
    ("strict-sleep", 16, { try await $0.start(ShowThenSleep.self, input: $1, instanceId: $1) }),
    ("strict-fan", 4, { try await $0.start(ShowEachArrival.self, input: $1, instanceId: $1) }),
    ("strict-wait", 8, { try await $0.start(ShowThenWait.self, input: $1, instanceId: $1) }),
]

let groupCommitPlan: Plan = [
    ("chain", 40, { try await $0.start(Chain.self, input: $1, instanceId: $1) }),
    ("fan", 10, { try await $0.start(FanOut.self, input: $1, instanceId: $1) }),
    ("parent", 20, { try await $0.start(Parent.self, input: $1, instanceId: $1) }),
    ("retry", 15, { try await $0.start(Retrying.self, input: $1, instanceId: $1) }),
    ("timer", 15, { try await $0.start(Sleeper.self, input: $1, instanceId: $1) }),
    ("events", 10, { try await $0.start(EventWaiter.self, input: $1, instanceId: $1) }),
    ("inbox", 1, { try await $0.start(Inbox.self, input: 12, instanceId: $1) }),  // before its senders
    ("send", 4, { try await $0.start(Sender.self, input: $1, instanceId: $1) }),
]
let plan = isLifecycle ? [] : isStrict ? strictPlan : groupCommitPlan

var ids: [String] = []
for (prefix, count, start) in plan {
    for index in 0..<count {
        let id = "\(prefix)-\(index)"
        ids.append(id)
        if (try? await runtime.client.status(of: id)) == nil { try await start(runtime.client, id) }
    }
}

let observer = Task { [ids] in if isStrict { await observeStrictEffects(runtime.client, ids: ids) } }

for index in 0..<10 where !isStrict && !isLifecycle {
    let id = "events-\(index)"
    let recorded = Set(((try? await runtime.client.history(of: id)) ?? []).compactMap { event -> String? in
        if case .eventRaised(_, let input, _) = event.kind { return try? input.decode(String.self) }
        return nil
    })
    for number in 0..<3 where !recorded.contains("\(id)/\(number)") {
        try await runtime.client.raiseEvent(id, name: "e", payload: "\(id)/\(number)")
        acknowledged.append("\(id)/\(number)")
    }
}

for id in ids {
    let status = try await runtime.client.waitForCompletion(of: id)
    guard status.runtimeStatus == .completed else {
        print("FAILED \(id): \(status.failure.map(String.init(describing:)) ?? "\(status.runtimeStatus)")")
        exit(1)
    }
}
if isLifecycle {
    do {
        try await LifecycleWorkload(client: runtime.client, generation: generation, logPath: logPath).run()
    } catch {
        print("FAILED \(error)")
        exit(1)
    }
}
observer.cancel()
FileHandle.standardOutput.write(Data("ALL DONE\n".utf8))
while lingers { try await Task.sleep(for: .seconds(60)) }
runtime.shutdown()
