/// The journal's table of contents, kept in the `MANIFEST` file: which files the journal consists
/// of and how long each sealed one is.
///
/// Rewritten atomically (a new file, synced, renamed over the old one, directory synced) whenever
/// a segment is sealed or a checkpoint replaces segments, so opening can tell a missing, short or
/// stray file from a complete journal. The newest segment's length is not recorded: it grows with
/// every batch; sync markers inside it say how much of it is known to be synced.
struct JournalManifest: Equatable {
    struct SealedFile: Equatable {
        var number: Int
        var length: Int
    }

    /// The checkpoint the journal starts from, if compaction has written one.
    var checkpoint: SealedFile?
    /// The sealed segments after the checkpoint, oldest first.
    var sealed: [SealedFile]
    /// The segment appends go to.
    var newest: Int

    static let fileName = "MANIFEST"

    func encode(into writer: inout BinaryWriter) {
        writer.optional(checkpoint) { $0.varint(UInt64($1.number)); $0.varint(UInt64($1.length)) }
        writer.varint(UInt64(sealed.count))
        for file in sealed {
            writer.varint(UInt64(file.number))
            writer.varint(UInt64(file.length))
        }
        writer.varint(UInt64(newest))
    }

    init(checkpoint: SealedFile?, sealed: [SealedFile], newest: Int) {
        self.checkpoint = checkpoint
        self.sealed = sealed
        self.newest = newest
    }

    init(from reader: inout BinaryReader) throws {
        func number(_ reader: inout BinaryReader) throws -> Int {
            let value = try reader.varint()
            guard value <= UInt64(Int32.max) else { throw BinaryReader.Malformed(description: "file number out of range") }
            return Int(value)
        }
        func length(_ reader: inout BinaryReader) throws -> Int {
            let value = try reader.varint()
            guard value <= UInt64(Int.max) else { throw BinaryReader.Malformed(description: "file length out of range") }
            return Int(value)
        }
        checkpoint = try reader.optional { SealedFile(number: try number(&$0), length: try length(&$0)) }
        let count = try reader.varint()
        guard count <= 1 << 24 else { throw BinaryReader.Malformed(description: "too many sealed segments") }
        sealed = try (0..<count).map { _ in SealedFile(number: try number(&reader), length: try length(&reader)) }
        newest = try number(&reader)
    }

    /// Every file number the manifest names, with its kind and (if sealed) length.
    var files: [(kind: JournalDirectory.FileKind, number: Int, length: Int?)] {
        (checkpoint.map { [(JournalDirectory.FileKind.checkpoint, $0.number, Optional($0.length))] } ?? [])
            + sealed.map { (.segment, $0.number, Optional($0.length)) } + [(.segment, newest, nil)]
    }
}

extension JournalDirectory {
    var manifestPath: String { (path as NSString).appendingPathComponent(JournalManifest.fileName) }

    /// Replaces the manifest atomically and durably.
    func writeManifest(_ manifest: JournalManifest, journal: JournalID) throws {
        try replaceManifest(manifest, journal: journal)
        try syncDirectory()
    }

    /// Replaces the manifest atomically: once this returns, the new one is in place (a rename),
    /// but durable only once the directory is synced. If it throws, the old one is in place.
    func replaceManifest(_ manifest: JournalManifest, journal: JournalID) throws {
        var bytes = FileHeader(kind: .manifest, journal: journal, number: UInt64(manifest.newest)).encoded()
        try JournalRecord.manifest(manifest).frame(into: &bytes)
        let temporary = manifestPath + ".tmp"
        unlink(temporary)
        var file = try AppendFile.create(temporary, bytes: bytes)
        defer { file.close() }
        try file.sync()
        guard rename(temporary, manifestPath) == 0 else {
            throw JournalError.io(operation: "rename", path: temporary, errno: errno)
        }
    }

    /// Reads the manifest, or `nil` if there is none; damage is ``JournalError/corruptRecord(file:offset:reason:)``.
    func readManifest() throws -> (manifest: JournalManifest, journal: JournalID)? {
        guard let bytes = try readFileIfPresent(manifestPath) else { return nil }
        return try bytes.withUnsafeBytes { buffer in
            let header: FileHeader
            switch FileHeader.decode(buffer) {
            case .success(let decoded) where decoded.kind == .manifest: header = decoded
            case .success: throw JournalError.foreignFile(file: manifestPath, reason: "its header is not a manifest's")
            case .failure(.unsupportedVersion(let version)):
                throw JournalError.unsupportedFormat(file: manifestPath, version: version, supported: FileHeader.formatVersion)
            case .failure(let problem):
                throw JournalError.corruptRecord(file: manifestPath, offset: 0, reason: "manifest header: \(problem)")
            }
            switch RecordFrame.parse(buffer, at: FileHeader.size) {
            case .record(let body, let frame) where frame.end == buffer.count:
                guard case .manifest(let manifest) = try? JournalRecord(body: body) else {
                    throw JournalError.corruptRecord(file: manifestPath, offset: FileHeader.size, reason: "not a manifest record")
                }
                return (manifest, header.journal)
            case .record:
                throw JournalError.corruptRecord(file: manifestPath, offset: FileHeader.size, reason: "bytes after the manifest record")
            case .damaged(let reason, _), .short(let reason):
                throw JournalError.corruptRecord(file: manifestPath, offset: FileHeader.size, reason: reason)
            }
        }
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
