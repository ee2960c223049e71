import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The runtime's recovery marker, kept in the journal directory's `RECOVERY` file.
///
/// Replaced like the manifest: a new file, synced, renamed over the old one, the directory
/// synced (under ``Durability/buffered`` neither sync, as for every other write). The journal
/// never reads the file's contents itself; a missing or unreadable one is no marker.
extension FileJournal {
    static let recoveryMarkerFileName = "RECOVERY"

    private var recoveryMarkerPath: String { (path as NSString).appendingPathComponent(Self.recoveryMarkerFileName) }

    public var keepsRecoveryMarker: Bool { true }

    public func recoveryMarker() throws -> [UInt8]? {
        do {
            return try readFileIfPresent(recoveryMarkerPath, prefix: 64 << 20)
        } catch {
            options.log("the recovery marker could not be read, so it counts as none: \(error)")
            return nil
        }
    }

    public func replaceRecoveryMarker(_ bytes: [UInt8]) throws {
        guard !isClosed else { throw JournalError.closed }
        let temporary = recoveryMarkerPath + ".tmp"
        let syncs = options.durability != .buffered
        do {
            unlink(temporary)
            var file = try AppendFile.create(temporary, bytes: bytes)
            defer { file.close() }
            if syncs { try file.sync() }
            guard rename(temporary, recoveryMarkerPath) == 0 else {
                throw JournalError.io(operation: "rename", path: temporary, errno: errno)
            }
            if syncs { try directory.syncDirectory() }
        } catch {
            options.log("the recovery marker could not be written: \(error)")
            throw error
        }
    }
}
