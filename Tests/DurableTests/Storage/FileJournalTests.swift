@testable import Durable
import Foundation
import Testing

@Suite struct FileJournalTests {
    private let start = Date(timeIntervalSinceReferenceDate: 800_000_000)

    /// One event of every kind, so the binary encoding is exercised whole.
    private func everyKind() throws -> [HistoryEvent] {
        let payload = try Payload(encoding: ["a": 1])
        let failure = FailureDetails(errorType: "App.Error", message: "nope ✗")
        let kinds: [HistoryEvent.Kind] = [
            .executionStarted(
                name: "Flow", input: payload, parent: ParentInstance(instanceId: "p", sequence: 3, executionId: "0123456789abcde"),
                scheduledStart: start, executionId: "edcba9876543210"),
            .executionStarted(name: "Flow", input: payload, parent: nil, scheduledStart: nil),  // empty ids
            .taskScheduled(sequence: 0, name: "A", input: payload, attempt: 2),
            .taskCompleted(sequence: 0, result: payload),
            .taskFailed(sequence: 1, failure: failure),
            .subOrchestrationCreated(sequence: 2, name: "Child", instanceId: "c", input: .empty),
            .subOrchestrationCompleted(sequence: 2, result: payload),
            .subOrchestrationFailed(sequence: 4, failure: failure),
            .timerCreated(sequence: 5, fireAt: start.addingTimeInterval(60)),
            .timerFired(sequence: 5, fireAt: start.addingTimeInterval(60)),
            .eventRaised(name: "go", input: payload),
            .eventRaised(name: "sent", input: payload, sourceEventId: "sender/1f/6"),
            .eventSent(sequence: 6, instanceId: "other", name: "ping", input: payload),  // kind 11: no target execution
            .eventSent(sequence: 7, instanceId: "other", name: "ping", input: payload, targetExecution: "0123456789abcde"),
            .eventSent(sequence: 8, instanceId: "gone", name: "ping", input: payload, targetExecution: ""),
            .executionSuspended(reason: "why"),
            .executionResumed(reason: nil),
            .customStatusSet(payload),
            .executionTerminated(reason: "stop"),
            .executionTerminated(reason: "stop", includeSubOrchestrations: true),
            .executionTerminated(reason: nil, includeSubOrchestrations: true),
            .executionCompleted(output: payload),
            .executionFailed(failure),
        ]
        return kinds.enumerated().map { HistoryEvent($1, at: start.addingTimeInterval(Double($0) * 0.001)) }
    }

    /// An `ExecutionStarted` written before executions had ids (kind 1, no id fields) still
    /// decodes, with empty ids; a build now writes kind 18.
    @Test func anExecutionStartedWrittenBeforeExecutionIdsStillDecodes() throws {
        let payload = try Payload(encoding: ["a": 1])
        var writer = BinaryWriter()
        writer.date(start)
        writer.byte(1)
        writer.string("Flow")
        writer.data(payload.data)
        writer.optional(ParentInstance(instanceId: "p", sequence: 3)) { $0.string($1.instanceId); $0.int($1.sequence) }
        writer.optional(start) { $0.date($1) }
        let legacy = try writer.bytes.withUnsafeBytes { bytes in
            var reader = BinaryReader(bytes)
            defer { #expect(reader.isAtEnd) }
            return try reader.event()
        }
        #expect(legacy == HistoryEvent(
            .executionStarted(
                name: "Flow", input: payload, parent: ParentInstance(instanceId: "p", sequence: 3, executionId: ""),
                scheduledStart: start, executionId: ""),
            at: start))

        var current = BinaryWriter()
        current.event(HistoryEvent(.executionStarted(name: "Flow", input: payload, parent: nil, scheduledStart: nil, executionId: "e"), at: start))
        #expect(current.bytes[8] == 18)  // after the 8-byte timestamp
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
            _ = try journal.removeHistory(of: "gone")
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

