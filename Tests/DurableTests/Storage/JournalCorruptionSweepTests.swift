@testable import Durable
import Foundation
import Testing

/// Issue 13, the corruption sweep: a bit flipped anywhere the journal knows was synced, and every
/// way of losing, cutting, replacing or misplacing a file. Each case opens with exactly the
/// original histories or throws a typed error naming the damaged file (and, for a damaged
/// record, an offset inside it); repair then keeps everything outside the damage, and the next
/// plain open holds exactly what the repair held.
@Suite struct JournalCorruptionSweepTests {
    struct Damage {
        var name: String
        var files: JournalFiles
        /// Damage done in the directory after the files are restored (a FIFO, a directory).
        var prepare: ((String) throws -> Void)?
        /// The files a plain open's error may name.
        var named: Set<String>
        /// For a damaged record: where the error's offset must lie.
        var record: Range<Int>?
        /// The error a plain open must throw, when only one is right.
        var error: ((String) -> JournalError)?
        /// The events the damage may take with it.
        var lost: (JournalFiles.Location) -> Bool
        /// Files that are not the journal's to delete: after every open, each is still in place or in `damaged/`.
        var preserved: [String] = []
    }

    private func check(_ damage: Damage, against original: JournalFiles, in work: String, _ failures: inout SweepFailures) {
        failures.count()
        let name = damage.name
        do {
            try damage.files.restore(into: work)
            try damage.prepare?(work)
            do {
                let (histories, _) = try openAndClose(work)
                failures.check(histories == original.histories, "\(name): opened holding \(histories.mapValues(\.count))")
                checkPreserved(damage, in: work, &failures)
                return
            } catch let error as JournalError {
                failures.check(error.isRepairable, "\(name): \(error) is not a damage error")
                failures.check(damage.named.contains { "\(work)/\($0)" == error.file }, "\(name): \(error) does not name \(damage.named)")
                if let record = damage.record, case .corruptRecord(_, let offset, _) = error {
                    failures.check(record.contains(offset), "\(name): offset \(offset) is outside the damaged record \(record)")
                }
                if let expected = damage.error?(work) { failures.check(error == expected, "\(name): \(error), not \(expected)") }
            }
            let (repaired, report) = try openAndClose(work, repair: true)
            checkRepair(damage, repaired, report.repair, against: original, in: work, &failures)
            let (reopened, again) = try openAndClose(work)
            failures.check(reopened == repaired, "\(name): the next plain open holds \(reopened.mapValues(\.count)), repair held \(repaired.mapValues(\.count))")
            failures.check(again.repair == nil && again.tornTail == nil, "\(name): the next plain open still repaired: \(again)")
            checkPreserved(damage, in: work, &failures)
        } catch {
            failures.check(false, "\(name): \(error)")
        }
    }

    /// Every instance keeps a prefix of its history. One not named in the losses lost only events
    /// in the damage; a named one lost from `firstLostEvent`, an event in the damage, and lists
    /// every intact event after it that it had to drop.
    private func checkRepair(
        _ damage: Damage, _ repaired: [String: [HistoryEvent]], _ repair: RecoveryReport.Repair?, against original: JournalFiles,
        in work: String, _ failures: inout SweepFailures
    ) {
        let name = damage.name
        guard let repair else { return failures.check(false, "\(name): repair reported nothing") }
        failures.check(Set(repaired.keys).isSubset(of: original.histories.keys), "\(name): repair invented instances \(repaired.keys)")
        let losses = Dictionary(uniqueKeysWithValues: repair.losses.map { ($0.instanceId, $0) })
        for (instance, events) in original.histories {
            let kept = repaired[instance] ?? []
            guard kept.count <= events.count, Array(events.prefix(kept.count)) == kept else {
                failures.check(false, "\(name): '\(instance)' kept \(kept.count) events that are not a prefix of its history")
                continue
            }
            let lost = Array(zip(events[kept.count...], (original.locations[instance] ?? [])[kept.count...]))
            if let loss = losses[instance] {
                failures.check(loss.firstLostEvent == kept.count, "\(name): '\(instance)' kept \(kept.count) events, lost from #\(loss.firstLostEvent)")
                // Nothing lost at all: a damaged record's id named it, right where its history ends.
                failures.check(lost.first.map { damage.lost($0.1) } ?? loss.droppedEvents.isEmpty, "\(name): '\(instance)' lost an intact event first")
                failures.check(
                    loss.droppedEvents == lost.filter { !damage.lost($0.1) }.map(\.0),
                    "\(name): '\(instance)' dropped \(loss.droppedEvents.count) intact events, not \(lost.filter { !damage.lost($0.1) }.count)")
            } else {
                failures.check(lost.allSatisfy { damage.lost($0.1) }, "\(name): '\(instance)' lost intact events unreported (kept \(kept.count) of \(events.count))")
            }
        }
        for file in repair.filesSetAside {
            failures.check(FileManager.default.fileExists(atPath: file), "\(name): \(file) was set aside but is not there")
        }
    }

