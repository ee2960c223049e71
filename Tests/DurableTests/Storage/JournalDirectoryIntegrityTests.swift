@testable import Durable
import Foundation
import Testing

/// Issue 13, items 8 to 13, one test each: repair after a damaged checkpoint, what the next open
/// holds, the directory lock, a failed rollover, and what is at the journal's path and names.
@Suite struct JournalDirectoryIntegrityTests {
    /// Every regular file under `path` (`damaged/` included), with its bytes.
    private func contents(of path: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: path) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(path)/\(name)", isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = try readFile("\(path)/\(name)")
            }
        }
        return files
    }

    @Test func item8_repairingADamagedCheckpointKeepsEveryLaterSegmentAndLaterRolloversOverwriteNothing() async throws {
        let original = try await buildSweepJournal(sealed: 3, segmentSize: 256, tail: 2).closed
        let checkpoint = try #require(original.checkpoint)
        let firstRecord = try #require(original.frames[checkpoint]?.first).range
        let cases = [
            ("a flipped bit in a checkpoint record", original.changing(checkpoint) { $0[firstRecord.lowerBound + 30] ^= 4 },
             original.histories { !($0.file == checkpoint && $0.range == firstRecord) }),
            ("a damaged checkpoint header", original.changing(checkpoint) { $0[20] ^= 4 }, original.histories { $0.file != checkpoint }),
        ]
        for (name, damaged, expected) in cases {
            let directory = try directory(holding: damaged)
            let (repaired, report) = try openAndClose(directory.path, repair: true)
            #expect(report.repair != nil, "\(name)")
            #expect(repaired == expected, "\(name): repair kept \(repaired.mapValues(\.count)), not \(expected.mapValues(\.count))")
            #expect(repaired["e"] == original.histories["e"], "\(name): an instance only in later segments lost events")
            #expect(try openAndClose(directory.path).histories == repaired, "\(name): the next plain open")

            // Roll over several times: every file there was (damaged/ too) stays as it was, or only grows.
            let before = try contents(of: directory.path).filter { $0.key != JournalManifest.fileName }
            let journal = try FileJournal(directory: directory.path, options: sweepOptions(segmentSize: 256))
            var now = repaired
            for step in 0..<24 {
                let event = sweepEvent(10_000 + step)
                try await journal.waitUntilDurable(try journal.append(event, to: "later"))
                now["later", default: []].append(event)
            }
            journal.close()
            let after = try contents(of: directory.path)
            #expect(after.keys.filter { $0.hasPrefix("segment-") }.count >= before.keys.filter { $0.hasPrefix("segment-") }.count + 3, "\(name): no rollovers")
            for (file, bytes) in before {
                #expect(after[file].map { Array($0.prefix(bytes.count)) == bytes } == true, "\(name): \(file) was overwritten or deleted")
            }
            #expect(try openAndClose(directory.path).histories == now, "\(name): after the rollovers")
        }
    }

    @Test func item9_theNextPlainOpenHoldsExactlyWhatRepairReported() async throws {
        let original = try await buildSweepJournal(segmentSize: 256, tail: 2).closed
        let segment = original.sealedSegments[0]
        let damagedRecord = try #require(original.frames[segment]?.first { if case .append("a", _) = $0.record { true } else { false } }).range
        let directory = try directory(holding: original.changing(segment) { $0[damagedRecord.lowerBound + 30] ^= 1 })
        let (repaired, report) = try openAndClose(directory.path, repair: true)
        let events = try #require(original.histories["a"])
        let lostAt = try #require(original.locations["a"]?.firstIndex { $0.file == segment && $0.range == damagedRecord })
        #expect(repaired["a"] == Array(events[..<lostAt]))
        #expect(report.repair?.losses.map(\.instanceId) == ["a"])
        #expect(report.repair?.losses.first?.firstLostEvent == lostAt)
        #expect(report.repair?.losses.first?.droppedEvents == Array(events[(lostAt + 1)...]), "every intact event after the lost one is listed")
        #expect(report.repair?.damage.map(\.offset) == [damagedRecord.lowerBound])
        for open in 1...2 {
            let (reopened, again) = try openAndClose(directory.path)
            #expect(reopened == repaired && again.repair == nil && again.tornTail == nil, "plain open \(open) after the repair")
        }
    }

    @Test func item10_deletingALockFileDoesNotLetASecondJournalIn() throws {
        let directory = TemporaryDirectory()
        let first = try FileJournal(directory: directory.path, options: sweepOptions())
        defer { first.close() }
        // The format before this one locked a LOCK file in the directory: deleting it let a second runtime in.
        let lockFile = "\(directory.path)/LOCK"
        if !FileManager.default.fileExists(atPath: lockFile) { _ = FileManager.default.createFile(atPath: lockFile, contents: nil) }
        try FileManager.default.removeItem(atPath: lockFile)
        #expect(throws: JournalError.directoryLocked(path: directory.path)) { try FileJournal(directory: directory.path, options: sweepOptions()) }
    }

    @Test func item11_aFailedRolloverKeepsAppendsDurableLogsOnceAndTheJournalReopensWhole() async throws {
        // Root ignores directory permissions, so the next segment's name is taken instead: its
        // O_CREAT | O_EXCL fails with EEXIST, as it would with EACCES.
        for removesTheObstacleWhileOpen in [false, true] {
            let log = CallLog()
            let directory = TemporaryDirectory()
            let next = "\(directory.path)/segment-0000000002.log"
            let journal = try FileJournal(directory: directory.path, options: sweepOptions(segmentSize: 1_024, log: { log.record($0) }))
            try FileManager.default.createDirectory(atPath: next, withIntermediateDirectories: false)
            var events: [HistoryEvent] = []
            func append() async throws {
                let event = sweepEvent(events.count)
                try await journal.waitUntilDurable(try journal.append(event, to: "i"))
                events.append(event)
            }
            while log.total == 0, events.count < 200 { try await append() }
            #expect(log.total == 1 && log.all.first?.contains(next) == true, "\(log.all)")
            for _ in 0..<3 { try await append() }  // below the size at which the rollover is tried again
            #expect(log.total == 1, "logged more than once: \(log.all)")
            if removesTheObstacleWhileOpen {
                try FileManager.default.removeItem(atPath: next)
                while fileSize(next) < 0, events.count < 400 { try await append() }
                #expect(fileSize(next) >= FileHeader.size, "the rollover was not tried again")
                try await append()
            }
            journal.close()
            if !removesTheObstacleWhileOpen {
                // Something that is not a journal file at a journal file's name is refused, not deleted.
                #expect(throws: JournalError.self) { try openAndClose(directory.path) }
                try FileManager.default.removeItem(atPath: next)
            }
            let (histories, report) = try openAndClose(directory.path)
            #expect(histories == ["i": events], "removed while open: \(removesTheObstacleWhileOpen)")
            #expect(report.tornTail == nil && report.repair == nil, "close was not clean: \(report)")
            #expect(log.total == 1)
        }
    }

    @Test func item12_aPathThatIsAFileIsNotADirectoryAndNonFilesAtJournalNamesAreForeign() async throws {
        let parent = TemporaryDirectory()
        let file = "\(parent.path)/plain"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        for path in [file, "\(file)/journal"] {
            do {
                _ = try FileJournal(directory: path, options: sweepOptions())
                Issue.record("opened a journal at \(path)")
            } catch JournalError.io(_, _, let code) {
                #expect(code == ENOTDIR || code == EEXIST, "\(path): errno \(code), not ENOTDIR")
            }
        }

        var writer = try JournalWriter(segmentSize: 64 << 20)
        try await writer.round(["i"])
        writer.journal.close()
        let original = try writer.files()
        let segment = original.newestSegment
        let makers: [(String, (String) throws -> Void)] = [
            ("a directory", { try FileManager.default.createDirectory(atPath: $0, withIntermediateDirectories: false) }),
            ("a FIFO", { #expect(mkfifo($0, 0o644) == 0) }),
        ]
        for (what, make) in makers {
            let directory = try directory(holding: original.removing(segment))
            try make("\(directory.path)/\(segment)")
            do {
                _ = try openAndClose(directory.path)
                Issue.record("\(what) at \(segment): opened")
            } catch JournalError.foreignFile(let named, let reason) {
                #expect(named == "\(directory.path)/\(segment)" && reason.contains(what), "\(what): \(reason)")
            }
        }
    }

    @Test func item13_aNestedDirectoryIsCreatedAndADirectorySyncFailureIsReported() throws {
        let root = TemporaryDirectory()
        let nested = "\(root.path)/a/b/journal"
        let journal = try FileJournal(directory: nested, options: sweepOptions())
        journal.close()
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(FileManager.default.fileExists(atPath: "\(nested)/\(JournalManifest.fileName)"))
        let missing = "\(root.path)/missing"
        #expect(throws: JournalError.io(operation: "open", path: missing, errno: ENOENT)) { try JournalDirectory(path: missing).syncDirectory() }
    }

    /// With no manifest to say which files are the journal's, only what a crash while creating
    /// one leaves (a whole or torn header of ours) may be deleted; anything else is reported.
    @Test func withoutAManifestOnlyAJournalsOwnEmptyFilesAreDeleted() throws {
        for (name, make) in [
            ("junk", { (path: String) in FileManager.default.createFile(atPath: path, contents: Data("junk".utf8)) }),
            ("a directory", { (path: String) in (try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)) != nil }),
        ] {
            let directory = TemporaryDirectory()
            let segment = "\(directory.path)/segment-0000000001.log"
            #expect(make(segment), "\(name)")
            #expect(throws: JournalError.self, "\(name)") { try FileJournal(directory: directory.path, options: .init(log: { _ in })) }
            #expect(FileManager.default.fileExists(atPath: segment), "\(name) is left where it was")
            let repaired = try FileJournal(directory: directory.path, options: .init(repairCorruption: true, log: { _ in }))
            #expect(repaired.recoveryReport.repair?.filesSetAside.count == 1, "\(name)")
            repaired.close()
        }
        // A torn header of a journal killed while it was being created: removed, the journal starts.
        let directory = TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: "\(directory.path)/segment-0000000001.log", contents: Data(FileHeader.magic.prefix(5)))
        let journal = try FileJournal(directory: directory.path, options: .init(log: { _ in }))
        #expect(journal.recoveryReport.leftoversRemoved.count == 1)
        journal.close()
    }
}
