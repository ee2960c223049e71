import Durable
import Foundation
import Synchronization
import Testing

/// Retries forever, swallowing every error — the termination's included.
struct RetriesForever: Orchestration {
    static let iterations = Atomic<Int>(0)
    static let errors = Atomic<Int>(0)

    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        while true {
            Self.iterations.add(1, ordering: .relaxed)
            do { _ = try await context.call(HoldsTheThirdCall.self, "again") } catch { Self.errors.add(1, ordering: .relaxed) }
        }
    }
}

/// Returns at once, but for its third call, which waits for the termination: on a loaded machine
/// the loop would otherwise go round until its history is too large before the test terminates it.
struct HoldsTheThirdCall: Activity {
    static let release = Gate()
    static let calls = Counter()

    func run(_ input: String, context: ActivityContext) async throws -> String {
        if Self.calls.next() == 2 { await Self.release.wait() }
        return input
    }
}

@Suite struct RunawayStepTests {
    /// Before: after the termination every call threw at once, so the loop went round forever on
    /// the instance's executor (~80 turns a millisecond here), holding a worker thread. Now the
    /// code gets at most two errors — the wait it was in, and its next call — and its next call
    /// after that never returns: the code is abandoned.
    @Test(.timeLimit(.minutes(1))) func terminatingCodeThatSwallowsEveryErrorStopsIt() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            RetriesForever.self
            Misbehaves.self
            Step()
            HoldsTheThirdCall()
        }
        let id = try await runtime.client.start(RetriesForever.self, input: 1)
        while RetriesForever.iterations.load(ordering: .relaxed) < 3 { await Task.yield() }
        try await runtime.client.terminate(id, reason: "stop")
        HoldsTheThirdCall.release.open()
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .terminated)

        // The code took its error (one or two: the wait it was in, if the termination was handled
        // then, and its next call)...
        while RetriesForever.errors.load(ordering: .relaxed) < 1 { await Task.yield() }
        for round in 0..<10 {
            let other = try await runtime.client.start(Misbehaves.self, input: "none", instanceId: "other-\(round)")
            #expect(try await runtime.client.result(of: other, as: Misbehaves.self, timeout: .seconds(10)) == "after")
        }
        // ...and takes no further turn while other work runs to completion.
        let settled = RetriesForever.iterations.load(ordering: .relaxed)
        for round in 10..<30 {
            let other = try await runtime.client.start(Misbehaves.self, input: "none", instanceId: "other-\(round)")
            #expect(try await runtime.client.result(of: other, as: Misbehaves.self, timeout: .seconds(10)) == "after")
        }
        #expect(RetriesForever.iterations.load(ordering: .relaxed) == settled)
        #expect(RetriesForever.errors.load(ordering: .relaxed) <= 2)

        let history = try await runtime.client.history(of: id)
        #expect(history.last.map { if case .executionTerminated = $0.kind { true } else { false } } == true)
    }
}

/// Blocks its thread in one step until the test lets it go: the bug the watchdog reports.
///
/// It blocks in its first step, which runs on a Dispatch worker; a step after an activity's
/// result may run on the thread that delivered it, one of the few threads of Swift's concurrency
/// pool, and blocking that could starve the test process (see Docs/Determinism.md).
struct BlocksAStep: Orchestration {
    static let entered = DispatchSemaphore(value: 0)
    static let release = DispatchSemaphore(value: 0)

    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        Self.entered.signal()
        Self.release.wait()
        return try await context.call(Step.self, "after")
    }
}
