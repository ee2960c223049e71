@testable import Durable
import Foundation
import Testing

/// Issue 13, items 1 to 7, one test each. Every one of them failed on the format before the
/// manifest (16-byte headers, no sync markers, no record chains).
@Suite struct JournalIntegrityTests {
    private func isPart(_ frame: JournalFiles.Frame) -> Bool {
        if case .replacePart = frame.record { true } else { false }
    }

    @Test func item1_aHistoryLargerThanThePartSizeIsWrittenInPartsAndReadsBackWhole() async throws {
        var writer = try JournalWriter(segmentSize: 64 << 20, partSize: 4_096)
        let events = (0..<200).map { sweepEvent($0, payloadSize: 100) }
        try await writer.round(["small"])
        try await writer.replace("big", with: events)
        let written = try writer.files()
        let parts = (written.frames[written.newestSegment] ?? []).filter(isPart)
        #expect(parts.count >= 5)
        #expect(parts.allSatisfy { $0.range.count - JournalRecord.frameHeaderSize <= 4_096 + 64 }, "a part is larger than the part size")
        try writer.reopen()
        #expect(writer.journal.history(of: "big") == events)

        try await writer.journal.compact()  // the checkpoint writes it in parts too
        let compacted = try writer.files()
        #expect((compacted.frames[try #require(compacted.checkpoint)] ?? []).filter(isPart).count == parts.count)
        try writer.reopen()
        #expect(writer.journal.allHistories() == writer.histories)
        writer.journal.close()
    }

    @Test func item1_aTornWriteInsideAHistoryWrittenInPartsAppliesNoneOfThem() async throws {
        var writer = try JournalWriter(segmentSize: 64 << 20, partSize: 4_096)
        try await writer.round(["big", "big", "other"])
        let old = writer.histories
        try writer.reopen(.buffered)  // the replacement follows the last sync marker, as a kill leaves it
        let events = (0..<200).map { sweepEvent(1_000 + $0, payloadSize: 100) }
        try await writer.replace("big", with: events)
        let original = try writer.files()
        writer.journal.close()
        let newest = original.newestSegment
        let length = original.bytes(of: newest).count
        let parts = original.unmarkedTail.filter(isPart)
        try #require(parts.count >= 5 && parts.last?.range.upperBound == length)
        let start = parts[0].range.lowerBound

        var damages = parts.dropFirst().map { part in
            ("cut between parts at \(part.range.lowerBound)", original.changing(newest) { $0.removeSubrange(part.range.lowerBound...) })
        }
        for part in parts {
            let middle = part.range.lowerBound + part.range.count / 2
            damages.append(("cut inside a part at \(middle)", original.changing(newest) { $0.removeSubrange(middle...) }))
        }
        let sector = (parts[2].range.lowerBound / 512 + 1) * 512
        for end in [length, (length / 4_096 + 1) * 4_096] {
            let zeroed = original.changing(newest) { $0.replaceSubrange(sector..., with: repeatElement(0, count: end - sector)) }
            damages.append(("zeros from \(sector) to \(end)", zeroed))
        }
        for (name, damaged) in damages {
            let directory = try directory(holding: damaged)
            let size = damaged.bytes(of: newest).count
            for open in 1...2 {
                let (histories, report) = try openAndClose(directory.path)
                #expect(histories == old, "\(name), open \(open): the replacement was applied in part")
                let torn = open == 1 ? RecoveryReport.TornTail(file: "\(directory.path)/\(newest)", offset: start, bytesRemoved: size - start) : nil
                #expect(report.tornTail == torn, "\(name), open \(open)")
            }
        }
        let whole = try directory(holding: original)
        #expect(try openAndClose(whole.path).histories["big"] == events)
    }

    @Test func item1_anAppendOverTheFrameLimitIsRefusedAndTheJournalStaysUsable() async throws {
        let huge = HistoryEvent(
            .eventRaised(name: "huge", input: Payload(data: Data(count: JournalRecord.maximumLength))), at: Date(timeIntervalSinceReferenceDate: 0))
        // Framing a quarter-gigabyte record takes a while: off the cooperative pool, like the sweeps.
        let (framingError, framed) = try await onItsOwnThread { () -> (JournalError?, [UInt8]) in
            var framed: [UInt8] = [1, 2, 3]
            let error = Self.error { try JournalRecord.append(instanceId: "i", event: huge).frame(into: &framed) }
            return (error, framed)
        }
        #expect(framingError == .recordTooLarge(instanceId: "i", size: framingError?.recordSize ?? 0, limit: JournalRecord.maximumLength))
        #expect((framingError?.recordSize ?? 0) > JournalRecord.maximumLength)
        #expect(framed == [1, 2, 3], "the buffer holds part of the refused record")

        let directory = TemporaryDirectory()
        let journal = try FileJournal(directory: directory.path, options: sweepOptions())
        let first = sweepEvent(0)
        try await journal.waitUntilDurable(try journal.append(first, to: "i"))
        let (appendError, replaceError) = try await onItsOwnThread {
            (Self.error { _ = try journal.append(huge, to: "i") }, Self.error { _ = try journal.replaceHistory(of: "j", with: [huge]) })
        }
        #expect(appendError == .recordTooLarge(instanceId: "i", size: appendError?.recordSize ?? 0, limit: JournalRecord.maximumLength))
        #expect(replaceError == .recordTooLarge(instanceId: "j", size: replaceError?.recordSize ?? 0, limit: JournalRecord.maximumLength))
        #expect(journal.history(of: "i") == [first])
        #expect(journal.history(of: "j") == nil)
        let second = sweepEvent(1)
        try await journal.waitUntilDurable(try journal.append(second, to: "i"))
        journal.close()
        let reopened = try openAndClose(directory.path)
        #expect(reopened.histories == ["i": [first, second]])
        #expect(reopened.report.tornTail == nil)
    }

