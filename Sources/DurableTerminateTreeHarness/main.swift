// A child process for the terminate-tree crash test (Tests/DurableTests/Storage/TerminateTreeCrashTests.swift).
//
//   DurableTerminateTreeHarness <journal> crash    starts a tree (a parent, two children, a grandchild
//                                                  under each), then terminates it with its
//                                                  sub-orchestrations and SIGKILLs itself right
//                                                  after the parent's termination is durable, as the
//                                                  first child's is about to be recorded
//   DurableTerminateTreeHarness <journal> recover  opens the journal (recovery runs), prints one line
//                                                  per instance: "<id> <status> <terminations>", exits
//
// The kill is a real SIGKILL, at one deterministic point, with no hook in the library: the store
// the runtime writes through is a thin wrapper around the file journal that kills the process
// when it is asked to record a child's termination.
import Durable
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for an event nobody raises.
struct TreeLeaf: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        try await context.waitForEvent("never", as: Int.self)
    }
}

/// Calls one leaf, "<own id>/leaf".
struct TreeMiddle: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        try await context.callSubOrchestration(TreeLeaf.self, input, instanceId: "\(context.instanceId)/leaf")
    }
}

/// Calls two middles, "<own id>/a" and "<own id>/b", at once.
struct TreeRoot: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        async let a = context.callSubOrchestration(TreeMiddle.self, 1, instanceId: "\(context.instanceId)/a")
        async let b = context.callSubOrchestration(TreeMiddle.self, 2, instanceId: "\(context.instanceId)/b")
        return try await a + b
    }
}

/// Writes a line to standard output at once (unbuffered: the process may be killed next).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The file journal, except that recording the termination of any instance but `root` kills the process.
final class KillingStore: HistoryStore {
    let journal: FileJournal
    let root: String

    init(_ journal: FileJournal, root: String) {
        self.journal = journal
        self.root = root
    }

    func append(_ event: HistoryEvent, to instanceId: String) throws -> JournalPosition {
        if case .executionTerminated = event.kind, instanceId != root {
            say("KILLED before recording the termination of \(instanceId)")
            kill(getpid(), SIGKILL)
        }
        return try journal.append(event, to: instanceId)
    }

    func replaceHistory(of instanceId: String, with events: [HistoryEvent]) throws -> JournalPosition {
        try journal.replaceHistory(of: instanceId, with: events)
    }
    func waitUntilDurable(_ position: JournalPosition) async throws { try await journal.waitUntilDurable(position) }
    func isDurable(_ position: JournalPosition) -> Bool { journal.isDurable(position) }
    func whenDurable(_ position: JournalPosition, _ body: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        journal.whenDurable(position, body)
    }
    var dispatchWaitsForDurability: Bool { journal.dispatchWaitsForDurability }
    func close() { journal.close() }
    func history(of instanceId: String) throws -> [HistoryEvent]? { journal.history(of: instanceId) }
    func allHistories() throws -> [String: [HistoryEvent]] { journal.allHistories() }
    func removeHistory(of instanceId: String) throws -> JournalPosition { try journal.removeHistory(of: instanceId) }
}

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    say("usage: DurableTerminateTreeHarness <journal> crash|recover")
    exit(2)
}
let (directory, mode) = (arguments[1], arguments[2])
let tree = ["tree", "tree/a", "tree/a/leaf", "tree/b", "tree/b/leaf"]

func runtime(_ storage: DurableRuntime.Storage) async throws -> DurableRuntime {
    try await DurableRuntime(storage: storage) {
        TreeRoot.self
        TreeMiddle.self
        TreeLeaf.self
    }
}

switch mode {
case "crash":
    let runtime = try await runtime(.store(KillingStore(try FileJournal(directory: directory), root: "tree")))
    try await runtime.client.start(TreeRoot.self, input: 0, instanceId: "tree")
    // Every leaf waits for its event: the whole tree is running.
    for _ in 0..<5000 {
        let statuses = await tree.asyncMap { try? await runtime.client.status(of: $0).runtimeStatus }
        if statuses.allSatisfy({ $0 == .running }) { break }
        try await Task.sleep(for: .milliseconds(2))
    }
    say("RUNNING")
    try await runtime.client.terminate("tree", reason: "stop", includeSubOrchestrations: true)
    say("TERMINATE RETURNED")  // the store should have killed the process first
case "recover":
    let runtime = try await runtime(.directory(directory))
    for id in tree {
        let status = try await runtime.client.status(of: id).runtimeStatus
        let terminations = try await runtime.client.history(of: id).filter { $0.kind.name == "ExecutionTerminated" }.count
        say("\(id) \(status) \(terminations)")
    }
    runtime.shutdown()
default:
    say("unknown mode \(mode)")
    exit(2)
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var results: [T] = []
        for element in self { results.append(await transform(element)) }
        return results
    }
}
