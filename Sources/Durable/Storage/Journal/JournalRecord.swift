/// One change to the journal's state, framed on disk as
/// `length (UInt32) | index (UInt32) | generation (UInt32) | CRC-32C of body (UInt32) | CRC-32C of the 16 bytes before (UInt32) | body`,
/// where the body is a type byte and its payload.
///
/// The header has its own checksum so that a damaged length is caught as damage instead of being
/// believed and swallowing the records after it. `index` is the event's position in its
/// instance's history and `generation` counts the instance's history replacements: together they
/// let a reader tell when records of an instance are missing, and repair say exactly which.
enum JournalRecord: Equatable {
    /// An event appended to an instance's history (at `index`).
    case append(instanceId: String, event: HistoryEvent)
    /// An instance's whole history replaced (continue-as-new, reuse, compaction).
    case replace(instanceId: String, events: [HistoryEvent])
    /// One part of a history replacement too large for one record: parts from `index` 0 on,
    /// applied together when the part with `isLast` arrives, so a torn write applies none.
    case replacePart(instanceId: String, events: [HistoryEvent], isLast: Bool)
    /// An instance purged.
    case remove(instanceId: String)
    /// Everything in this file before `syncedThrough` had been synced when this was written: the
    /// reader treats damage there as corruption, never as a torn tail.
    case syncMarker(syncedThrough: Int)
    /// The journal's table of contents (the MANIFEST file's one record).
    case manifest(JournalManifest)

    static let frameHeaderSize = 20
    /// The largest body a reader accepts; larger lengths are taken for damage. Writers never
    /// exceed it: a history too large for one record is written in parts.
    static let maximumLength = 256 << 20

