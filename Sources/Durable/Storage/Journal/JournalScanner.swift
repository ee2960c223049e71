/// Reads a journal directory back into histories, verifying every file and record against the
/// manifest, the file headers, the records' checksums and each instance's chain of records.
///
/// Two policies share the walk. A plain open throws the first problem as a typed
/// ``JournalError`` naming the file (and offset). Salvage — what `repairCorruption` runs after a
/// plain open failed — records each problem, steps over exactly the damaged bytes, and keeps every
/// intact record before and after them.
///
/// The one thing not treated as damage is a torn tail: the end of the newest segment beyond its
/// last sync marker (bytes that may never have been synced) that is cut short or zero-filled from
/// a 512-byte boundary, as a crash or power loss leaves it. (This file is over 400 lines because
/// the walk and its two policies only make sense read together.)
struct JournalScanner {
    let directory: JournalDirectory
    let salvage: Bool
    /// Runs between listing the directory and reading the manifest: a test seam for
    /// ``JournalSnapshot``, which reads a directory another process may be changing.
    var afterListing: (() -> Void)? = nil

    struct Result {
        var histories = JournalHistories()
        var report = RecoveryReport()
        var journal = JournalID.random()
        var manifest = JournalManifest(checkpoint: nil, sealed: [], newest: 1)
        /// How many bytes of the newest segment are valid (below a header's size: the header is
        /// rewritten), and how many of them its sync markers say were synced.
        var newestValidSize = 0
        var newestSyncedThrough = 0
        /// The directory held no journal yet: the writer creates one.
        var isNew = false
        /// Files of an interrupted rollover or compaction, to delete once the journal is open.
        var leftovers: [String] = []
        /// Salvage only: files to move into `damaged/` once the kept records are rewritten.
        var setAside: [String] = []
        var damage: [RecoveryReport.Repair.Damage] = []
        var losses: [String: RecoveryReport.Repair.Loss] = [:]
        /// Salvage only: instances whose chain broke, across every file: their later records are
        /// dropped until a new generation starts them afresh.
        var broken = Set<String>()
        /// Salvage only: instances a damaged record's id names, and the event it would have been.
        var suspectedLosses: [String: (index: Int, generation: UInt32)] = [:]
    }

    private struct Listing {
        var segments: [Int: String] = [:]
        var checkpoints: [Int: String] = [:]
        var temporaries: [String] = []
    }

    func scan() throws -> Result {
        var result = Result()
        let listing = try list()
        afterListing?()
        let found: (manifest: JournalManifest, journal: JournalID)?
        do {
            found = try directory.readManifest()
        } catch let error as JournalError where salvage {
            result.damage.append(.init(file: directory.manifestPath, offset: 0, length: max(0, journalFileSize(directory.manifestPath)), reason: "\(error)"))
            // Kept like any damaged file, and out of the way of the manifest repair writes (it
            // may be a directory, which no rename replaces).
            result.setAside.append(directory.manifestPath)
            found = nil
        }
        result.leftovers = listing.temporaries
        guard let found else {
            try openWithoutManifest(listing, into: &result)
            return result
        }
        result.journal = found.journal
        result.manifest = found.manifest
        try load(listing, following: found.manifest, into: &result)
        return result
    }

    private func list() throws -> Listing {
        var listing = Listing()
        for name in try directory.entries() {
            let path = (directory.path as NSString).appendingPathComponent(name)
            // Only the names the journal writes its temporaries under: any other `.tmp` file is not its to delete.
            if name == JournalManifest.fileName + ".tmp" || (name.hasPrefix(JournalDirectory.FileKind.checkpoint.rawValue + "-") && name.hasSuffix(".log.tmp")) {
                listing.temporaries.append(path)
            }
            for kind in [JournalDirectory.FileKind.segment, .checkpoint] {
                let prefix = kind.rawValue + "-"
                guard name.hasPrefix(prefix), name.hasSuffix(".log"),
                    let number = Int(name.dropFirst(prefix.count).dropLast(4)), number >= 0
                else { continue }
                if kind == .segment { listing.segments[number] = path } else { listing.checkpoints[number] = path }
            }
        }
        return listing
    }