    private func checkPreserved(_ damage: Damage, in work: String, _ failures: inout SweepFailures) {
        for file in damage.preserved {
            let places = ["\(work)/\(file)", "\(work)/damaged/\(file)"]
            failures.check(places.contains { FileManager.default.fileExists(atPath: $0) }, "\(damage.name): \(file) was deleted")
        }
    }

    /// The files a bit is flipped in, one sweep each (they run in parallel: a repair is mostly waiting for syncs).
    enum SweptFile: CaseIterable, Sendable {
        case checkpoint, oldestSealedSegment, newestSealedSegment, manifest, newestSegment

        func name(in journal: JournalFiles) -> String {
            switch self {
            case .checkpoint: journal.checkpoint ?? ""
            case .oldestSealedSegment: journal.sealedSegments.first ?? ""
            case .newestSealedSegment: journal.sealedSegments.last ?? ""
            case .manifest: JournalManifest.fileName
            case .newestSegment: journal.newestSegment
            }
        }
    }

    @Test(arguments: SweptFile.allCases)
    func aFlippedBitAnywhereSyncedIsFoundAndRepairKeepsEverythingElse(_ swept: SweptFile) async throws {
        let clock = ContinuousClock.now
        let original = try await buildSweepJournal(segmentSize: 256, tail: 2).closed
        let file = swept.name(in: original)
        let bytes = original.bytes(of: file)
        try #require(bytes.count > FileHeader.size && original.sealedSegments.count >= 2)
        let failures = try await onItsOwnThread {
            let work = TemporaryDirectory()
            var failures = SweepFailures()
            // In the newest segment, only what its last sync marker vouches for: after it, damage may be a tear.
            for offset in 0..<(swept == .newestSegment ? original.markedEnd : bytes.count) {
                let flipped = original.changing(file) { $0[offset] ^= 1 << UInt8(offset % 8) }
                let record: Range<Int>
                let lost: (JournalFiles.Location) -> Bool
                if offset < FileHeader.size {
                    record = 0..<FileHeader.size
                    lost = { $0.file == file }
                } else if swept == .manifest {
                    record = FileHeader.size..<bytes.count
                    lost = { _ in false }
                } else {
                    guard let frame = original.frames[file]?.first(where: { $0.range.contains(offset) }) else {
                        failures.check(false, "no record at \(offset) of \(file)")
                        continue
                    }
                    record = frame.range
                    lost = { $0.file == file && $0.range == frame.range }
                }
                let damage = Damage(name: "bit \(offset % 8) of byte \(offset) of \(file)", files: flipped, named: [file], record: record, lost: lost)
                check(damage, against: original, in: work.path, &failures)
            }
            return failures
        }
        failures.report("bit-flip sweep of the \(swept)")
        print("corruption bit-flip sweep of the \(swept): \(failures.cases) cases in \(ContinuousClock.now - clock)")
    }