    private static func error(_ body: () throws -> Void) -> JournalError? {
        do {
            try body()
            return nil
        } catch {
            return error as? JournalError
        }
    }

    @Test func item2_aNewestSegmentCutInsideItsHeaderOpensTwice() async throws {
        var writer = try JournalWriter(segmentSize: 64 << 20)
        try await writer.round(["i", "j"])
        try await writer.journal.compact()  // seals the segment: the newest one is a bare header
        writer.journal.close()
        let original = try writer.files()
        let newest = original.newestSegment
        try #require(original.bytes(of: newest).count == FileHeader.size)

        var damages = (0...15).map { cut in ("cut to \(cut) bytes", original.changing(newest) { $0.removeSubrange(cut...) }) }
        damages.append(("zero-filled header", original.changing(newest) { $0 = Array(repeating: 0, count: FileHeader.size) }))
        for (name, damaged) in damages {
            let directory = try directory(holding: damaged)
            for open in 1...2 {
                do {
                    let (histories, report) = try openAndClose(directory.path)
                    #expect(histories == original.histories, "\(name), open \(open)")
                    if open == 2 { #expect(report.tornTail == nil, "\(name), open 2") }
                } catch {
                    Issue.record("\(name), open \(open): \(error)")
                }
            }
        }
    }

    @Test func item3_aZeroFilledTailStartingInsideTheLastRecordIsTorn() async throws {
        var writer = try JournalWriter(segmentSize: 64 << 20)
        try await writer.round(["i", "j"])
        let before = writer.histories
        try writer.reopen(.buffered)
        try await writer.round(["i"], payloadSize: 6_000)
        let original = try writer.files()
        writer.journal.close()
        let newest = original.newestSegment
        let last = try #require(original.unmarkedTail.last).range
        let length = original.bytes(of: newest).count
        try #require(last.upperBound == length)

        for unit in [512, 4_096] {
            let boundary = (last.lowerBound / unit + 1) * unit
            try #require(boundary < last.upperBound, "the last record does not cross a \(unit)-byte boundary")
            for end in [length, (length / 4_096 + 1) * 4_096] {
                let name = "zeros from the \(unit)-byte boundary \(boundary) to \(end)"
                let directory = try directory(holding: original.changing(newest) { $0.replaceSubrange(boundary..., with: repeatElement(0, count: end - boundary)) })
                for open in 1...2 {
                    let (histories, report) = try openAndClose(directory.path)
                    #expect(histories == before, "\(name), open \(open)")
                    let torn = open == 1 ? RecoveryReport.TornTail(file: "\(directory.path)/\(newest)", offset: last.lowerBound, bytesRemoved: end - last.lowerBound) : nil
                    #expect(report.tornTail == torn, "\(name), open \(open)")
                }
            }
        }
    }

    @Test func item4_aFlippedBitInACompleteLastRecordIsCorruptionNotATear() async throws {
        var closing = try JournalWriter(segmentSize: 64 << 20)
        for _ in 0..<3 { try await closing.round(["i"]) }
        closing.journal.close()  // its final sync marker vouches for the last record
        var killed = try JournalWriter(segmentSize: 64 << 20)
        for _ in 0..<3 { try await killed.round(["i"]) }
        try killed.reopen(.buffered)
        try await killed.round(["i"])  // no marker vouches for this one: only its shape can tell
        let unmarked = try killed.files()
        killed.journal.close()

        for (state, original, isSynced) in [("after a clean close", try closing.files(), true), ("after a kill", unmarked, false)] {
            let newest = original.newestSegment
            let last = try #require(original.frames[newest]?.last { if case .append = $0.record { true } else { false } }).range
            if !isSynced { try #require(original.unmarkedTail.last?.range == last) }
            for (part, offset) in [("length", last.lowerBound + 1), ("body", last.lowerBound + 25), ("last byte", last.upperBound - 1)] {
                let directory = try directory(holding: original.changing(newest) { $0[offset] ^= 0x10 })
                do {
                    _ = try openAndClose(directory.path)
                    Issue.record("\(state), flipped \(part): opened as if nothing were wrong")
                } catch JournalError.corruptRecord(let file, let at, let reason) {
                    #expect(file == "\(directory.path)/\(newest)" && at == last.lowerBound, "\(state), flipped \(part)")
                    if !isSynced { #expect(!reason.contains("known to be synced"), "\(state), flipped \(part): \(reason)") }
                }
            }
        }
    }

    @Test func item5_aMissingShortOrForeignFileIsATypedErrorNamingIt() async throws {
        let original = try await buildSweepJournal(sealed: 3, segmentSize: 256, tail: 2).closed
        let sealed = original.sealedSegments
        let checkpoint = try #require(original.checkpoint)
        let files = [sealed[0], sealed[1], original.newestSegment, checkpoint, JournalManifest.fileName]
        for (label, file) in zip(["oldest segment", "middle segment", "newest segment", "checkpoint", "manifest"], files) {
            let directory = try directory(holding: original.removing(file))
            do {
                _ = try openAndClose(directory.path)
                Issue.record("\(label) deleted: opened")
            } catch JournalError.missingFile(let named, _) {
                #expect(named == "\(directory.path)/\(file)", "\(label) deleted")
            }
        }

        let middle = sealed[1]
        let boundary = try #require(original.frames[middle]?[2].range.lowerBound)
        let cut = try directory(holding: original.changing(middle) { $0.removeSubrange(boundary...) })
        #expect(throws: JournalError.truncatedFile(file: "\(cut.path)/\(middle)", expectedLength: original.bytes(of: middle).count, actualLength: boundary)) {
            try openAndClose(cut.path)
        }

        let other = try await otherJournalsSegment()
        let foreign = try directory(holding: original.changing(middle) { $0 = other })
        do {
            _ = try openAndClose(foreign.path)
            Issue.record("another journal's segment: opened")
        } catch JournalError.foreignFile(let named, let reason) {
            #expect(named == "\(foreign.path)/\(middle)" && reason.contains("belongs to journal"))
        }
    }

    @Test func item6_aFileInAnUnknownFormatIsNamedAndRepairSetsItAside() async throws {
        let original = try await buildSweepJournal(segmentSize: 256, tail: 2).closed
        let file = original.sealedSegments[0]
        let damaged = original.withFormatVersion(3, in: file)
        let directory = try directory(holding: damaged)
        #expect(throws: JournalError.unsupportedFormat(file: "\(directory.path)/\(file)", version: 3, supported: 2)) {
            try openAndClose(directory.path)
        }
        let (repaired, report) = try openAndClose(directory.path, repair: true)
        let aside = "\(directory.path)/damaged/\(file)"
        #expect(report.repair?.filesSetAside == [aside])
        #expect(try readFile(aside) == damaged.bytes(of: file), "the file was not set aside whole")
        #expect(repaired == original.histories { $0.file != file })
        #expect(try openAndClose(directory.path).histories == repaired)
    }

    @Test func item7_aJunkBadMagicOrEmptyFileIsRepairedKeepingEveryOtherRecord() async throws {
        let original = try await buildSweepJournal(segmentSize: 256, tail: 2).closed
        let segment = original.sealedSegments[0]
        let checkpoint = try #require(original.checkpoint)
        let cases = [
            ("junk segment-0000000000.log", original.adding("segment-0000000000.log", Array("junk".utf8)), original.histories),
            ("bad magic in \(segment)", original.changing(segment) { $0[0] = UInt8(ascii: "X") }, original.histories { $0.file != segment }),
            ("bad magic in \(checkpoint)", original.changing(checkpoint) { $0[0] = UInt8(ascii: "X") }, original.histories { $0.file != checkpoint }),
            ("\(segment) emptied", original.changing(segment) { $0 = [] }, original.histories { $0.file != segment }),
        ]
        for (name, damaged, expected) in cases {
            let directory = try directory(holding: damaged)
            #expect(throws: JournalError.self, "\(name): a plain open") { try openAndClose(directory.path) }
            let (repaired, report) = try openAndClose(directory.path, repair: true)
            #expect(repaired == expected, "\(name): repaired")
            #expect(report.repair?.filesSetAside.count == 1, "\(name): \(String(describing: report.repair))")
            let (reopened, again) = try openAndClose(directory.path)
            #expect(reopened == expected && again.repair == nil, "\(name): the next plain open")
        }
    }
}

extension JournalError {
    fileprivate var recordSize: Int? {
        if case .recordTooLarge(_, let size, _) = self { size } else { nil }
    }
}