    /// No manifest: a new directory, a crash while the journal was being created, an older
    /// format, or a journal whose manifest is gone.
    private func openWithoutManifest(_ listing: Listing, into result: inout Result) throws {
        let files = (listing.checkpoints.sorted { $0.key < $1.key } + listing.segments.sorted { $0.key < $1.key }).map(\.value)
        result.isNew = true
        if files.isEmpty { return }
        var holdsRecords = false
        for file in files {
            let bytes: [UInt8]
            do {
                bytes = try readFile(file)
            } catch where salvage {
                holdsRecords = true  // salvage sets it aside
                continue
            }
            let header = bytes.withUnsafeBytes { FileHeader.decode($0) }
            if case .failure(.unsupportedVersion(let version)) = header, !salvage {
                throw JournalError.unsupportedFormat(file: file, version: version, supported: FileHeader.formatVersion)
            }
            // Only what a crash during creation leaves may be deleted: a whole or torn header of
            // ours. Anything else at a journal file's name is not ours to delete.
            switch header {
            case .success, .failure(.torn): break
            case .failure(let problem) where !salvage:
                throw JournalError.foreignFile(file: file, reason: "there is no manifest, and this is not a journal file (\(problem))")
            case .failure: holdsRecords = true  // salvage sets it aside
            }
            if bytes.count > FileHeader.size { holdsRecords = true }
        }
        // Created, then killed before the manifest was written: nothing was ever acknowledged.
        guard holdsRecords else {
            result.leftovers += files
            return
        }
        guard salvage else {
            throw JournalError.missingFile(
                file: directory.manifestPath,
                reason: "the directory holds \(files.count) journal files but no manifest, so which files and how many "
                    + "bytes the journal consists of cannot be checked (the manifest was deleted, or the directory is a partial copy)")
        }
        result.isNew = false
        result.damage.append(.init(file: directory.manifestPath, offset: 0, length: 0, reason: "missing: rebuilt from the files present"))
        // The newest checkpoint with a readable header is the base; every later segment follows it.
        let checkpoint = listing.checkpoints.sorted { $0.key > $1.key }.first { header(of: $0.value) != nil }
        let base = checkpoint.flatMap { header(of: $0.value) } ?? listing.segments.sorted { $0.key < $1.key }.lazy
            .compactMap { header(of: $0.value) }.first
        result.journal = base?.journal ?? result.journal
        let segments = listing.segments.keys.filter { $0 > (checkpoint?.key ?? -1) }.sorted()
        result.manifest = JournalManifest(
            checkpoint: checkpoint.map { .init(number: $0.key, length: 0) }, sealed: segments.dropLast().map { .init(number: $0, length: 0) },
            newest: segments.last ?? (checkpoint?.key ?? 0) + 1)
        try load(listing, following: result.manifest, into: &result, lengthsKnown: false)
    }

    /// Whether a file the manifest does not name is one this journal made and may delete: a
    /// regular file whose header is this journal's and names this file — or, for the segment an
    /// interrupted rollover was creating, a header the crash left short or zero. Junk or another
    /// journal's file under a journal file's name is not the journal's to delete.
    private func isLeftBehind(_ path: String, _ kind: FileHeader.Kind, _ number: Int, by journal: JournalID, mayBeTorn: Bool = false) -> Bool {
        guard let bytes = try? readFileIfPresent(path, prefix: FileHeader.size) else { return false }
        switch bytes.withUnsafeBytes({ FileHeader.decode($0) }) {
        case .success(let header): return header.journal == journal && header.kind == kind && header.number == UInt64(number)
        case .failure(.torn): return mayBeTorn
        case .failure: return false
        }
    }

    private func header(of file: String) -> FileHeader? {
        guard let bytes = try? readFileIfPresent(file, prefix: FileHeader.size),
            case .success(let header) = bytes.withUnsafeBytes({ FileHeader.decode($0) })
        else { return nil }
        return header
    }

