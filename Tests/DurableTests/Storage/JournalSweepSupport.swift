@testable import Durable
import Foundation
import Testing

// Shared by the torn-write and corruption sweeps and the item tests: a small journal built the way
// the runtime writes one, its files held in memory so each case starts from the same bytes, and
// an account of where every event of every history lies on disk.

/// A tiny event; its payload ends in a non-zero byte, so no record ends in a run of zeros.
func sweepEvent(_ number: Int, payloadSize: Int = 0) -> HistoryEvent {
    let payload = payloadSize > 0 ? String(repeating: "x", count: payloadSize) : "p\(number)"
    return HistoryEvent(
        .eventRaised(name: "e\(number)", input: Payload(data: Data(payload.utf8))),
        at: Date(timeIntervalSinceReferenceDate: 800_000_000 + Double(number)))
}

/// Options for the sweeps: quiet, and never compacting on their own.
func sweepOptions(
    durability: FileJournal.Durability = .groupCommit, segmentSize: Int = 64 << 20, repair: Bool = false,
    log: @escaping @Sendable (String) -> Void = { _ in }
) -> FileJournal.Options {
    .init(durability: durability, segmentSize: segmentSize, compactionThreshold: 1_000, repairCorruption: repair, log: log)
}

/// Writes a journal and keeps its own account of every history in it.
struct JournalWriter {
    let directory = TemporaryDirectory()
    private(set) var journal: FileJournal
    private(set) var histories: [String: [HistoryEvent]] = [:]
    private var next = 0
    private let partSize: Int?

    init(segmentSize: Int, partSize: Int? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.partSize = partSize
        var options = sweepOptions(segmentSize: segmentSize, log: log)
        if let partSize { options.historyPartSize = partSize }
        journal = try FileJournal(directory: directory.path, options: options)
    }

    /// Appends one event to each instance, then waits until they are durable (one batch, usually).
    mutating func round(_ instances: [String], payloadSize: Int = 0) async throws {
        var last = JournalPosition(0)
        for instance in instances {
            let event = sweepEvent(next, payloadSize: payloadSize)
            next += 1
            last = try journal.append(event, to: instance)
            histories[instance, default: []].append(event)
        }
        try await journal.waitUntilDurable(last)
    }

    mutating func replace(_ instance: String, with events: [HistoryEvent]) async throws {
        try await journal.waitUntilDurable(try journal.replaceHistory(of: instance, with: events))
        histories[instance] = events
    }

    /// Closes the journal (with a final sync marker, unless buffered) and opens it again.
    mutating func reopen(_ durability: FileJournal.Durability = .groupCommit, segmentSize: Int = 1 << 20) throws {
        journal.close()
        var options = sweepOptions(durability: durability, segmentSize: segmentSize)
        if let partSize { options.historyPartSize = partSize }
        journal = try FileJournal(directory: directory.path, options: options)
    }

    var newestSegment: String { (try? directory.segments().last) ?? "" }

    /// The directory's files now, as a crash at this moment would leave them.
    func files() throws -> JournalFiles {
        try JournalFiles(reading: directory.path, histories: histories)
    }
}

