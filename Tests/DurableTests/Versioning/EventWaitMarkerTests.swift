@testable import Durable
import Foundation
import Testing

private struct ReserveItem: Activity {
    static let name = "ReserveItem"
    func run(_ item: String, context: ActivityContext) async throws -> String { "reserved \(item)" }
}

/// The code that records the waits: reserves, then waits for "approved".
private struct ApproveV1: Orchestration {
    static let name = "Approve"
    func run(_ item: String, context: OrchestrationContext) async throws -> String {
        let reserved = try await context.call(ReserveItem.self, item)
        let by: String = try await context.waitForEvent("approved")
        return "\(reserved), approved by \(by)"
    }
}

/// The awaited event renamed: an instance parked on "approved" would never wake.
private struct ApproveRenamed: Orchestration {
    static let name = "Approve"
    func run(_ item: String, context: OrchestrationContext) async throws -> String {
        let reserved = try await context.call(ReserveItem.self, item)
        let by: String = try await context.waitForEvent("approval-granted")
        return "\(reserved), approved by \(by)"
    }
}

@Suite struct EventWaitMarkerTests {
    private func names(_ history: [HistoryEvent]) -> [String] {
        history.compactMap { if case .eventWaitStarted(let name) = $0.kind { name } else { nil } }
    }

    /// Runs ApproveV1 until it waits for its event; returns the runtime, clock and instance id.
    private func parked(storage: DurableRuntime.Storage = .memory) async throws -> (DurableRuntime, ManualClock, String) {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock, storage: storage) {
            ApproveV1.self
            ReserveItem()
        }
        let id = try await runtime.client.start(ApproveV1.self, input: "desk", instanceId: "order-1")
        try await expectWaitsForInput(id, clock, runtime)
        return (runtime, clock, id)
    }

    /// Drives `id` until it waits with no timer: only an event moves it on.
    private func expectWaitsForInput(_ id: String, _ clock: ManualClock, _ runtime: DurableRuntime) async throws {
        do {
            let status = try await clock.advance(untilFinished: id, in: runtime)
            Issue.record("finished without its event: \(status.runtimeStatus)")
        } catch DurableError.waitsForInput(let ids) {
            #expect(ids == [id])
        }
    }

    private func check<O: Orchestration>(_ history: [HistoryEvent], with code: O.Type) async throws -> CompatibilityReport.Instance {
        let runtime = try await DurableRuntime(storage: .memory) {
            code
            ReserveItem()
        }
        defer { runtime.shutdown() }
        return await CompatibilityCheck().check(history: history, instanceId: "order-1", against: runtime)
    }

    @Test func aLiveWaitRecordsOneMarkerWithoutASequenceAndShowsItInHistory() async throws {
        let (runtime, _, id) = try await parked()
        defer { runtime.shutdown() }
        let history = try await runtime.client.history(of: id)
        #expect(names(history) == ["approved"])
        #expect(history.last?.description == "EventWaitStarted approved")
        #expect(history.last?.kind.sequence == nil)
        try await runtime.client.raiseEvent(id, name: "approved", payload: "ann")
        let status = try await runtime.client.waitForCompletion(of: id)
        #expect(try status.output(as: String.self) == "reserved desk, approved by ann")
        #expect(names(try await runtime.client.history(of: id)) == ["approved"])  // delivered: no second marker
    }

    @Test func anEventAlreadyBufferedIsTakenWithoutAMarker() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            ApproveV1.self
            ReserveItem()
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ApproveV1.self, input: "desk")
        try await runtime.client.raiseEvent(id, name: "approved", payload: "bob")
        let status = try await clock.advance(untilFinished: id, in: runtime)
        #expect(try status.output(as: String.self) == "reserved desk, approved by bob")
        let history = try await runtime.client.history(of: id)
        // The event may arrive before or after the wait starts; either way at most one marker.
        #expect(names(history).count <= 1)
        let markerIndex = history.firstIndex { $0.kind == HistoryEvent.Kind.eventWaitStarted(name: "approved") }
        let raisedIndex = history.firstIndex { $0.kind.name == "EventRaised" }
        if let markerIndex, let raisedIndex { #expect(markerIndex < raisedIndex) }
    }

    /// The marker is in the file journal (kind 22); the recovered instance's replayed wait adds none.
    @Test func aRecoveredWaitDoesNotRecordASecondMarker() async throws {
        let directory = TemporaryDirectory()
        let (first, clock, id) = try await parked(storage: .directory(directory.path))
        first.shutdown()
        let runtime = try await DurableRuntime.manual(clock, storage: .directory(directory.path)) {
            ApproveV1.self
            ReserveItem()
        }
        defer { runtime.shutdown() }
        try await expectWaitsForInput(id, clock, runtime)
        #expect(names(try await runtime.client.history(of: id)) == ["approved"])
        try await runtime.client.raiseEvent(id, name: "approved", payload: "cy")
        let status = try await clock.advance(untilFinished: id, in: runtime)
        #expect(try status.output(as: String.self) == "reserved desk, approved by cy")
    }

    @Test func theCheckReportsARecordedWaitTheNewCodeNoLongerMakesNamingBoth() async throws {
        let (runtime, _, id) = try await parked()
        let history = try await runtime.client.history(of: id)
        runtime.shutdown()

        let renamed = try await check(history, with: ApproveRenamed.self)
        #expect(renamed.verdict == .diverges(.init(
            step: 1, recorded: "waits for event 'approved'", now: "waits for event 'approval-granted'")))
        let report = CompatibilityReport(source: "test", instances: [renamed], finishedCount: 0)
        #expect(!report.isCompatible)
        #expect(report.description.contains("BREAKS order-1 (Approve)"))
        #expect(report.description.contains("'approved'") && report.description.contains("'approval-granted'"))

        let same = try await check(history, with: ApproveV1.self)
        #expect(same.verdict == .compatible)
        #expect(same.awaitedEvents == ["approved"])
    }

    @Test func anOldHistoryWithoutMarkersStillReplaysAndChecksCompatible() async throws {
        let (runtime, _, id) = try await parked()
        let history = try await runtime.client.history(of: id).filter { $0.kind.name != "EventWaitStarted" }
        runtime.shutdown()
        // Without a marker the check cannot know the old wait: it shows the new one only.
        let renamed = try await check(history, with: ApproveRenamed.self)
        #expect(renamed.verdict == .compatible && renamed.awaitedEvents == ["approval-granted"])
        let old = try await DurableRuntime(storage: .memory) {
            ApproveV1.self
            ReserveItem()
        }
        defer { old.shutdown() }
        let result = try await old.replay(history, instanceId: id)
        #expect(result.outcome == ReplayResult.Outcome.waiting && result.awaitedEvents == ["approved"])
        #expect(result.newEvents.isEmpty)  // a replayed wait records no marker
    }

    @Test func anAnsweredWaitIsNotOpenAndABufferedEventAnswersNone() {
        let at = Date(timeIntervalSinceReferenceDate: 0)
        let kinds: [HistoryEvent.Kind] = [
            .eventRaised(name: "early", input: .empty),  // buffered before any wait
            .eventWaitStarted(name: "a"), .eventWaitStarted(name: "b"),
            .eventRaised(name: "a", input: .empty),
        ]
        #expect(CompatibilityCheck.openEventWaits(kinds.map { HistoryEvent($0, at: at) }) == ["b"])
    }
}