    /// Writes `count` events to instance "i" and returns a copy of the directory as a kill right
    /// after the last one was synced leaves it: the last record follows the last sync marker, so
    /// no marker vouches for it (only its shape tells a tear from damage).
    private func journal(withEvents count: Int, in directory: TemporaryDirectory) async throws
        -> (copy: TemporaryDirectory, lastRecord: Range<Int>, events: [HistoryEvent])
    {
        let events = (0..<count).map { index in
            HistoryEvent(.eventRaised(name: "e\(index)", input: .empty), at: start.addingTimeInterval(Double(index)))
        }
        let journal = try FileJournal(directory: directory.path)
        defer { journal.close() }
        var last = JournalPosition(0)
        for event in events.dropLast() { last = try journal.append(event, to: "i") }
        try await journal.waitUntilDurable(last)
        try await journal.waitUntilDurable(try journal.append(events[count - 1], to: "i"))
        let copy = try directory.copy()
        let segment = try #require(try copy.segments().last)
        let frames = try recordFrames(in: segment)
        return (copy, try #require(frames.last), events)
    }

    @Test func aTornLastRecordIsTruncatedAtEveryByteOffset() async throws {
        let (original, lastRecord, events) = try await journal(withEvents: 5, in: TemporaryDirectory())
        #expect(lastRecord.count > JournalRecord.frameHeaderSize)

        for cut in lastRecord {
            let directory = try original.copy()
            let segment = try #require(try directory.segments().last)
            try truncateFile(segment, to: cut)
            for open in 1...2 {  // the second open finds the repaired file
                let journal = try FileJournal(directory: directory.path, options: .init(log: { _ in }))
                #expect(journal.history(of: "i") == Array(events.dropLast()), "cut at \(cut), open \(open)")
                if cut == lastRecord.lowerBound || open == 2 {
                    #expect(journal.recoveryReport.tornTail == nil, "cut at \(cut), open \(open)")
                } else {
                    let torn = journal.recoveryReport.tornTail
                    #expect(torn?.file == segment && torn?.offset == lastRecord.lowerBound, "cut at \(cut)")
                    #expect(torn?.bytesRemoved == cut - lastRecord.lowerBound, "cut at \(cut)")
                }
                journal.close()
            }
        }
    }

    @Test func aZeroFilledTailIsTreatedAsTorn() async throws {
        let (directory, lastRecord, events) = try await journal(withEvents: 3, in: TemporaryDirectory())
        let segment = try #require(try directory.segments().last)
        try truncateFile(segment, to: lastRecord.upperBound + 4_096)  // extended with zeros, as a lost page write leaves it

        let journal = try FileJournal(directory: directory.path, options: .init(log: { _ in }))
        defer { journal.close() }
        #expect(journal.history(of: "i") == events)
        #expect(journal.recoveryReport.tornTail?.bytesRemoved == 4_096)
    }

    @Test func corruptionOfASyncedRecordIsATypedErrorNamingFileAndOffset() async throws {
        let (directory, _, events) = try await journal(withEvents: 6, in: TemporaryDirectory())
        let segment = try #require(try directory.segments().last)
        let second = try recordFrames(in: segment)[1]

        for flip in [second.lowerBound + 1, second.lowerBound + 24] {  // in the length, then in the body
            let damaged = try directory.copy()
            let file = try #require(try damaged.segments().last)
            try flipByte(in: file, at: flip)

            do {
                _ = try FileJournal(directory: damaged.path)
                Issue.record("opened a corrupt journal")
            } catch JournalError.corruptRecord(let name, let offset, let reason) {
                #expect(name == file)
                #expect(offset == second.lowerBound)
                #expect(!reason.isEmpty)
            }

            // Repair sets aside only the damaged record: the instance keeps the one event before
            // it, and the report names the instance and every intact event it could not keep.
            let repaired = try FileJournal(directory: damaged.path, options: .init(repairCorruption: true, log: { _ in }))
            #expect(repaired.history(of: "i") == [events[0]])
            let repair = try #require(repaired.recoveryReport.repair)
            #expect(repair.damage.first?.file == file)
            #expect(repair.damage.first?.offset == second.lowerBound)
            #expect(repair.losses.map(\.instanceId) == ["i"])
            #expect(repair.losses.first?.firstLostEvent == 1)
            #expect(repair.losses.first?.droppedEvents == Array(events[2...]))
            repaired.close()

            let reopened = try FileJournal(directory: damaged.path)
            #expect(reopened.history(of: "i") == [events[0]])
            #expect(reopened.recoveryReport.repair == nil)
            reopened.close()
        }
    }
}

/// The byte ranges of the records in a journal file, sync markers left out.
func recordFrames(in path: String) throws -> [Range<Int>] {
    let bytes = try readFile(path)
    return bytes.withUnsafeBytes { buffer in
        var frames: [Range<Int>] = []
        var offset = FileHeader.size
        while case .record(let body, let frame) = RecordFrame.parse(buffer, at: offset) {
            if case .syncMarker = try? JournalRecord(body: body) {} else { frames.append(frame.start..<frame.end) }
            offset = frame.end
        }
        return frames
    }
}
