import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The journal's whole-file operations, each ordered so a crash at any point leaves a directory
/// that opens: a file is complete and synced before the manifest names it, and the manifest is
/// replaced by a rename before the files it no longer names are deleted.
extension JournalDirectory {
    /// Creates an empty segment with its header, synced.
    func createSegment(_ number: Int, journal: JournalID) throws -> AppendFile {
        let path = url(.segment, number)
        var file = try AppendFile.create(path, bytes: FileHeader(kind: .segment, journal: journal, number: UInt64(number)).encoded())
        do {
            try file.sync()
        } catch {
            file.close()
            unlink(path)
            throw error
        }
        return file
    }

    /// Starts a journal in an empty directory: its first segment, then the manifest that names it.
    func createJournal(_ journal: JournalID) throws -> (AppendFile, JournalManifest) {
        let manifest = JournalManifest(checkpoint: nil, sealed: [], newest: 1)
        var segment = try createSegment(manifest.newest, journal: journal)
        do {
            try writeManifest(manifest, journal: journal)
        } catch {
            segment.close()
            throw error
        }
        return (segment, manifest)
    }

    /// Writes every history into `checkpoint-<number>.log` (through a temporary file, synced and
    /// renamed, so the name only ever holds a whole checkpoint); returns its length.
    func writeCheckpoint(_ number: Int, journal: JournalID, histories: [String: JournalHistories.Entry], partSize: Int) throws -> Int {
        let temporary = url(.checkpoint, number) + ".tmp"
        unlink(temporary)
        var file = try AppendFile.create(temporary, bytes: FileHeader(kind: .checkpoint, journal: journal, number: UInt64(number)).encoded())
        defer { file.close() }
        var buffer: [UInt8] = []
        for (instanceId, entry) in histories {
            try JournalRecord.frameHistory(of: instanceId, entry.events, generation: entry.generation, partSize: partSize, into: &buffer)
            if buffer.count > 1 << 20 {
                try file.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try file.write(buffer)
        try file.sync()
        guard rename(temporary, url(.checkpoint, number)) == 0 else {
            throw JournalError.io(operation: "rename", path: temporary, errno: errno)
        }
        try syncDirectory()
        return file.size
    }

    /// After a salvage: writes what was kept as one checkpoint and a fresh segment, moves the
    /// damaged files into `damaged/`, writes a manifest naming only the new files, and deletes the
    /// files the checkpoint replaces. The next plain open then holds exactly what the repair report says.
    func rewrite(_ scan: JournalScanner.Result, partSize: Int) throws -> (AppendFile, JournalManifest, [String]) {
        let numbers = try files(.segment).map(\.number) + files(.checkpoint).map(\.number)
        let checkpoint = (numbers.max() ?? 0) + 1
        let length = try writeCheckpoint(checkpoint, journal: scan.journal, histories: scan.histories.snapshot, partSize: partSize)
        let manifest = JournalManifest(checkpoint: .init(number: checkpoint, length: length), sealed: [], newest: checkpoint + 1)
        var segment = try createSegment(manifest.newest, journal: scan.journal)
        do {
            // Set aside first: a damaged manifest is among them. Nothing set aside was loaded, so
            // a crash before the new manifest is in place leaves a directory repair reads the same.
            let setAside = try moveAside(scan.setAside)
            try writeManifest(manifest, journal: scan.journal)
            for old in try files(.segment) where old.number < manifest.newest { try remove(old.path) }
            for old in try files(.checkpoint) where old.number < checkpoint { try remove(old.path) }
            try syncDirectory()
            return (segment, manifest, setAside)
        } catch {
            segment.close()
            throw error
        }
    }

    /// Moves files into the `damaged` folder (never deleting them: a person may want the bytes);
    /// returns their new paths.
    private func moveAside(_ paths: [String]) throws -> [String] {
        guard !paths.isEmpty else { return [] }
        let folder = JournalDirectory(path: (path as NSString).appendingPathComponent("damaged"))
        try folder.create()
        var moved: [String] = []
        for source in paths {
            var target = (folder.path as NSString).appendingPathComponent((source as NSString).lastPathComponent)
            var suffix = 1
            while FileManager.default.fileExists(atPath: target) {
                target = (folder.path as NSString).appendingPathComponent("\((source as NSString).lastPathComponent).\(suffix)")
                suffix += 1
            }
            guard rename(source, target) == 0 else { throw JournalError.io(operation: "rename", path: source, errno: errno) }
            moved.append(target)
        }
        try folder.syncDirectory()
        return moved
    }
}
