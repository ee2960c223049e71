import Foundation

/// A read-only copy of every history a journal directory holds, read without taking the
/// directory's lock, so it can be taken while a running runtime (another build, another process)
/// has the journal open and keeps appending.
///
/// It never writes, deletes or repairs anything. The newest segment's live tail — a record the
/// writer is still appending, or bytes past the last sync marker a crash left torn — is the end of
/// the data, not damage. A compaction or rollover that replaces files while they are being read
/// makes the read start over (up to ``maximumAttempts`` times); damage that stays is thrown as
/// the ``JournalError`` a plain open would throw, naming the file.
public struct JournalSnapshot: Sendable {
    /// The directory read.
    public let path: String
    /// Every instance's history at the time of the read, by instance id.
    public let histories: [String: [HistoryEvent]]
    /// How many reads it took: more than 1 when files changed under the first.
    public let attempts: Int

    /// How many times a read starts over when the journal's files change under it.
    public static let maximumAttempts = 8

    /// Reads the journal in `path`. An empty or journal-less directory gives no histories; a
    /// directory that cannot be listed throws ``JournalError/io(operation:path:errno:)``.
    public init(directory path: String) throws {
        try self.init(directory: path, afterListing: nil)
    }

    /// `afterListing` runs in each attempt between listing the directory and reading its files:
    /// tests replace the files there, as a compaction running at that moment would.
    init(directory path: String, afterListing: (@Sendable (_ attempt: Int) -> Void)?) throws {
        let directory = JournalDirectory(path: path)
        var attempt = 0
        while true {
            attempt += 1
            do {
                let current = attempt
                let scan = try JournalScanner(directory: directory, salvage: false, afterListing: afterListing.map { hook in { hook(current) } })
                    .scan()
                self.path = path
                self.histories = scan.histories.histories
                self.attempts = attempt
                return
            } catch let error as JournalError {
                // A missing, cut-short or unlisted file is what a compaction or rollover racing the
                // read looks like; anything else that persists across reads is real.
                guard attempt < Self.maximumAttempts, error.mayBeARacingWriter else { throw error }
            }
        }
    }

    /// The ids of the instances the journal holds, sorted.
    public var instanceIds: [String] { histories.keys.sorted() }

    /// The history of `instanceId`, or `nil` if the journal holds none.
    public func history(of instanceId: String) -> [HistoryEvent]? { histories[instanceId] }
}

extension JournalError {
    /// Whether the error can come from a writer changing the directory during a read.
    fileprivate var mayBeARacingWriter: Bool {
        switch self {
        case .missingFile, .truncatedFile, .foreignFile, .io, .corruptRecord: true
        case .directoryLocked, .unsupportedFormat, .recordTooLarge, .closed: false
        }
    }
}