    @Test func everyMissingShortForeignOrMisplacedFileIsFoundAndRepaired() async throws {
        let clock = ContinuousClock.now
        let original = try await buildSweepJournal(sealed: 3, tail: 4).closed
        let manifest = JournalManifest.fileName
        let sealed = original.sealedSegments
        let (oldest, middle, newest) = (sealed[0], sealed[1], original.newestSegment)
        let checkpoint = try #require(original.checkpoint)
        let foreign = try await otherJournalsSegment()
        let number: @Sendable (String) -> Int = { name in Int(name.dropFirst("segment-".count).dropLast(4)) ?? 0 }
        let segmentName: @Sendable (Int) -> String = { number in String(format: "segment-%010d.log", number) }
        let unlisted = segmentName(number(newest) + 50)
        // The cases (closures, not Sendable) are made on the sweep's thread.
        let failures = try await onItsOwnThread {
            let inFile = { (file: String) in { (location: JournalFiles.Location) in location.file == file } }
            let nothing = { (_: JournalFiles.Location) in false }
            let withoutFile = { (file: String) in original.removing(file) }
            let replacing = { (file: String, make: @escaping (String) throws -> Void) in
                { (work: String) in
                    try FileManager.default.removeItem(atPath: "\(work)/\(file)")
                    try make("\(work)/\(file)")
                }
            }
            let makeDirectory = { (path: String) in try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
            let makeFIFO = { (path: String) in
                guard mkfifo(path, 0o644) == 0 else { throw JournalError.io(operation: "mkfifo", path: path, errno: errno) }
            }
            let middleFrames = try #require(original.frames[middle])
            let boundary = middleFrames[middleFrames.count / 2].range.lowerBound

            var cases: [Damage] = []
            for (label, file) in [("oldest", oldest), ("middle", middle), ("newest", newest), ("checkpoint", checkpoint)] {
                cases.append(Damage(name: "\(label) segment deleted", files: withoutFile(file), named: [file], lost: inFile(file)))
            }
            cases.append(Damage(name: "manifest deleted", files: withoutFile(manifest), named: [manifest], lost: nothing))
            cases.append(
                Damage(
                    name: "sealed segment cut at a record boundary", files: original.changing(middle) { $0.removeSubrange(boundary...) },
                    named: [middle], error: { .truncatedFile(file: "\($0)/\(middle)", expectedLength: original.bytes(of: middle).count, actualLength: boundary) },
                    lost: { $0.file == middle && $0.range.lowerBound >= boundary }))
            cases.append(
                Damage(
                    name: "sealed segment cut mid-record", files: original.changing(middle) { $0.removeSubrange((boundary + 7)...) },
                    named: [middle], lost: { $0.file == middle && $0.range.upperBound > boundary + 7 }))
            cases.append(Damage(name: "another journal's segment in place of one", files: original.changing(middle) { $0 = foreign }, named: [middle], lost: inFile(middle), preserved: [middle]))
            cases.append(Damage(name: "another journal's segment, unlisted", files: original.changing(unlisted) { $0 = foreign }, named: [unlisted], lost: nothing, preserved: [unlisted]))
            cases.append(Damage(name: "another journal's segment-0000000000.log", files: original.changing(segmentName(0)) { $0 = foreign }, named: [segmentName(0)], lost: nothing, preserved: [segmentName(0)]))
            cases.append(Damage(name: "junk segment-0000000000.log", files: original.changing(segmentName(0)) { $0 = Array("not a journal\n".utf8) }, named: [segmentName(0)], lost: nothing, preserved: [segmentName(0)]))
            for file in [oldest, checkpoint, newest, manifest] {
                let lost = file == manifest ? nothing : inFile(file)
                cases.append(Damage(name: "bad magic at offset 0 of \(file)", files: original.changing(file) { $0[0] = UInt8(ascii: "X") }, named: [file], record: 0..<1, lost: lost))
                cases.append(
                    Damage(
                        name: "unknown format version in \(file)", files: original.withFormatVersion(3, in: file), named: [file],
                        error: { .unsupportedFormat(file: "\($0)/\(file)", version: 3, supported: FileHeader.formatVersion) }, lost: lost,
                        preserved: file == manifest ? [] : [file]))
                if file != newest {  // an empty newest segment is a torn one (see the torn-write sweep)
                    cases.append(Damage(name: "\(file) emptied", files: original.changing(file) { $0 = [] }, named: [file], lost: lost))
                }
            }
            cases.append(Damage(name: "\(middle) renamed to \(unlisted)", files: withoutFile(middle).adding(unlisted, original.bytes(of: middle)), named: [middle, unlisted], lost: inFile(middle), preserved: [unlisted]))
            cases.append(
                Damage(
                    name: "\(oldest) and \(middle) swapped", files: original.changing(oldest) { $0 = original.bytes(of: middle) }.changing(middle) { $0 = original.bytes(of: oldest) },
                    named: [oldest, middle], lost: { $0.file == oldest || $0.file == middle }, preserved: [oldest, middle]))
            for file in [middle, newest, checkpoint, manifest] {
                let lost = file == manifest ? nothing : inFile(file)
                cases.append(Damage(name: "a directory at \(file)", files: original, prepare: replacing(file, makeDirectory), named: [file], lost: lost, preserved: [file]))
                cases.append(Damage(name: "a FIFO at \(file)", files: original, prepare: replacing(file, makeFIFO), named: [file], lost: lost, preserved: [file]))
            }
            cases.append(Damage(name: "someone's notes.tmp", files: original.adding("notes.tmp", Array("mine\n".utf8)), named: [], lost: nothing, preserved: ["notes.tmp"]))
            let next = segmentName(number(newest) + 1)
            cases.append(Damage(name: "a directory at \(next)", files: original, prepare: { try makeDirectory("\($0)/\(next)") }, named: [next], lost: nothing, preserved: [next]))
            cases.append(Damage(name: "a FIFO at \(next)", files: original, prepare: { try makeFIFO("\($0)/\(next)") }, named: [next], lost: nothing, preserved: [next]))

            let work = TemporaryDirectory()
            var failures = SweepFailures()
            for damage in cases { check(damage, against: original, in: work.path, &failures) }
            return failures
        }
        failures.report("file sweep")
        print("corruption file sweep: \(failures.cases) cases in \(ContinuousClock.now - clock)")
    }
}