    /// Checks the directory's files against the manifest and loads them in order.
    private func load(_ listing: Listing, following manifest: JournalManifest, into result: inout Result, lengthsKnown: Bool = true) throws {
        let base = manifest.checkpoint?.number ?? -1
        let listed = Set(manifest.sealed.map(\.number) + [manifest.newest])
        func stray(_ path: String, _ reason: String) throws {
            guard salvage else { throw JournalError.foreignFile(file: path, reason: reason) }
            result.damage.append(.init(file: path, offset: 0, length: max(0, journalFileSize(path)), reason: reason))
            result.setAside.append(path)
        }
        let notLeftBehind = "it is not in the journal's manifest, and not a file this journal left behind (a regular file with its header)"
        for (number, path) in listing.checkpoints where number != manifest.checkpoint?.number {
            // Older: compaction finished but had not deleted it. Newer: compaction was interrupted
            // before the manifest named it, and the segments it would replace are all still here.
            if isLeftBehind(path, .checkpoint, number, by: result.journal) {
                result.leftovers.append(path)
            } else {
                try stray(path, notLeftBehind)
            }
        }
        for (number, path) in listing.segments.sorted(by: { $0.key < $1.key }) where !listed.contains(number) {
            if number <= base, isLeftBehind(path, .segment, number, by: result.journal) {
                result.leftovers.append(path)  // replaced by the checkpoint; compaction had not deleted it
            } else if number == manifest.newest + 1, journalFileSize(path) <= FileHeader.size,
                isLeftBehind(path, .segment, number, by: result.journal, mayBeTorn: true)
            {
                result.leftovers.append(path)  // a rollover interrupted before the manifest named it
            } else if number <= base {
                try stray(path, notLeftBehind)
            } else {
                try stray(path, "segment \(number) is not in the journal's manifest (its newest segment is \(manifest.newest))")
            }
        }
        for file in manifest.files {
            let path = directory.url(file.kind, file.number)
            let present = file.kind == .checkpoint ? listing.checkpoints[file.number] != nil : listing.segments[file.number] != nil
            let isNewest = file.kind == .segment && file.number == manifest.newest
            guard present else {
                let reason = "the manifest lists \(file.kind.rawValue) \(file.number)" + (file.length.map { " (\($0) bytes)" } ?? "")
                if isNewest, !lengthsKnown { continue }
                guard salvage else { throw JournalError.missingFile(file: path, reason: reason) }
                result.damage.append(.init(file: path, offset: 0, length: file.length ?? 0, reason: "missing: \(reason)"))
                continue
            }
            try loadFile(path, kind: file.kind, number: file.number, sealedLength: lengthsKnown ? file.length : nil, isNewest: isNewest, into: &result)
        }
        if salvage { confirmSuspectedLosses(&result) }
    }

    /// A damaged record whose id and place name an instance was that instance's lost event only if
    /// its history ends right there: had its chain gone on, the record was another's (a flipped bit
    /// in the id), and had it gone on after a gap, the gap already says what it lost.
    private func confirmSuspectedLosses(_ result: inout Result) {
        for (instance, suspect) in result.suspectedLosses {
            guard let entry = result.histories.entries[instance], entry.events.count == suspect.index, entry.generation == suspect.generation
            else { continue }
            result.recordLoss(of: instance, from: suspect.index)
        }
    }

    // MARK: One file

    private func loadFile(
        _ path: String, kind: JournalDirectory.FileKind, number: Int, sealedLength: Int?, isNewest: Bool, into result: inout Result
    ) throws {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch let error as JournalError where salvage {
            result.damage.append(.init(file: path, offset: 0, length: 0, reason: "\(error)"))
            result.setAside.append(path)
            return
        }
        result.report.filesLoaded += 1
        try bytes.withUnsafeBytes { buffer in
            guard try checkHeader(buffer, path: path, kind: kind, number: number, isNewest: isNewest, into: &result) else { return }
            if let sealedLength, buffer.count != sealedLength {
                if !salvage {
                    if buffer.count < sealedLength {
                        throw JournalError.truncatedFile(file: path, expectedLength: sealedLength, actualLength: buffer.count)
                    }
                    throw JournalError.corruptRecord(file: path, offset: sealedLength, reason: "bytes after the file's sealed end")
                }
                if buffer.count < sealedLength {
                    result.damage.append(
                        .init(file: path, offset: buffer.count, length: sealedLength - buffer.count, reason: "cut short: synced records are gone"))
                }
            }
            try loadRecords(buffer, path: path, isNewest: isNewest, into: &result)
        }
    }

