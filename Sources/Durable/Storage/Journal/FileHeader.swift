/// A journal's identity: 16 random bytes written into the header of every file it makes, so a
/// file copied in from another journal is refused instead of merged.
struct JournalID: Hashable, CustomStringConvertible {
    var bytes: [UInt8]

    static func random() -> JournalID {
        var generator = SystemRandomNumberGenerator()
        return JournalID(bytes: (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    var description: String { bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined() }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// The first bytes of every journal file:
/// `magic (8) | format version (4) | kind (4) | journal id (16) | file number (8) | CRC-32C of those 40 (4) | 0 (4)`.
///
/// The checksum makes a damaged header damage, and the id and number tie the file to its journal
/// and its place in it, so a renamed or foreign file is caught.
struct FileHeader: Equatable {
    enum Kind: UInt32 {
        case segment = 1, checkpoint = 2, manifest = 3
    }

    static let size = 48
    static let magic: [UInt8] = Array("DURABLE\0".utf8)
    static let formatVersion: UInt32 = 2

    var kind: Kind
    var journal: JournalID
    var number: UInt64

    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: Self.size)
        writer.bytes.append(contentsOf: Self.magic)
        writer.uint32(Self.formatVersion)
        writer.uint32(kind.rawValue)
        writer.bytes.append(contentsOf: journal.bytes)
        writer.uint32(UInt32(truncatingIfNeeded: number))
        writer.uint32(UInt32(truncatingIfNeeded: number >> 32))
        let checksum = writer.bytes.withUnsafeBytes { CRC32C.checksum($0) }
        writer.uint32(checksum)
        writer.uint32(0)
        return writer.bytes
    }

    /// Why a file's first bytes are not a valid header.
    enum Problem: Error, Equatable {
        /// Shorter than a header, or all zeros: what a crash while the file was created leaves.
        case torn
        case notAJournalFile
        case unsupportedVersion(UInt32)
        case damaged(String)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<FileHeader, Problem> {
        let prefix = UnsafeRawBufferPointer(rebasing: bytes[..<min(bytes.count, size)])
        if prefix.allSatisfy({ $0 == 0 }) { return .failure(.torn) }
        // A file cut short inside its header is torn only if what is there is a header's start.
        let magicPresent = Array(prefix.prefix(magic.count)) == Array(magic.prefix(prefix.count))
        guard magicPresent else { return .failure(.notAJournalFile) }
        if prefix.count >= 12 {
            var reader = BinaryReader(prefix, offset: magic.count)
            if let version = try? reader.uint32(), version != formatVersion { return .failure(.unsupportedVersion(version)) }
        }
        guard prefix.count == size else { return .failure(.torn) }
        var fields = BinaryReader(prefix, offset: 12)
        var checksumField = BinaryReader(prefix, offset: 40)
        guard let rawKind = try? fields.uint32(), let stored = try? checksumField.uint32() else {
            return .failure(.damaged("header unreadable"))
        }
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: prefix[..<40])) == stored else {
            return .failure(.damaged("file header fails its checksum"))
        }
        guard let kind = Kind(rawValue: rawKind) else { return .failure(.damaged("unknown file kind \(rawKind)")) }
        let journal = JournalID(bytes: Array(prefix[16..<32]))
        var numberReader = BinaryReader(prefix, offset: 32)
        let low = (try? numberReader.uint32()) ?? 0
        let high = (try? numberReader.uint32()) ?? 0
        return .success(FileHeader(kind: kind, journal: journal, number: UInt64(high) << 32 | UInt64(low)))
    }
}
