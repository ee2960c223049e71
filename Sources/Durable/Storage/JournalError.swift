/// What can go wrong with a journal directory, each with a message a person can act on.
public enum JournalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another runtime (in this process or another) has the directory open.
    case directoryLocked(path: String)
    /// A record failed its checksum or did not parse, before the end of the journal. Nothing after
    /// it was loaded; open with `repairCorruption` to truncate there and go on.
    case corruptRecord(file: String, offset: Int, reason: String)
    /// A file was written by a journal format this version does not read.
    case unsupportedFormat(file: String, version: UInt32)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The journal was closed.
    case closed

    public var description: String {
        switch self {
        case .directoryLocked(let path):
            "The journal directory '\(path)' is in use by another runtime. Only one runtime may open a directory at a time."
        case .corruptRecord(let file, let offset, let reason):
            "Corrupt journal record in '\(file)' at offset \(offset): \(reason). Nothing after it was loaded; "
                + "open the journal with repairCorruption to truncate the journal there and recover what precedes it."
        case .unsupportedFormat(let file, let version):
            "'\(file)' was written in journal format \(version), which this version of Durable cannot read."
        case .io(let operation, let path, let errno):
            "\(operation) failed for '\(path)': \(String(cString: strerror(errno))) (errno \(errno))."
        case .closed:
            "The journal is closed."
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
