import Foundation
import Testing

@testable import Durable

private struct WaitsThenLogs: Orchestration {
    static var name: String { "WaitsThenLogs" }
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        context.log("before")
        let go = try await context.waitForEvent("go", as: Int.self)
        context.log("after")
        return go + input
    }
}

private final class Recorder: DurableObserver {
    let events = Lock<[RuntimeEvent]>([])
    func observe(_ event: RuntimeEvent) { events.withLock { $0.append(event) } }
    var all: [RuntimeEvent] { events.withLock { $0 } }
}

@Suite struct ObserverRestartTests {
    /// A restart reports `recovered` and `replayed`, not the replayed log line again; the file
    /// journal reports its syncs; the event raised after the restart is raised and consumed once.
    @Test func aRestartReportsReplayAndRecoveryAndLogsOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("observe-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = Recorder()
        var configuration = DurableRuntime.Configuration()
        configuration.observers = [first]
        let runtime = try await DurableRuntime(storage: .directory(directory), configuration: configuration) { WaitsThenLogs.self }
        let id = try await runtime.client.start(WaitsThenLogs.self, input: 1)
        _ = try await runtime.client.waitForStart(of: id, timeout: .seconds(30))
        for _ in 0..<10_000 where !first.all.contains(where: { if case .orchestrationLog = $0 { true } else { false } }) {
            await Task.yield()
        }
        runtime.shutdown()
        #expect(first.all.contains { if case .journalSynced(let records, _, _) = $0 { records > 0 } else { false } })

        let second = Recorder()
        configuration.observers = [second]
        let restarted = try await DurableRuntime(storage: .directory(directory), configuration: configuration) { WaitsThenLogs.self }
        defer { restarted.shutdown() }
        try await restarted.client.raiseEvent(id, name: "go", payload: 41)
        #expect(try await restarted.client.result(of: id, as: WaitsThenLogs.self, timeout: .seconds(30)) == 42)
        let events = second.all
        let logs = events.compactMap { if case .orchestrationLog(_, _, let message) = $0 { message } else { nil } }
        #expect(logs == ["after"])
        #expect(events.contains { if case .recovered(_?, 1) = $0 { true } else { false } })
        #expect(events.contains { if case .replayed(id, let count, _) = $0 { count > 0 } else { false } })
        #expect(events.contains { if case .eventConsumed(id, "go") = $0 { true } else { false } })
        #expect(!events.contains { if case .instanceStarted = $0 { true } else { false } })
    }
}
