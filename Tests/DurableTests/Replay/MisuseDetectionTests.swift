import Dispatch
import Durable
import Foundation
import Testing

/// Returns its input: the steps around each misuse.
struct Step: Activity {
    func run(_ input: String, context: ActivityContext) async throws -> String { input }
}

/// An actor the orchestration must not await. Its method waits for work done on another thread
/// (as one doing I/O does), so the actor resumes there and the code comes back from there. (An
/// idle actor whose method never suspends runs inline on the instance's thread; that is not
/// detected, and replays the same — see Docs/Determinism.md.)
actor Ledger {
    private var entries: [String] = []
    func add(_ entry: String) async -> Int {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            later { done.resume() }
        }
        entries.append(entry)
        return entries.count
    }
}

@MainActor func mainActorCount() -> Int { 1 }

/// Runs `body` on a thread of its own 50 ms from now. Work from outside that finishes *before* the
/// code suspends never takes the code off the instance's thread (a continuation resumed early, or
/// a stream already fed, lets the awaiting code go on where it is), so there is nothing to detect:
/// under full load that happened once in ~10 suite runs with an immediate `DispatchQueue.async`.
/// The delay makes each case below the misuse it names: the code has suspended when the work lands.
func later(_ body: @escaping @Sendable () -> Void) {
    Thread.detachNewThread {
        usleep(50_000)
        body()
    }
}

/// Each misuse between two steps: `input` picks which.
struct Misbehaves: Orchestration {
    static let ledger = Ledger()

    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        let first = try await context.call(Step.self, "before")
        switch input {
        case "sleep":
            try await Task.sleep(nanoseconds: 50_000_000)  // the misuse under test, not a wait for timing
        case "actor":
            _ = await Self.ledger.add(first)
        case "main-actor":
            _ = await mainActorCount()
        case "continuation":
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                later { continuation.resume() }
            }
        case "stream":
            let (stream, feed) = AsyncStream.makeStream(of: Int.self)
            later {
                feed.yield(1)
                feed.finish()
            }
            for await _ in stream {}
        default:
            break
        }
        return try await context.call(Step.self, "after")
    }
}

/// Holds a task for a test to cancel from another thread (the misuse under test).
final class TaskHandle: @unchecked Sendable {
    // @unchecked: `task` is only read and written under `lock`.
    private let lock = NSLock()
    private var task: UnsafeCurrentTask?

    func store(_ task: UnsafeCurrentTask?) { lock.withLock { self.task = task } }
    /// Cancels the stored task; returns whether there was one.
    func cancel() -> Bool { lock.withLock { task?.cancel(); return task != nil } }
}

/// Stores its own task so a test can cancel it from outside, then waits on an event.
struct CancelledFromOutside: Orchestration {
    static let task = TaskHandle()

    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                withUnsafeCurrentTask { task in Self.task.store(task) }
                return try await context.waitForEvent("never", as: String.self)
            }
            return try await group.next() ?? ""
        }
    }
}



@Suite struct MisuseDetectionTests {
    /// Before: each ran live to "after" and failed only on replay, blaming a code change.
    @Test(arguments: ["sleep", "actor", "main-actor", "continuation", "stream"])
    func codeResumedFromOutsideDurableFailsLiveAtOnce(_ misuse: String) async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            Misbehaves.self
            Step()
        }
        let id = try await runtime.client.start(Misbehaves.self, input: misuse)
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(30))
        #expect(status.runtimeStatus == .failed, "\(misuse): \(status.runtimeStatus)")
        let message = status.failure?.message ?? ""
        #expect(message.contains("resumed from outside Durable"), "\(misuse): \(message)")
        #expect(message.contains("context.sleep"), "the message names what to use instead: \(message)")
        // Failed before the code went on: the step after the misuse was never issued.
        let scheduled = try await runtime.client.history(of: id).compactMap { event -> String? in
            if case .taskScheduled(_, _, let input, _) = event.kind { return try? input.decode(String.self) }
            return nil
        }
        #expect(scheduled == ["before"], "\(misuse)")
    }

    /// The same code without the misuse completes: the detection does not fire on Durable's own resumptions.
    @Test func wellBehavedCodeIsNotFlagged() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            Misbehaves.self
            Step()
        }
        let id = try await runtime.client.start(Misbehaves.self, input: "none")
        #expect(try await runtime.client.result(of: id, as: Misbehaves.self, timeout: .seconds(30)) == "after")
    }

    @Test func cancellingTheCodesTaskFromOutsideFailsTheInstance() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { CancelledFromOutside.self }
        let id = try await runtime.client.start(CancelledFromOutside.self, input: 1)
        _ = try await runtime.client.waitForStart(of: id, timeout: .seconds(30))
        // The task stores itself in its first step; wait for that without sleeping on a guess.
        while !CancelledFromOutside.task.cancel() { await Task.yield() }
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(30))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.message.contains("cancelled from outside Durable") == true, "\(status.failure?.message ?? "")")
    }
}

