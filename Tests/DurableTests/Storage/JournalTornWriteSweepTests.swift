@testable import Durable
import Foundation
import Testing

/// Issue 13, the torn-write sweep: a crash can leave the newest segment's unsynced end cut at any
/// byte, or zero-filled from any sector boundary (or from the damaged record's start). Every such
/// directory opens, twice in a row, holding exactly the records wholly before the damage.
@Suite struct JournalTornWriteSweepTests {
    /// Restores `damaged` into `work` and opens it twice. Each open must hold `expected`; the
    /// first must report the tail cut back to `validEnd` (none if nothing was removed), the second
    /// none; and what was kept of the newest segment must be its original bytes.
    private func openTwice(
        _ damaged: JournalFiles, of original: JournalFiles, _ name: String, expected: [String: [HistoryEvent]], validEnd: Int,
        in work: String, _ failures: inout SweepFailures
    ) {
        failures.count()
        let newest = original.newestSegment
        let path = "\(work)/\(newest)"
        let length = damaged.bytes(of: newest).count
        do {
            try damaged.restore(into: work)
            for open in 1...2 {
                let (histories, report) = try openAndClose(work)
                failures.check(histories == expected, "\(name), open \(open): holds \(histories.mapValues(\.count)), not \(expected.mapValues(\.count))")
                let expectedTear = open == 1 && length != validEnd
                    ? RecoveryReport.TornTail(file: path, offset: validEnd, bytesRemoved: length - validEnd) : nil
                failures.check(report.tornTail == expectedTear, "\(name), open \(open): torn tail \(String(describing: report.tornTail))")
                let kept = max(validEnd, FileHeader.size)
                let now = try readFile(path)
                failures.check(
                    Array(now.prefix(kept)) == Array(original.bytes(of: newest).prefix(kept)),
                    "\(name), open \(open): the kept bytes of the newest segment changed")
            }
        } catch {
            failures.check(false, "\(name): \(error)")
        }
    }

    /// In four interleaved parts, run in parallel: an open mostly waits for its syncs.
    @Test(arguments: 0..<4)
    func cuttingTheUnsyncedTailAtEveryByteKeepsExactlyTheRecordsBeforeTheCut(part: Int) async throws {
        let clock = ContinuousClock.now
        let original = try await buildSweepJournal(tail: 20).unmarkedTail
        let newest = original.newestSegment
        let length = original.bytes(of: newest).count
        let start = original.unmarkedTailStart
        let tail = original.unmarkedTail
        try #require(tail.count == 21, "the last batch (a marker and 20 records) is not wholly unmarked")

        let failures = try await onItsOwnThread {
            let work = TemporaryDirectory()
            var failures = SweepFailures()
            for cut in start...length where (cut - start) % 4 == part {
                let damaged = original.changing(newest) { $0.removeSubrange(cut...) }
                let expected = original.histories { $0.file != newest || $0.range.upperBound <= cut }
                let validEnd = tail.last { $0.range.upperBound <= cut }?.range.upperBound ?? start
                openTwice(damaged, of: original, "cut at \(cut) of \(length)", expected: expected, validEnd: validEnd, in: work.path, &failures)
            }
            return failures
        }
        failures.report("cut sweep, part \(part + 1) of 4")
        print("torn-write cut sweep, part \(part + 1) of 4: \(failures.cases) cases in \(ContinuousClock.now - clock)")
    }

    @Test func zeroFillingTheUnsyncedTailFromEverySectorBoundaryOrRecordStartKeepsTheRecordsBeforeIt() async throws {
        let clock = ContinuousClock.now
        let original = try await buildSweepJournal(tail: 20).unmarkedTail
        let newest = original.newestSegment
        let bytes = original.bytes(of: newest)
        let start = original.unmarkedTailStart
        let tail = original.unmarkedTail
        let boundaries = Array(stride(from: (start + 511) / 512 * 512, to: bytes.count, by: 512))
        try #require(boundaries.count >= 2, "the unmarked tail crosses fewer than two 512-byte boundaries")

        let roundedUp = { (size: Int, unit: Int) in (size + unit - 1) / unit * unit }
        let lengths = Set([bytes.count, roundedUp(bytes.count, 512), roundedUp(bytes.count, 4_096) + 4_096])
        let failures = try await onItsOwnThread {
            let work = TemporaryDirectory()
            var failures = SweepFailures()
            for zeroFrom in Set(boundaries + tail.map(\.range.lowerBound) + [bytes.count]).sorted() {
                for length in lengths.sorted() where length > zeroFrom {
                    let damaged = original.changing(newest) { file in
                        file.replaceSubrange(zeroFrom..., with: repeatElement(0, count: length - zeroFrom))
                    }
                    // A record survives if the zeros left its bytes as they were.
                    let intact = { (range: Range<Int>) in range.upperBound <= zeroFrom || bytes[zeroFrom..<range.upperBound].allSatisfy { $0 == 0 } }
                    let expected = original.histories { $0.file != newest || intact($0.range) }
                    let validEnd = tail.prefix { intact($0.range) }.last?.range.upperBound ?? start
                    let name = "zeros from \(zeroFrom) to \(length) (file was \(bytes.count))"
                    openTwice(damaged, of: original, name, expected: expected, validEnd: validEnd, in: work.path, &failures)
                }
            }
            return failures
        }
        failures.report("zero-fill sweep")
        print("torn-write zero-fill sweep: \(failures.cases) cases in \(ContinuousClock.now - clock)")
    }

    @Test func cuttingOrZeroingTheHeaderOfANewSegmentOpensAsTorn() async throws {
        let clock = ContinuousClock.now
        let original = try await buildSweepJournal(tail: 1).headerOnly
        let newest = original.newestSegment
        let failures = try await onItsOwnThread {
            let work = TemporaryDirectory()
            var failures = SweepFailures()
            // Cut anywhere in the header: the segment is rewritten, nothing synced is lost.
            for cut in 0..<FileHeader.size {
                let damaged = original.changing(newest) { $0.removeSubrange(cut...) }
                openTwice(damaged, of: original, "header cut at \(cut)", expected: original.histories, validEnd: 0, in: work.path, &failures)
            }
            // Zeros over the header, or after it, to where a lost page write ends.
            for length in [FileHeader.size, 512, 4_096] {
                let zeroed = original.changing(newest) { $0 = Array(repeating: 0, count: length) }
                openTwice(zeroed, of: original, "zeroed header, \(length) bytes", expected: original.histories, validEnd: 0, in: work.path, &failures)
                guard length > FileHeader.size else { continue }
                let extended = original.changing(newest) { $0.append(contentsOf: repeatElement(0, count: length - FileHeader.size)) }
                let name = "header then zeros to \(length)"
                openTwice(extended, of: original, name, expected: original.histories, validEnd: FileHeader.size, in: work.path, &failures)
            }
            return failures
        }
        failures.report("header sweep")
        print("torn-write header sweep: \(failures.cases) cases in \(ContinuousClock.now - clock)")
    }
}
