import Foundation
import Testing

@testable import Durable

/// What rewind and reset keep of a history, decided without a runtime.
@Suite struct HistoryRepairTests {
    private let t = Date(timeIntervalSince1970: 1_000)
    private func e(_ kind: HistoryEvent.Kind) -> HistoryEvent { HistoryEvent(kind, at: t) }
    private let failure = FailureDetails(errorType: "Outage", message: "down")

    /// Two activities in parallel: #0 fails, #1 succeeds after it; the code then retried #0 as #2
    /// (a timer #3 first) and failed. Rewind keeps #1's result and the event raised meanwhile, and
    /// drops the failure and the retry, so #0 runs again and the code decides anew.
    @Test func rewindKeepsSucceededResultsAndOutsideEventsAndDropsWhatFollowedTheFailure() {
        let history = [
            e(.executionStarted(name: "O", input: .empty, parent: nil, scheduledStart: nil)),
            e(.taskScheduled(sequence: 0, name: "A", input: .empty, attempt: 1)),
            e(.taskScheduled(sequence: 1, name: "B", input: .empty, attempt: 1)),
            e(.taskFailed(sequence: 0, failure: failure)),
            e(.timerCreated(sequence: 2, fireAt: t)),
            e(.taskCompleted(sequence: 1, result: .empty)),
            e(.eventRaised(name: "note", input: .empty)),
            e(.timerFired(sequence: 2, fireAt: t)),
            e(.taskScheduled(sequence: 3, name: "A", input: .empty, attempt: 2)),
            e(.taskFailed(sequence: 3, failure: failure)),
            e(.executionFailed(failure)),
        ]

        let (events, discarded) = HistoryRepair.rewound(history)

        #expect(events.map(\.kind.name) == ["ExecutionStarted", "TaskScheduled", "TaskScheduled", "TaskCompleted", "EventRaised"])
        #expect(events[3].kind.sequence == 1)
        #expect(discarded == 6)
    }

    @Test func resetKeepsThePrefixAndTheEventsRaisedAfterIt() throws {
        let history = [
            e(.executionStarted(name: "O", input: .empty, parent: nil, scheduledStart: nil)),
            e(.taskScheduled(sequence: 0, name: "A", input: .empty, attempt: 1)),
            e(.taskCompleted(sequence: 0, result: .empty)),
            e(.eventRaised(name: "go", input: .empty)),
            e(.taskScheduled(sequence: 1, name: "B", input: .empty, attempt: 1)),
            e(.executionCompleted(output: .empty)),
        ]

        let (events, discarded) = try #require(HistoryRepair.reset(history, through: 1))

        #expect(events.map(\.kind.name) == ["ExecutionStarted", "TaskScheduled", "EventRaised"])
        #expect(discarded == 3)
        #expect(HistoryRepair.lastResetPoint(of: history) == 4)
        #expect(HistoryRepair.reset(history, through: 5) == nil)  // the end itself
        #expect(HistoryRepair.reset(history, through: -1) == nil)
    }
}
