import Durable
import Foundation
import Testing

@Suite struct FileJournalTests {
    private let start = Date(timeIntervalSinceReferenceDate: 800_000_000)

    /// One event of every kind, so the binary encoding is exercised whole.
    private func everyKind() throws -> [HistoryEvent] {
        let payload = try Payload(encoding: ["a": 1])
        let failure = FailureDetails(errorType: "App.Error", message: "nope ✗")
        let kinds: [HistoryEvent.Kind] = [
            .executionStarted(name: "Flow", input: payload, parent: ParentInstance(instanceId: "p", sequence: 3), scheduledStart: start),
            .taskScheduled(sequence: 0, name: "A", input: payload, attempt: 2),
            .taskCompleted(sequence: 0, result: payload),
            .taskFailed(sequence: 1, failure: failure),
            .subOrchestrationCreated(sequence: 2, name: "Child", instanceId: "c", input: .empty),
            .subOrchestrationCompleted(sequence: 2, result: payload),
            .subOrchestrationFailed(sequence: 4, failure: failure),
            .timerCreated(sequence: 5, fireAt: start.addingTimeInterval(60)),
            .timerFired(sequence: 5, fireAt: start.addingTimeInterval(60)),
            .eventRaised(name: "go", input: payload),
            .eventSent(sequence: 6, instanceId: "other", name: "ping", input: payload),
            .executionSuspended(reason: "why"),
            .executionResumed(reason: nil),
            .customStatusSet(payload),
            .executionTerminated(reason: "stop"),
            .executionCompleted(output: payload),
            .executionFailed(failure),
        ]
        return kinds.enumerated().map { HistoryEvent($1, at: start.addingTimeInterval(Double($0) * 0.001)) }
    }

    @Test func everyEventKindSurvivesAReopen() async throws {
        let directory = TemporaryDirectory()
        let events = try everyKind()
        do {
            let journal = try FileJournal(directory: directory.path)
            var last = JournalPosition(0)
            for event in events { last = try journal.append(event, to: "flow-1") }
            _ = try journal.replaceHistory(of: "flow-2", with: Array(events.prefix(2)))
            _ = try journal.append(events[0], to: "gone")
            try journal.removeHistory(of: "gone")
            try await journal.waitUntilDurable(last)
            journal.close()
        }
        let reopened = try FileJournal(directory: directory.path)
        defer { reopened.close() }
        #expect(reopened.history(of: "flow-1") == events)
        #expect(reopened.history(of: "flow-2") == Array(events.prefix(2)))
        #expect(reopened.history(of: "gone") == nil)
        #expect(reopened.recoveryReport.recordsLoaded == events.count + 3)
        #expect(reopened.recoveryReport.tornTail == nil)
    }

    @Test func aSecondJournalOnTheSameDirectoryIsRefused() async throws {
        let directory = TemporaryDirectory()
        let first = try FileJournal(directory: directory.path)
        #expect(throws: JournalError.directoryLocked(path: directory.path)) {
            try FileJournal(directory: directory.path)
        }
        await #expect(throws: JournalError.directoryLocked(path: directory.path)) {
            try await DurableRuntime(storage: .directory(directory.path)) { PlaceOrder.self }
        }
        first.close()
        let second = try FileJournal(directory: directory.path)  // released on close
        second.close()
    }

    /// Writes `count` events, closing in between so the last record's byte range is known.
    private func journal(withEvents count: Int, in directory: TemporaryDirectory) throws -> (lastRecord: Range<Int>, events: [HistoryEvent]) {
        let events = (0..<count).map { index in
            HistoryEvent(.eventRaised(name: "e\(index)", input: .empty), at: start.addingTimeInterval(Double(index)))
        }
        var journal = try FileJournal(directory: directory.path)
        for event in events.dropLast() { _ = try journal.append(event, to: "i") }
        journal.close()
        let before = fileSize(try directory.segments().last ?? "")
        journal = try FileJournal(directory: directory.path)
        _ = try journal.append(events[count - 1], to: "i")
        journal.close()
        return (before..<fileSize(try directory.segments().last ?? ""), events)
    }

    @Test func aTornLastRecordIsTruncatedAtEveryByteOffset() throws {
        let original = TemporaryDirectory()
        let (lastRecord, events) = try journal(withEvents: 5, in: original)
        #expect(lastRecord.count > 12)

        for cut in lastRecord {
            let directory = try original.copy()
            let segment = try #require(try directory.segments().last)
            try truncateFile(segment, to: cut)
            let journal = try FileJournal(directory: directory.path, options: .init(log: { _ in }))
            #expect(journal.history(of: "i") == Array(events.dropLast()), "cut at \(cut)")
            if cut == lastRecord.lowerBound {
                #expect(journal.recoveryReport.tornTail == nil)
            } else {
                let torn = journal.recoveryReport.tornTail
                #expect(torn?.file == segment && torn?.offset == lastRecord.lowerBound, "cut at \(cut)")
                #expect(torn?.bytesRemoved == cut - lastRecord.lowerBound, "cut at \(cut)")
            }
            journal.close()
            #expect(fileSize(segment) == lastRecord.lowerBound, "the torn bytes are gone from disk")
        }
    }

    @Test func aZeroFilledTailIsTreatedAsTorn() throws {
        let directory = TemporaryDirectory()
        let (lastRecord, events) = try journal(withEvents: 3, in: directory)
        let segment = try #require(try directory.segments().last)
        try truncateFile(segment, to: lastRecord.upperBound + 4_096)  // extended with zeros, as a lost page write leaves it

        let journal = try FileJournal(directory: directory.path, options: .init(log: { _ in }))
        defer { journal.close() }
        #expect(journal.history(of: "i") == events)
        #expect(journal.recoveryReport.tornTail?.bytesRemoved == 4_096)
    }

    @Test func corruptionBeforeTheEndIsATypedErrorNamingFileAndOffset() throws {
        let directory = TemporaryDirectory()
        let (_, events) = try journal(withEvents: 6, in: directory)
        let segment = try #require(try directory.segments().last)
        let headerSize = 16
        let secondRecord = try {
            // Frames are length | crc(length) | crc(body) | body; skip the first.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
            let length = Int(bytes[headerSize]) | Int(bytes[headerSize + 1]) << 8 | Int(bytes[headerSize + 2]) << 16
            return headerSize + 12 + length
        }()

        for flip in [secondRecord + 1, secondRecord + 14] {  // in the length, then in the body
            let damaged = try directory.copy()
            let file = try #require(try damaged.segments().last)
            try flipByte(in: file, at: flip)

            do {
                _ = try FileJournal(directory: damaged.path)
                Issue.record("opened a corrupt journal")
            } catch JournalError.corruptRecord(let name, let offset, let reason) {
                #expect(name == file)
                #expect(offset == secondRecord)
                #expect(!reason.isEmpty)
            }

            let repaired = try FileJournal(directory: damaged.path, options: .init(repairCorruption: true, log: { _ in }))
            #expect(repaired.history(of: "i") == [events[0]])
            #expect(repaired.recoveryReport.repair?.offset == secondRecord)
            #expect(repaired.recoveryReport.repair?.file == file)
            #expect((repaired.recoveryReport.repair?.bytesDropped ?? 0) > 0)
            repaired.close()
            #expect(fileSize(file) == secondRecord)
        }
    }
}