    /// Whether the file's header is this journal's; `false` if the file must be skipped.
    private func checkHeader(
        _ bytes: UnsafeRawBufferPointer, path: String, kind: JournalDirectory.FileKind, number: Int, isNewest: Bool,
        into result: inout Result
    ) throws -> Bool {
        func reject(_ error: JournalError) throws -> Bool {
            guard salvage else { throw error }
            result.damage.append(.init(file: path, offset: 0, length: bytes.count, reason: "\(error)"))
            result.setAside.append(path)
            return false
        }
        switch FileHeader.decode(bytes) {
        case .failure(.torn) where isNewest:
            // Created by a rollover whose header never reached the disk: nothing in it was synced.
            if bytes.count > 0 { result.report.tornTail = .init(file: path, offset: 0, bytesRemoved: bytes.count) }
            result.newestValidSize = 0
            return false
        case .failure(.torn):
            return try reject(.corruptRecord(file: path, offset: 0, reason: "file header is cut short or zero-filled"))
        case .failure(.notAJournalFile):
            return try reject(.corruptRecord(file: path, offset: 0, reason: "not a Durable journal file (bad magic)"))
        case .failure(.unsupportedVersion(let version)):
            return try reject(.unsupportedFormat(file: path, version: version, supported: FileHeader.formatVersion))
        case .failure(.damaged(let reason)):
            return try reject(.corruptRecord(file: path, offset: 0, reason: reason))
        case .success(let header):
            let expectedKind: FileHeader.Kind = kind == .segment ? .segment : .checkpoint
            if header.journal != result.journal {
                return try reject(.foreignFile(file: path, reason: "it belongs to journal \(header.journal), this is journal \(result.journal)"))
            }
            if header.kind != expectedKind || header.number != UInt64(number) {
                return try reject(.foreignFile(file: path, reason: "its header names \(header.kind) \(header.number), not \(kind.rawValue) \(number)"))
            }
            return true
        }
    }

    private func loadRecords(_ bytes: UnsafeRawBufferPointer, path: String, isNewest: Bool, into result: inout Result) throws {
        var offset = FileHeader.size
        // Everything in a sealed file or checkpoint was synced before the manifest named it; in the
        // newest segment, only what a sync marker vouches for.
        var synced = isNewest ? FileHeader.size : bytes.count
        var partStart: Int?
        func damaged(at offset: Int, length: Int, _ reason: String) throws {
            guard salvage else {
                // Past the sync markers read so far, damage is refused for its shape (bytes a tear
                // would have cut or zeroed follow it), not for being known to have been synced.
                let context = !isNewest ? "" : offset < synced ? " (in bytes known to be synced)" : " (not the shape of a torn write)"
                throw JournalError.corruptRecord(file: path, offset: offset, reason: reason + context)
            }
            result.damage.append(.init(file: path, offset: offset, length: length, reason: reason))
        }
        func torn(at offset: Int) {
            if offset < bytes.count { result.report.tornTail = .init(file: path, offset: offset, bytesRemoved: bytes.count - offset) }
            result.newestValidSize = offset
        }
        scanning: while offset < bytes.count {
            switch RecordFrame.parse(bytes, at: offset) {
            case .record(let body, let frame):
                let record: JournalRecord
                do {
                    record = try JournalRecord(body: body)
                } catch {
                    try damaged(at: offset, length: frame.end - offset, "undecodable record: \(error)")
                    offset = frame.end
                    continue
                }
                if case .syncMarker(let through) = record {
                    guard through <= frame.start else {
                        try damaged(at: offset, length: frame.end - offset, "sync marker vouches for bytes after itself")
                        offset = frame.end
                        continue
                    }
                    synced = max(synced, through)
                } else {
                    try apply(record, frame, path: path, into: &result)
                    if case .replacePart(_, _, let isLast) = record { partStart = isLast ? nil : (partStart ?? offset) }
                    result.report.recordsLoaded += 1
                }
                offset = frame.end
            case .short(let reason):
                if isNewest, offset >= synced {
                    torn(at: offset)
                    break scanning
                }
                try damaged(at: offset, length: bytes.count - offset, reason)
                offset = bytes.count
            case .damaged(let reason, let frame):
                if isNewest, offset >= synced, Self.looksTorn(bytes, at: offset, recordEnd: frame?.end) {
                    torn(at: offset)
                    break scanning
                }
                let next = frame?.end ?? RecordFrame.resynchronize(bytes, after: offset) ?? bytes.count
                var owner: String?
                var guess = ""
                if let frame, let id = self.owner(bytes, frame, result.histories) {
                    owner = id
                    guess = " (probably event #\(frame.index) of instance '\(id)')"
                }
                try damaged(at: offset, length: next - offset, reason + guess)
                // Only a guess: the damage may be in the id itself and name an intact instance.
                // The instance is not broken on it; see `confirmSuspectedLosses`.
                if let frame, let owner { result.suspectedLosses[owner] = (Int(frame.index), frame.generation) }
                offset = next
            }
        }
        if isNewest, offset >= bytes.count { result.newestValidSize = bytes.count }
        if let partStart {
            // A replacement whose last part is missing: torn with the tail, or damage.
            result.histories.discardIncompleteReplacements()
            if isNewest, partStart >= synced {
                torn(at: partStart)
            } else {
                try damaged(at: partStart, length: offset - partStart, "a history replacement's last part is missing")
            }
        }
        if isNewest { result.newestSyncedThrough = min(synced, result.newestValidSize) }
    }