    /// The record framed at the end of `buffer`, with `index` and `generation` still zero when the
    /// writer can only know them later (see ``stamp(_:at:index:generation:)``).
    ///
    /// Written in place, header first as a placeholder, so framing costs no buffers of its own.
    /// - Throws: ``JournalError/recordTooLarge(instanceId:size:limit:)``, leaving `buffer` as it was.
    func frame(into buffer: inout [UInt8], index: UInt32 = 0, generation: UInt32 = 0) throws {
        var body = BinaryWriter(capacity: 0)
        swap(&body.bytes, &buffer)
        defer { swap(&body.bytes, &buffer) }
        let start = body.bytes.count
        body.bytes.append(contentsOf: repeatElement(0, count: Self.frameHeaderSize))
        encodeBody(into: &body)
        let length = body.bytes.count - start - Self.frameHeaderSize
        guard length <= Self.maximumLength else {
            body.bytes.removeSubrange(start...)
            throw JournalError.recordTooLarge(instanceId: instanceId ?? "", size: length, limit: Self.maximumLength)
        }
        body.bytes.withUnsafeMutableBytes { frame in
            let bodyChecksum = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: frame[(start + Self.frameHeaderSize)...]))
            frame.storeBytes(of: UInt32(length).littleEndian, toByteOffset: start, as: UInt32.self)
            frame.storeBytes(of: bodyChecksum.littleEndian, toByteOffset: start + 12, as: UInt32.self)
        }
        Self.stamp(&body.bytes, at: start, index: index, generation: generation)
    }

    /// Writes a framed record's index and generation and seals its header with its checksum.
    static func stamp(_ buffer: inout [UInt8], at start: Int, index: UInt32, generation: UInt32) {
        buffer.withUnsafeMutableBytes { frame in
            frame.storeBytes(of: index.littleEndian, toByteOffset: start + 4, as: UInt32.self)
            frame.storeBytes(of: generation.littleEndian, toByteOffset: start + 8, as: UInt32.self)
            let checksum = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: frame[start..<start + 16]))
            frame.storeBytes(of: checksum.littleEndian, toByteOffset: start + 16, as: UInt32.self)
        }
    }

    private func encodeBody(into body: inout BinaryWriter) {
        switch self {
        case .append(let instanceId, let event):
            body.byte(1)
            body.string(instanceId)
            body.event(event)
        case .replace(let instanceId, let events):
            body.byte(2)
            body.string(instanceId)
            body.varint(UInt64(events.count))
            for event in events { body.event(event) }
        case .remove(let instanceId):
            body.byte(3)
            body.string(instanceId)
        case .syncMarker(let syncedThrough):
            body.byte(4)
            body.varint(UInt64(syncedThrough))
        case .replacePart(let instanceId, let events, let isLast):
            body.byte(5)
            body.string(instanceId)
            body.byte(isLast ? 1 : 0)
            body.varint(UInt64(events.count))
            for event in events { body.event(event) }
        case .manifest(let manifest):
            body.byte(6)
            manifest.encode(into: &body)
        }
    }

    /// Decodes a record body (type and payload) whose checksum has been verified.
    init(body: UnsafeRawBufferPointer) throws {
        var reader = BinaryReader(body)
        switch try reader.byte() {
        case 1:
            self = .append(instanceId: try reader.string(), event: try reader.event())
        case 2:
            let instanceId = try reader.string()
            self = .replace(instanceId: instanceId, events: try Self.events(&reader, bodySize: body.count))
        case 3:
            self = .remove(instanceId: try reader.string())
        case 4:
            let synced = try reader.varint()
            guard synced <= UInt64(Int.max) else { throw BinaryReader.Malformed(description: "sync marker out of range") }
            self = .syncMarker(syncedThrough: Int(synced))
        case 5:
            let instanceId = try reader.string()
            let isLast = try reader.byte() == 1
            self = .replacePart(instanceId: instanceId, events: try Self.events(&reader, bodySize: body.count), isLast: isLast)
        case 6:
            self = .manifest(try JournalManifest(from: &reader))
        case let type:
            throw BinaryReader.Malformed(description: "unknown record type \(type)")
        }
        guard reader.isAtEnd else { throw BinaryReader.Malformed(description: "bytes left after the record") }
    }

    private static func events(_ reader: inout BinaryReader, bodySize: Int) throws -> [HistoryEvent] {
        let count = try reader.varint()
        guard count <= UInt64(bodySize) else { throw BinaryReader.Malformed(description: "event count too large") }
        var events: [HistoryEvent] = []
        events.reserveCapacity(Int(count))
        for _ in 0..<count { events.append(try reader.event()) }
        return events
    }

    var instanceId: String? {
        switch self {
        case .append(let id, _), .replace(let id, _), .replacePart(let id, _, _), .remove(let id): id
        case .syncMarker, .manifest: nil
        }
    }

    /// Frames a whole history as one `replace` record, or as `replacePart` records of about
    /// `partSize` bytes each when it is larger (a long history must never exceed the frame limit).
    static func frameHistory(
        of instanceId: String, _ events: [HistoryEvent], generation: UInt32, partSize: Int, into buffer: inout [UInt8]
    ) throws {
        let start = buffer.count
        // Most histories fit one record: frame it whole first and split only when it is large.
        if (try? JournalRecord.replace(instanceId: instanceId, events: events).frame(into: &buffer, generation: generation)) != nil,
            buffer.count - start - frameHeaderSize <= partSize
        {
            return
        }
        buffer.removeSubrange(start...)
        do {
            var sized = BinaryWriter(capacity: 0)
            var part: [HistoryEvent] = []
            var partBytes = 0
            var first = 0
            for (index, event) in events.enumerated() {
                sized.bytes.removeAll(keepingCapacity: true)
                sized.event(event)
                if !part.isEmpty, partBytes + sized.bytes.count > partSize {
                    try JournalRecord.replacePart(instanceId: instanceId, events: part, isLast: false)
                        .frame(into: &buffer, index: UInt32(truncatingIfNeeded: first), generation: generation)
                    part.removeAll(keepingCapacity: true)
                    partBytes = 0
                    first = index
                }
                part.append(event)
                partBytes += sized.bytes.count
            }
            try JournalRecord.replacePart(instanceId: instanceId, events: part, isLast: true)
                .frame(into: &buffer, index: UInt32(truncatingIfNeeded: first), generation: generation)
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
    }
}
