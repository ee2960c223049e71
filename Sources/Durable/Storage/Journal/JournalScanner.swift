import Foundation

/// What opening a journal found and did: how much it loaded, and any damage it cut away.
public struct RecoveryReport: Sendable, Hashable, CustomStringConvertible {
    /// A partially written last record, removed: the crash happened while it was being written.
    public struct TornTail: Sendable, Hashable {
        /// The file it was in.
        public var file: String
        /// Where the file now ends.
        public var offset: Int
        /// How many bytes were removed.
        public var bytesRemoved: Int
    }

    /// Damage before the end of the journal, cut away because `repairCorruption` was set.
    public struct Repair: Sendable, Hashable {
        /// The file holding the first damaged record.
        public var file: String
        /// Where the damaged record started; the journal now ends there.
        public var offset: Int
        /// Why the record was rejected.
        public var reason: String
        /// Bytes dropped: the rest of that file and every later file.
        public var bytesDropped: Int
        /// Later files deleted.
        public var filesDropped: [String]
    }

    /// Files read.
    public var filesLoaded = 0
    /// Records applied.
    public var recordsLoaded = 0
    /// Set if the last record was torn.
    public var tornTail: TornTail?
    /// Set if corruption was repaired.
    public var repair: Repair?

    public var description: String {
        var lines = ["Loaded \(recordsLoaded) records from \(filesLoaded) files."]
        if let tornTail {
            lines.append("Truncated a torn last record: \(tornTail.bytesRemoved) bytes at offset \(tornTail.offset) of \(tornTail.file).")
        }
        if let repair {
            lines.append(
                "Repaired corruption at offset \(repair.offset) of \(repair.file) (\(repair.reason)): dropped "
                    + "\(repair.bytesDropped) bytes and \(repair.filesDropped.count) later files.")
        }
        return lines.joined(separator: " ")
    }
}

/// Reads a journal directory back into histories, verifying every record.
struct JournalScanner {
    let directory: JournalDirectory
    let repairCorruption: Bool

    struct Result {
        var histories: [String: [HistoryEvent]] = [:]
        var report = RecoveryReport()
        /// The newest checkpoint, which supersedes every segment up to its number.
        var checkpoint: Int?
        /// The last segment and how many of its bytes are valid: appends continue there.
        var lastSegment: (number: Int, validSize: Int)?
    }

    private enum Damage: Error {
        case torn(offset: Int)
        case corrupt(offset: Int, reason: String)
    }

    func scan() throws -> Result {
        var result = Result()
        if let checkpoint = try directory.files(.checkpoint).last {
            result.checkpoint = checkpoint.number
            _ = try load(checkpoint.path, isLast: false, laterFiles: [], into: &result)
        }
        let segments = try directory.files(.segment).filter { $0.number > (result.checkpoint ?? -1) }
        for (index, segment) in segments.enumerated() {
            let later = Array(segments[(index + 1)...].map(\.path))
            let validSize = try load(segment.path, isLast: index == segments.count - 1, laterFiles: later, into: &result)
            result.lastSegment = (segment.number, validSize)
            if result.report.repair != nil { break }  // everything after the damage is gone
        }
        return result
    }

    /// Applies the file's records; returns how many of its bytes are valid.
    private func load(_ path: String, isLast: Bool, laterFiles: [String], into result: inout Result) throws -> Int {
        let bytes = try readFile(path)
        result.report.filesLoaded += 1
        do {
            return try bytes.withUnsafeBytes { buffer in
                try apply(buffer, isLast: isLast, into: &result)
            }
        } catch let damage as Damage {
            switch damage {
            case .torn(let offset):
                result.report.tornTail = .init(file: path, offset: offset, bytesRemoved: bytes.count - offset)
                return offset
            case .corrupt(let offset, let reason):
                guard repairCorruption else { throw JournalError.corruptRecord(file: path, offset: offset, reason: reason) }
                let laterBytes = laterFiles.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
                result.report.repair = .init(
                    file: path, offset: offset, reason: reason, bytesDropped: bytes.count - offset + laterBytes,
                    filesDropped: laterFiles)
                for file in laterFiles { try? FileManager.default.removeItem(atPath: file) }
                return offset
            }
        }
    }

    private func apply(_ bytes: UnsafeRawBufferPointer, isLast: Bool, into result: inout Result) throws -> Int {
        let headerSize = JournalDirectory.headerSize
        guard bytes.count >= headerSize else {
            // A file cut short while its header was written: only the newest segment can be.
            if isLast { throw Damage.torn(offset: 0) }
            throw Damage.corrupt(offset: 0, reason: "file shorter than its header")
        }
        guard Array(bytes[0..<JournalDirectory.magic.count]) == JournalDirectory.magic else {
            throw Damage.corrupt(offset: 0, reason: "not a Durable journal file")
        }
        var header = BinaryReader(bytes, offset: JournalDirectory.magic.count)
        let version = try header.uint32()
        guard version == JournalDirectory.formatVersion else {
            throw JournalError.unsupportedFormat(file: directory.path, version: version)
        }
        var offset = headerSize
        while offset < bytes.count {
            let record = try frame(in: bytes, at: offset, isLast: isLast)
            do {
                try apply(JournalRecord(body: UnsafeRawBufferPointer(rebasing: bytes[record])), to: &result.histories)
            } catch {
                throw Damage.corrupt(offset: offset, reason: "undecodable record: \(error)")
            }
            result.report.recordsLoaded += 1
            offset = record.upperBound
        }
        return offset
    }

    /// The body range of the record at `offset`, or the damage found there.
    private func frame(in bytes: UnsafeRawBufferPointer, at offset: Int, isLast: Bool) throws -> Range<Int> {
        // Torn writes leave a short or zero-filled tail, and only in the newest file.
        func damage(_ reason: String) -> Damage {
            let remaining = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let torn = isLast && (remaining.count < JournalRecord.frameHeaderSize || remaining.allSatisfy { $0 == 0 })
            return torn ? .torn(offset: offset) : .corrupt(offset: offset, reason: reason)
        }
        guard bytes.count - offset >= JournalRecord.frameHeaderSize else { throw damage("incomplete record header") }
        var reader = BinaryReader(bytes, offset: offset)
        let length = try reader.uint32()
        let lengthChecksum = try reader.uint32()
        let bodyChecksum = try reader.uint32()
        let lengthBytes = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 4])
        guard CRC32C.checksum(lengthBytes) == lengthChecksum, Int(length) <= JournalRecord.maximumLength else {
            throw damage("record length fails its checksum")
        }
        let body = offset + JournalRecord.frameHeaderSize..<offset + JournalRecord.frameHeaderSize + Int(length)
        guard body.upperBound <= bytes.count else {
            if isLast { throw Damage.torn(offset: offset) }
            throw Damage.corrupt(offset: offset, reason: "record runs past the end of the file")
        }
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[body])) == bodyChecksum else {
            if isLast && body.upperBound == bytes.count { throw Damage.torn(offset: offset) }
            throw Damage.corrupt(offset: offset, reason: "record fails its checksum")
        }
        return body
    }

    private func apply(_ record: JournalRecord, to histories: inout [String: [HistoryEvent]]) {
        switch record {
        case .append(let id, let event): histories[id, default: []].append(event)
        case .replace(let id, let events): histories[id] = events
        case .remove(let id): histories.removeValue(forKey: id)
        }
    }
}
