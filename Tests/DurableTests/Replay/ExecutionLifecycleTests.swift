@testable import Durable
import Foundation
import Testing

/// The execution lifecycle alone: every transition, no threads, no store.
@Suite struct ExecutionLifecycleTests {
    let started = HistoryEvent(
        .executionStarted(name: "O", input: .empty, parent: nil, scheduledStart: nil, executionId: "x1"), at: Date(timeIntervalSince1970: 0))
    let raised = InstanceMessage.event(HistoryEvent(.eventRaised(name: "e", input: .empty), at: Date(timeIntervalSince1970: 1)))
    let terminated = InstanceMessage.event(HistoryEvent(.executionTerminated(reason: "r"), at: Date(timeIntervalSince1970: 2)))

    var fresh: ExecutionLifecycle { ExecutionLifecycle(pendingStart: .init(started: started, carried: [])) }

    @Test func aDeliveryBeforeTheLaunchRecordsTheStartFirstAndTheLaunchDoesNotRecordItAgain() throws {
        var lifecycle = fresh
        guard case .recordStartFirst(let pending) = lifecycle.delivery() else { Issue.record("start not recorded first"); return }
        #expect(pending.events == [started])
        lifecycle.startRecorded(at: JournalPosition(7))
        guard case .record = lifecycle.delivery() else { Issue.record("a second delivery records the start again"); return }
        guard case .recorded(let position) = lifecycle.launchRecord() else { Issue.record("the launch records the start again"); return }
        #expect(position == JournalPosition(7))
    }

    @Test func theLaunchRecordsTheStartWhenNoDeliveryCameFirst() {
        var lifecycle = fresh
        guard case .record(let pending) = lifecycle.launchRecord() else { Issue.record("nothing to record"); return }
        #expect(pending.events == [started])
        lifecycle.startRecorded(at: JournalPosition(3))
        guard case .record = lifecycle.delivery() else { Issue.record("a delivery after the start records it again"); return }
        // A second `startRecorded` (a stale caller) changes nothing.
        lifecycle.startRecorded(at: JournalPosition(9))
        guard case .recorded(JournalPosition(3)?) = lifecycle.launchRecord() else { Issue.record("position moved"); return }
    }

    @Test func aStoredExecutionHasNoStartToRecord() {
        let lifecycle = ExecutionLifecycle(pendingStart: nil)
        guard case .record = lifecycle.delivery() else { Issue.record("a stored execution records a start"); return }
    }

    @Test func eventsWaitForTheCodesFirstDrainButATerminationDoesNot() {
        var lifecycle = fresh
        lifecycle.startRecorded(at: JournalPosition(1))
        let handled = [lifecycle.handles(raised), lifecycle.handles(terminated), lifecycle.handles(.stop)]
        #expect(handled == [false, true, true])
        let held = lifecycle.codeStarts()
        #expect(held.count == 1)
        let afterStart = lifecycle.handles(raised)
        #expect(afterStart)
        let again = lifecycle.codeStarts()
        #expect(again.isEmpty, "held messages are handed over once")
    }

    @Test func afterATerminationNothingIsRecordedOrDelivered() {
        var lifecycle = fresh
        lifecycle.startRecorded(at: JournalPosition(1))
        #expect(lifecycle.mayRecord)
        lifecycle.recorded(raised)
        #expect(lifecycle.mayRecord)
        lifecycle.recorded(terminated)
        #expect(!lifecycle.mayRecord)
        #expect(lifecycle.termination == .some("r"))
        guard case .refuse = lifecycle.delivery() else { Issue.record("a delivery after the termination is recorded"); return }
        // The termination outlives the end: the end is the termination.
        _ = lifecycle.end()
        #expect(lifecycle.termination == .some("r"))
    }

    @Test func anEndedExecutionRefusesDeliveriesAndHandsBackWhatItHeld() {
        var lifecycle = fresh
        lifecycle.startRecorded(at: JournalPosition(1))
        _ = lifecycle.handles(raised)
        let left = lifecycle.end()
        #expect(left.count == 1)
        guard case .refuse = lifecycle.delivery() else { Issue.record("an ended execution takes deliveries"); return }
        #expect(lifecycle.mayRecord, "its own end is still recorded after the mailbox closed")
        guard case .recorded(JournalPosition(1)?) = lifecycle.launchRecord() else { Issue.record("launch after end"); return }
    }

    @Test func anExecutionThatStopsBeforeItsStartIsRecordedGivesTheLaunchNothing() {
        var lifecycle = fresh
        _ = lifecycle.end()
        guard case .recorded(nil) = lifecycle.launchRecord() else { Issue.record("a stopped launch records its start"); return }
    }
}
