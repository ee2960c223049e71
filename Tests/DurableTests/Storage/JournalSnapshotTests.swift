@testable import Durable
import Foundation
import Synchronization
import Testing

@Suite struct JournalSnapshotTests {
    private let start = Date(timeIntervalSinceReferenceDate: 800_000_000)

    private func events(_ count: Int, offset: Int = 0) -> [HistoryEvent] {
        (0..<count).map { index in
            let kind: HistoryEvent.Kind = index == 0
                ? .executionStarted(name: "Flow", input: .empty, parent: nil, scheduledStart: nil)
                : .taskScheduled(sequence: index - 1, name: "Step\(index + offset)", input: .empty, attempt: 1)
            return HistoryEvent(kind, at: start.addingTimeInterval(Double(index)))
        }
    }

    private func append(_ events: [HistoryEvent], to instanceId: String, in journal: FileJournal) async throws {
        for event in events {
            let position = try journal.append(event, to: instanceId)
            try await journal.waitUntilDurable(position)
        }
    }

    @Test func readsAJournalThatAnOpenJournalHoldsAndKeepsAppendingTo() async throws {
        let directory = TemporaryDirectory()
        let journal = try FileJournal(directory: directory.path)
        defer { journal.close() }
        try await append(events(3), to: "a", in: journal)
        // A second writer is refused: the lock is held, and the snapshot does not need it.
        #expect(throws: JournalError.self) { try FileJournal(directory: directory.path) }
        let first = try JournalSnapshot(directory: directory.path)
        #expect(first.histories == ["a": events(3)])
        try await append(events(2), to: "b", in: journal)
        let second = try JournalSnapshot(directory: directory.path)
        #expect(second.instanceIds == ["a", "b"])
        #expect(second.history(of: "b") == events(2))
        #expect(second.histories == journal.allHistories())
    }

    @Test func snapshotsTakenWhileAWriterAppendsAndRollsOverAreEachAPrefixOfTheHistory() async throws {
        let directory = TemporaryDirectory()
        // Small segments: the writer rolls over (and compacts) while snapshots are read.
        let journal = try FileJournal(directory: directory.path, options: .init(segmentSize: 2048, compactionThreshold: 2))
        defer { journal.close() }
        let all = events(400)
        let path = directory.path
        let finished = Mutex(false)
        let writer = Task {
            for event in all { try await journal.waitUntilDurable(try journal.append(event, to: "a")) }
            finished.withLock { $0 = true }
        }
        var seen = 0
        var reads = 0
        while !finished.withLock({ $0 }) {
            let history = try JournalSnapshot(directory: path).history(of: "a") ?? []
            #expect(Array(all.prefix(history.count)) == history)
            #expect(history.count >= seen)  // durable events never disappear from a later read
            seen = history.count
            reads += 1
            await Task.yield()
        }
        try await writer.value
        // Every event is durable now: a read sees them all.
        #expect(try JournalSnapshot(directory: path).history(of: "a") == all)
        #expect(reads > 1)
    }

    @Test func aRecordCutShortAtTheLiveTailIsTheEndOfDataAndIsLeftAsItIs() async throws {
        let directory = TemporaryDirectory()
        let journal = try FileJournal(directory: directory.path)
        let all = events(4)
        try await append(Array(all.prefix(3)), to: "a", in: journal)
        let segment = try #require(try directory.segments().last)
        let before = try Data(contentsOf: URL(fileURLWithPath: segment)).count
        try await append([all[3]], to: "a", in: journal)
        journal.close()
        // The writer was cut off 10 bytes into its last record's frame.
        let handle = try #require(FileHandle(forWritingAtPath: segment))
        try handle.truncate(atOffset: UInt64(before + 10))
        try handle.close()
        let snapshot = try JournalSnapshot(directory: directory.path)
        #expect(snapshot.history(of: "a") == Array(all.prefix(3)))
        #expect(snapshot.attempts == 1)
        // Read-only: the torn bytes are still there (an open would cut them).
        #expect(try Data(contentsOf: URL(fileURLWithPath: segment)).count == before + 10)
    }

    @Test func aCompactionThatReplacesTheFilesDuringTheReadMakesItReadAgain() async throws {
        let directory = TemporaryDirectory()
        do {
            let journal = try FileJournal(directory: directory.path, options: .init(segmentSize: 4096, compactionThreshold: 1000))
            for instance in 0..<20 { try await append(events(6, offset: instance), to: "i\(instance)", in: journal) }
            journal.close()
        }
        let expected = try JournalSnapshot(directory: directory.path).histories
        #expect(try directory.segments().count > 1)
        // The same journal after a compaction: a checkpoint and a new manifest, old segments gone.
        let compacted = try directory.copy()
        do {
            let journal = try FileJournal(directory: compacted.path)
            try await journal.compact()
            journal.close()
        }
        let source = directory.path
        let replacement = compacted.path
        let snapshot = try JournalSnapshot(directory: source) { attempt in
            guard attempt == 1 else { return }
            // Between the listing and the reads, the files change as a compaction changes them.
            let files = FileManager.default
            for name in (try? files.contentsOfDirectory(atPath: source)) ?? [] where name != "LOCK" {
                try? files.removeItem(atPath: "\(source)/\(name)")
            }
            for name in (try? files.contentsOfDirectory(atPath: replacement)) ?? [] where name != "LOCK" {
                try? files.copyItem(atPath: "\(replacement)/\(name)", toPath: "\(source)/\(name)")
            }
        }
        #expect(snapshot.attempts == 2)
        #expect(snapshot.histories == expected)
        #expect(try FileManager.default.contentsOfDirectory(atPath: source).contains { $0.hasPrefix("checkpoint-") })
    }

    @Test func damageThatStaysIsThrownAsTheTypedErrorNamingTheFile() throws {
        let directory = TemporaryDirectory()
        let manifest = "\(directory.path)/\(JournalManifest.fileName)"
        try Data("not a manifest".utf8).write(to: URL(fileURLWithPath: manifest))
        #expect {
            try JournalSnapshot(directory: directory.path)
        } throws: { error in
            guard case .corruptRecord(let file, _, _)? = error as? JournalError else { return false }
            return file == manifest
        }
    }

    @Test func aDirectoryWithoutAJournalHoldsNoHistories() throws {
        let directory = TemporaryDirectory()
        #expect(try JournalSnapshot(directory: directory.path).histories.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)  // nothing created
    }
}