    private func apply(_ record: JournalRecord, _ frame: RecordFrame.Frame, path: String, into result: inout Result) throws {
        guard salvage else {
            do {
                try result.histories.apply(record, index: frame.index, generation: frame.generation)
            } catch {
                throw JournalError.corruptRecord(file: path, offset: frame.start, reason: error.description)
            }
            return
        }
        guard let gap = result.histories.salvage(record, index: frame.index, generation: frame.generation, broken: &result.broken) else { return }
        result.recordLoss(of: gap.instanceId, from: gap.expected?.index ?? 0)
        if case .append(_, let event) = record { result.losses[gap.instanceId]?.droppedEvents.append(event) }
        if case .replacePart(_, let events, _) = record { result.losses[gap.instanceId]?.droppedEvents.append(contentsOf: events) }
    }

    /// Whether damage at `offset` has the shape a crash leaves: everything from the record on is
    /// zero, or a zero-filled run from a 512-byte boundary to the end of the file reaches into it.
    /// A complete record that fails its checksum with live bytes after it is a flipped bit, not a tear.
    static func looksTorn(_ bytes: UnsafeRawBufferPointer, at offset: Int, recordEnd: Int?) -> Bool {
        var zeroStart = bytes.count
        while zeroStart > offset, bytes[zeroStart - 1] == 0 { zeroStart -= 1 }
        if zeroStart <= offset { return true }
        let aligned = (zeroStart + 511) / 512 * 512
        return aligned < bytes.count && aligned < (recordEnd ?? bytes.count)
    }

    /// The instance a damaged record with an intact header most likely belonged to: its id still
    /// reads, and its index and generation are exactly where that instance's history stands.
    private func owner(_ bytes: UnsafeRawBufferPointer, _ frame: RecordFrame.Frame, _ histories: JournalHistories) -> String? {
        var reader = BinaryReader(UnsafeRawBufferPointer(rebasing: bytes[(frame.start + JournalRecord.frameHeaderSize)..<frame.end]))
        guard (try? reader.byte()) == 1, let id = try? reader.string(), let entry = histories.entries[id],
            entry.events.count == Int(frame.index), entry.generation == frame.generation
        else { return nil }
        return id
    }
}

extension JournalScanner.Result {
    fileprivate mutating func recordLoss(of instanceId: String, from index: Int) {
        if let loss = losses[instanceId] {
            losses[instanceId]?.firstLostEvent = min(loss.firstLostEvent, index)
        } else {
            losses[instanceId] = .init(instanceId: instanceId, firstLostEvent: index, droppedEvents: [])
        }
    }
}

import Foundation

func journalFileSize(_ path: String) -> Int {
    var status = stat()
    return stat(path, &status) == 0 ? Int(status.st_size) : -1
}
