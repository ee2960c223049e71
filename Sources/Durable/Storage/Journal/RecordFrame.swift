/// Reads one framed ``JournalRecord`` out of a file's bytes, verifying both checksums.
enum RecordFrame {
    /// Where a frame lies and the fields its header carries.
    struct Frame: Equatable {
        var start: Int
        var end: Int
        var index: UInt32
        var generation: UInt32
    }

    enum Parsed {
        /// An intact record: its verified body.
        case record(body: UnsafeRawBufferPointer, Frame)
        /// The bytes fail a checksum or make no sense; `frame` is known when the header is intact
        /// (so the reader can step over exactly this record).
        case damaged(reason: String, frame: Frame?)
        /// The file ends inside the record.
        case short(reason: String)
    }

    static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Parsed {
        let headerSize = JournalRecord.frameHeaderSize
        guard bytes.count - offset >= headerSize else { return .short(reason: "incomplete record header") }
        func field(_ at: Int) -> UInt32 {
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + at, as: UInt32.self))
        }
        let header = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + 16])
        guard CRC32C.checksum(header) == field(16) else { return .damaged(reason: "record header fails its checksum", frame: nil) }
        let length = Int(field(0))
        guard length <= JournalRecord.maximumLength else {
            return .damaged(reason: "record length \(length) exceeds the frame limit", frame: nil)
        }
        let end = offset + headerSize + length
        guard end <= bytes.count else { return .short(reason: "record runs past the end of the file") }
        let frame = Frame(start: offset, end: end, index: field(4), generation: field(8))
        let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + headerSize)..<end])
        guard CRC32C.checksum(body) == field(12) else { return .damaged(reason: "record fails its checksum", frame: frame) }
        return .record(body: body, frame)
    }

    /// The next offset after `offset` where an intact record starts, if any: how repair finds its
    /// footing again after a record whose length cannot be trusted.
    static func resynchronize(_ bytes: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var candidate = offset + 1
        while candidate + JournalRecord.frameHeaderSize <= bytes.count {
            if case .record = parse(bytes, at: candidate) { return candidate }
            candidate += 1
        }
        return nil
    }
}
