import Durable
import Foundation

/// One instance's history in a stable, versioned, human-readable JSON file, for replay tests
/// against histories recorded in production (see ``ReplayVerifier``).
///
/// The file reads `{"format":"durable-history","version":1,"instanceId":…,"events":[{"type":
/// "TaskScheduled","sequence":0,"timestamp":"2026-…Z",…}]}`. A payload is its JSON text (a
/// string) when it is UTF-8 JSON, else `{"base64":…}`. Times are ISO 8601; one that ISO 8601
/// with milliseconds would round also carries its exact value (`…Exact`), so replay sees the
/// very times recorded.
public struct HistoryArchive: Sendable, Hashable {
    /// The `format` field every archive carries.
    public static let format = "durable-history"
    /// The version this build writes and reads.
    public static let version = 1

    /// The instance the history belongs to.
    public var instanceId: String
    /// The history, oldest first.
    public var events: [HistoryEvent]

    /// Creates an archive of `events`.
    public init(instanceId: String, events: [HistoryEvent]) {
        self.instanceId = instanceId
        self.events = events
    }

    /// The archive as JSON: pretty-printed with sorted keys, so a diff between two reads well.
    public func encoded() throws -> Data {
        let file = ArchiveFile(
            format: Self.format, version: Self.version, instanceId: instanceId, events: events.map(ArchivedEvent.init))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(file)
    }

    /// Reads an archive from `data`; `file` names it in errors.
    public init(data: Data, file: String = "<data>") throws(HistoryArchiveError) {
        let header: ArchiveHeader
        do {
            header = try JSONDecoder().decode(ArchiveHeader.self, from: data)
        } catch {
            throw .invalidFile(file: file, reason: Self.describe(error))
        }
        guard header.format == Self.format, header.version == Self.version else {
            throw .unsupportedFormat(file: file, format: header.format, version: header.version)
        }
        let archived: ArchiveFile
        do {
            archived = try JSONDecoder().decode(ArchiveFile.self, from: data)
        } catch {
            throw .invalidFile(file: file, reason: Self.describe(error))
        }
        instanceId = archived.instanceId
        var events: [HistoryEvent] = []
        events.reserveCapacity(archived.events.count)
        for (index, event) in archived.events.enumerated() {
            do {
                events.append(try event.event())
            } catch {
                throw .invalidEvent(file: file, index: index, field: error.field, reason: error.reason)
            }
        }
        self.events = events
    }

    /// Writes the archive to the file at `path`, replacing it.
    public func write(to path: String) throws {
        do {
            try encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw HistoryArchiveError.io(file: path, reason: "\(error)")
        }
    }

    /// Reads the archive in the file at `path`.
    public init(contentsOf path: String) throws(HistoryArchiveError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .io(file: path, reason: "cannot be read (\(error.localizedDescription))")
        }
        try self.init(data: data, file: path)
    }

    /// The history of `instanceId` as `client`'s runtime holds it.
    public static func save(_ instanceId: String, from client: DurableClient) async throws -> HistoryArchive {
        HistoryArchive(instanceId: instanceId, events: try await client.history(of: instanceId))
    }

    /// Every history of the journal in `directory`, sorted by instance id, read through a
    /// ``JournalSnapshot``: a running runtime may hold the journal.
    public static func all(inJournal directory: String) throws -> [HistoryArchive] {
        let snapshot = try JournalSnapshot(directory: directory)
        return snapshot.instanceIds.map { HistoryArchive(instanceId: $0, events: snapshot.histories[$0] ?? []) }
    }

    /// The file name an instance's archive gets in a folder: its id and `.json`. An id with
    /// characters a file name cannot hold has them replaced and a fingerprint of the id added,
    /// so two such ids (`a/b`, `a_b`) never share a file.
    public var fileName: String {
        let safe = instanceId.map { $0.isLetter || $0.isNumber || "-_".contains($0) ? String($0) : "_" }.joined()
        guard safe != instanceId || safe.isEmpty else { return safe + ".json" }
        return safe + "-" + InputFingerprint(Payload(data: Data(instanceId.utf8))).description.prefix(8) + ".json"
    }

    /// Writes each archive to `folder` (created if needed) as ``fileName``; returns the paths.
    @discardableResult
    public static func write(_ archives: [HistoryArchive], toFolder folder: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw HistoryArchiveError.io(file: folder, reason: "cannot be created (\(error.localizedDescription))")
        }
        return try archives.map { archive in
            let path = (folder as NSString).appendingPathComponent(archive.fileName)
            try archive.write(to: path)
            return path
        }
    }

    /// Reads every `.json` file of `folder`, sorted by name; the first that does not read throws.
    public static func read(folder: String) throws -> [(file: String, archive: HistoryArchive)] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw HistoryArchiveError.io(file: folder, reason: "cannot be listed (\(error.localizedDescription))")
        }
        return try names.map { name in
            let path = (folder as NSString).appendingPathComponent(name)
            return (path, try HistoryArchive(contentsOf: path))
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\(key.stringValue)' at '\(path(context))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "'\(path(context))': \(context.debugDescription)"
        case .dataCorrupted(let context): return "\(context.debugDescription)" + (context.codingPath.isEmpty ? "" : " at '\(path(context))'")
        @unknown default: return "\(error)"
        }
    }
}

private struct ArchiveHeader: Decodable {
    var format: String
    var version: Int
}

struct ArchiveFile: Codable {
    var format: String
    var version: Int
    var instanceId: String
    var events: [ArchivedEvent]
}