/// Builds the sweeps' journal: a checkpoint, then `sealed` sealed segments or more after it, with
/// instances in the checkpoint only, in both, and in the segments only. Returns its files right
/// after the last rollover (the newest segment holds only its header); with `tail` more events
/// written after the newest segment's last sync marker, as a kill right after they were written
/// leaves them; and after a clean close (a final marker vouches for everything).
func buildSweepJournal(sealed: Int = 2, segmentSize: Int = 512, tail: Int) async throws
    -> (headerOnly: JournalFiles, unmarkedTail: JournalFiles, closed: JournalFiles)
{
    var writer = try JournalWriter(segmentSize: segmentSize)
    for _ in 0..<3 { try await writer.round(["a", "b", "c", "d"]) }
    try await writer.journal.compact()
    let later = ["a", "b", "c", "e"]
    for step in 0..<400 {
        try await writer.round([later[step % later.count]])
        // A batch that fills a segment ends with a rollover: the newest segment is a bare header.
        if try writer.directory.segments().count > sealed, fileSize(writer.newestSegment) == FileHeader.size { break }
    }
    let headerOnly = try writer.files()
    try #require(headerOnly.sealedSegments.count >= sealed && headerOnly.checkpoint != nil)
    try #require(headerOnly.bytes(of: headerOnly.newestSegment).count == FileHeader.size)

    try writer.reopen()
    try await writer.round(["a", "b", "c", "e"])  // synced; the marker closing writes vouches for it
    // Buffered never syncs, so the whole last batch follows the one marker its first write
    // carries, however the writer splits it: the shape a kill right after a sync leaves.
    try writer.reopen(.buffered)
    let tailInstances = ["a", "b", "c", "f"]
    try await writer.round((0..<tail).map { tailInstances[$0 % tailInstances.count] })
    let unmarkedTail = try writer.files()
    try writer.reopen()
    writer.journal.close()
    return (headerOnly, unmarkedTail, try writer.files())
}

/// A journal directory's files held in memory, with where each event of each history is recorded.
struct JournalFiles {
    struct Frame {
        var range: Range<Int>
        var record: JournalRecord
    }

    /// Where one event is recorded: a file (by name) and its record's bytes.
    struct Location: Hashable {
        var file: String
        var range: Range<Int>
    }

    var files: [String: [UInt8]]
    /// Every history, as written.
    let histories: [String: [HistoryEvent]]
    /// Each file's intact frames (sync markers included), in order.
    private(set) var frames: [String: [Frame]] = [:]
    /// For each instance, where each event of its history is.
    private(set) var locations: [String: [Location]] = [:]

    init(reading path: String, histories: [String: [HistoryEvent]]) throws {
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(path)/\(name)", isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[name] = try readFile("\(path)/\(name)")
        }
        self.files = files
        self.histories = histories
        var parts: [String: [Location]] = [:]
        for name in [checkpoint].compactMap({ $0 }) + sealedSegments + [newestSegment] {
            let frames = Self.frames(files[name] ?? [])
            self.frames[name] = frames
            for frame in frames {
                let location = Location(file: name, range: frame.range)
                switch frame.record {
                case .append(let id, _): locations[id, default: []].append(location)
                case .replace(let id, let events): locations[id] = events.map { _ in location }
                case .replacePart(let id, let events, let isLast):
                    parts[id, default: []] += events.map { _ in location }
                    if isLast { locations[id] = parts.removeValue(forKey: id) }
                case .remove(let id): locations[id] = nil
                case .syncMarker, .manifest: break
                }
            }
        }
    }

    static func frames(_ bytes: [UInt8]) -> [Frame] {
        bytes.withUnsafeBytes { buffer in
            var frames: [Frame] = []
            var offset = FileHeader.size
            while case .record(let body, let frame) = RecordFrame.parse(buffer, at: offset), let record = try? JournalRecord(body: body) {
                frames.append(Frame(range: frame.start..<frame.end, record: record))
                offset = frame.end
            }
            return frames
        }
    }

    func bytes(of name: String) -> [UInt8] { files[name] ?? [] }

    var segments: [String] { files.keys.filter { $0.hasPrefix("segment-") }.sorted() }
    var checkpoint: String? { files.keys.filter { $0.hasPrefix("checkpoint-") }.sorted().last }
    var sealedSegments: [String] { Array(segments.dropLast()) }
    var newestSegment: String { segments.last ?? "" }

    /// Where the newest segment's unsynced tail starts: its last sync marker (or its header).
    var unmarkedTailStart: Int {
        let markers = (frames[newestSegment] ?? []).filter { if case .syncMarker = $0.record { true } else { false } }
        return markers.last?.range.lowerBound ?? FileHeader.size
    }

    /// The newest segment's frames from the last sync marker on.
    var unmarkedTail: [Frame] { (frames[newestSegment] ?? []).filter { $0.range.lowerBound >= unmarkedTailStart } }

    /// How far the newest segment's bytes are vouched for by its last sync marker.
    var markedEnd: Int {
        for frame in (frames[newestSegment] ?? []).reversed() {
            if case .syncMarker(let through) = frame.record { return through }
        }
        return FileHeader.size
    }

    /// Every history cut back to the events `keep` holds (and those before them).
    func histories(keeping keep: (Location) -> Bool) -> [String: [HistoryEvent]] {
        var kept: [String: [HistoryEvent]] = [:]
        for (instance, events) in histories {
            let count = (locations[instance] ?? []).prefix(while: keep).count
            if count > 0 { kept[instance] = Array(events.prefix(count)) }
        }
        return kept
    }

    /// Replaces the directory's contents with these files.
    func restore(into path: String) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            try FileManager.default.removeItem(atPath: "\(path)/\(name)")
        }
        for (name, bytes) in files {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(path)/\(name)"))
        }
    }

    /// A copy with one file's bytes changed.
    func changing(_ name: String, _ change: (inout [UInt8]) -> Void) -> JournalFiles {
        var copy = self
        change(&copy.files[name, default: []])
        return copy
    }

    func removing(_ name: String) -> JournalFiles {
        var copy = self
        copy.files[name] = nil
        return copy
    }

    func adding(_ name: String, _ bytes: [UInt8]) -> JournalFiles {
        var copy = self
        copy.files[name] = bytes
        return copy
    }

    /// A copy whose file `name` has a valid header of another format version, as a later build would write it.
    func withFormatVersion(_ version: UInt32, in name: String) -> JournalFiles {
        changing(name) { bytes in
            withUnsafeBytes(of: version.littleEndian) { bytes.replaceSubrange(8..<12, with: $0) }
            let checksum = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[..<40])) }
            withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange(40..<44, with: $0) }
        }
    }
}