/// Catches every error, continueAsNew's signal included, and goes on.
struct SwallowsContinueAsNew: Orchestration {
    func run(_ round: Int, context: OrchestrationContext) async throws -> String {
        if round > 0 { return "round \(round)" }
        do {
            try context.continueAsNew(with: round + 1)
        } catch {
            // swallowed
        }
        return try await context.call(Step.self, "after")
    }
}

@Suite struct CaughtContinueAsNewTests {
    /// Before: the activity ran and the instance continued as new anyway ("round 1").
    @Test func goingOnAfterCatchingContinueAsNewFailsTheInstance() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            SwallowsContinueAsNew.self
            Step()
        }
        let id = try await runtime.client.start(SwallowsContinueAsNew.self, input: 0)
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(30))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.message.contains("caught the error it throws") == true, "\(status.failure?.message ?? "")")
        let history = try await runtime.client.history(of: id)
        #expect(!history.contains { if case .taskScheduled = $0.kind { true } else { false } }, "the activity was issued")
    }
}

/// Keeps contexts where other code can reach them: the misuse under test.
final class ContextBox: @unchecked Sendable {
    // @unchecked: `contexts` is only read and written under `lock`.
    private let lock = NSLock()
    private var contexts: [String: OrchestrationContext] = [:]

    func put(_ context: OrchestrationContext, as key: String) { lock.withLock { contexts[key] = context } }
    func get(_ key: String) -> OrchestrationContext? { lock.withLock { contexts[key] } }
}

let leakedContexts = ContextBox()

/// Leaves its context behind, then (`wait`) waits for an event or returns at once.
struct LeavesContext: Orchestration {
    func run(_ mode: String, context: OrchestrationContext) async throws -> String {
        leakedContexts.put(context, as: context.instanceId)
        if mode == "wait" { return try await context.waitForEvent("go", as: String.self) }
        return "done"
    }
}

/// Calls an activity through another instance's context, which `owner` names.
struct UsesAnotherContext: Orchestration {
    func run(_ owner: String, context: OrchestrationContext) async throws -> String {
        guard let foreign = leakedContexts.get(owner) else { return "no context" }
        return try await foreign.call(Step.self, "borrowed")
    }
}

@Suite struct ContextMisuseTests {
    /// Before: `now` was the wall clock, `newUUID()` a random UUID and `isReplaying` false —
    /// plausible values — and nothing said anything was wrong.
    @Test func aContextUsedAfterItsInstanceEndedGivesFixedValuesAndIsLogged() async throws {
        let log = LogLines()
        let runtime = try await DurableRuntime(storage: .memory, configuration: .init(log: { log.append($0) })) {
            LeavesContext.self
        }
        let id = try await runtime.client.start(LeavesContext.self, input: "return", instanceId: "ended")
        _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        let context = try #require(leakedContexts.get("ended"))

        #expect(context.now == .distantPast)
        #expect(context.newUUID() == UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
        #expect(context.isReplaying)
        context.setCustomStatus("late")
        #expect(try await runtime.client.status(of: id).customStatus == nil)
        let warnings = log.all.filter { $0.contains("'ended' used its context") }
        #expect(warnings.count == 4, "\(log.all)")
        #expect(try await runtime.client.status(of: id).runtimeStatus == .completed)
    }

    /// Before: the owner failed with escapedExecutor (it did nothing wrong) and the misuser failed
    /// only because the error reached its code.
    @Test func usingAnotherInstancesContextFailsOnlyTheMisuserAndNamesIt() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            LeavesContext.self
            UsesAnotherContext.self
            Step()
        }
        let owner = try await runtime.client.start(LeavesContext.self, input: "wait", instanceId: "owner")
        _ = try await runtime.client.waitForStart(of: owner, timeout: .seconds(10))
        while leakedContexts.get("owner") == nil { await Task.yield() }

        let misuser = try await runtime.client.start(UsesAnotherContext.self, input: "owner", instanceId: "misuser")
        let failed = try await runtime.client.waitForCompletion(of: misuser, timeout: .seconds(10))
        #expect(failed.runtimeStatus == .failed)
        #expect(failed.failure?.message.contains("'misuser' called call(Step) on the context of instance 'owner'") == true,
            "\(failed.failure?.message ?? "")")

        // The owner did nothing wrong: it still runs, and finishes.
        #expect(try await runtime.client.status(of: owner).runtimeStatus == .running)
        try await runtime.client.raiseEvent(owner, name: "go", payload: "fine")
        #expect(try await runtime.client.result(of: owner, as: LeavesContext.self, timeout: .seconds(10)) == "fine")
    }
}
