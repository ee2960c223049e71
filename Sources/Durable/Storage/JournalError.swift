/// What can go wrong with a journal directory, each with a message a person can act on.
///
/// Every error about the journal's files names the file; damage inside a file names the offset.
public enum JournalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another runtime (in this process or another) has the directory open.
    case directoryLocked(path: String)
    /// A record failed its checksum or did not parse where the bytes are known to have been
    /// synced. Open with `repairCorruption` to set the damage aside and keep everything else.
    case corruptRecord(file: String, offset: Int, reason: String)
    /// A file was written in a journal format this build does not read.
    case unsupportedFormat(file: String, version: UInt32, supported: UInt32)
    /// A file the journal consists of is not there (deleted, or never copied).
    case missingFile(file: String, reason: String)
    /// A file is shorter than the journal recorded when it sealed the file: synced records are gone.
    case truncatedFile(file: String, expectedLength: Int, actualLength: Int)
    /// A file in the directory does not belong to this journal: another journal's file, an
    /// unexpected segment number, or something that is not a regular file.
    case foreignFile(file: String, reason: String)
    /// A record would exceed the journal's frame limit; nothing was written.
    case recordTooLarge(instanceId: String, size: Int, limit: Int)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The journal was closed.
    case closed

    public var description: String {
        let repair = "Open the journal with repairCorruption to set the damage aside and recover everything else."
        switch self {
        case .directoryLocked(let path):
            return "The journal directory '\(path)' is in use by another runtime. Only one runtime may open a directory at a time."
        case .corruptRecord(let file, let offset, let reason):
            return "Corrupt journal record in '\(file)' at offset \(offset): \(reason). \(repair)"
        case .unsupportedFormat(let file, let version, let supported):
            return "'\(file)' was written in journal format \(version); this build of Durable reads format \(supported)."
        case .missingFile(let file, let reason):
            return "The journal file '\(file)' is missing: \(reason). \(repair)"
        case .truncatedFile(let file, let expected, let actual):
            return "The journal file '\(file)' is \(actual) bytes long, but \(expected) bytes were synced to it: "
                + "\(expected - actual) bytes of records are gone. \(repair)"
        case .foreignFile(let file, let reason):
            return "'\(file)' does not belong to this journal: \(reason). Move it out of the directory, or \(repair.prefix(1).lowercased())\(repair.dropFirst())"
        case .recordTooLarge(let instanceId, let size, let limit):
            return "A journal record of \(size) bytes for instance '\(instanceId)' exceeds the frame limit of \(limit) bytes; nothing was written."
        case .io(let operation, let path, let errno):
            return "\(operation) failed for '\(path)': \(String(cString: strerror(errno))) (errno \(errno))."
        case .closed:
            return "The journal is closed."
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