/// The first segment of another journal, holding one record.
func otherJournalsSegment() async throws -> [UInt8] {
    var other = try JournalWriter(segmentSize: 1 << 20)
    try await other.round(["x"])
    other.journal.close()
    return try readFile(try #require(try other.directory.segments().first))
}

/// A fresh directory holding `files`.
func directory(holding files: JournalFiles) throws -> TemporaryDirectory {
    let directory = TemporaryDirectory()
    try files.restore(into: directory.path)
    return directory
}

/// Histories with empty ones left out (a journal holds no empty history, a cut-back account might).
func nonEmpty(_ histories: [String: [HistoryEvent]]) -> [String: [HistoryEvent]] {
    histories.filter { !$0.value.isEmpty }
}

/// Opens the journal in `path`, takes what it holds and its report, and closes it.
func openAndClose(_ path: String, repair: Bool = false) throws -> (histories: [String: [HistoryEvent]], report: RecoveryReport) {
    let journal = try FileJournal(directory: path, options: sweepOptions(repair: repair))
    defer { journal.close() }
    return (journal.allHistories(), journal.recoveryReport)
}

extension JournalError {
    /// The file the error names.
    var file: String? {
        switch self {
        case .corruptRecord(let file, _, _), .unsupportedFormat(let file, _, _), .missingFile(let file, _),
            .truncatedFile(let file, _, _), .foreignFile(let file, _):
            file
        case .io(_, let path, _): path
        case .directoryLocked, .recordTooLarge, .closed: nil
        }
    }
}

/// Collects the failures of a sweep's cases, so a sweep reports how many failed and which, once.
struct SweepFailures {
    private(set) var all: [String] = []
    private(set) var cases = 0

    mutating func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { all.append(message()) }
    }

    mutating func count() { cases += 1 }

    func report(_ sweep: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(all.isEmpty, "\(sweep): \(all.count) failures in \(cases) cases; first: \(all.prefix(12).joined(separator: " | "))",
            sourceLocation: sourceLocation)
    }
}

/// Runs a sweep's cases on a thread of its own. They block on file I/O for seconds; on the
/// cooperative pool (two threads on a two-core machine) they would hold up every other test's
/// tasks — the crash test's killer among them.
func onItsOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
