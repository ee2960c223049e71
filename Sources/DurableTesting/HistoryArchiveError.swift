import Foundation

/// Why a history archive could not be read or written; each names the file, and for an event,
/// its position and the field at fault.
public enum HistoryArchiveError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file is not JSON of the archive's shape.
    case invalidFile(file: String, reason: String)
    /// The file is another format, or a version of this one this build does not read.
    case unsupportedFormat(file: String, format: String, version: Int)
    /// An event lacks a field its type needs, or a field's value is not valid.
    case invalidEvent(file: String, index: Int, field: String, reason: String)
    /// Reading or writing the file failed.
    case io(file: String, reason: String)

    public var description: String {
        switch self {
        case .invalidFile(let file, let reason):
            "'\(file)' is not a Durable history archive: \(reason)."
        case .unsupportedFormat(let file, let format, let version):
            "'\(file)' is format '\(format)' version \(version); this build reads '\(HistoryArchive.format)' version \(HistoryArchive.version)."
        case .invalidEvent(let file, let index, let field, let reason):
            "'\(file)', event \(index), field '\(field)': \(reason)."
        case .io(let file, let reason):
            "'\(file)': \(reason)."
        }
    }
}
