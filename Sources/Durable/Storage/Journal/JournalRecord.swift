/// One change to the journal's state, framed on disk as
/// `length (UInt32) | CRC-32C of length (UInt32) | CRC-32C of body (UInt32) | body (type byte, payload)`.
///
/// The length has its own checksum so that a damaged length is caught as damage, instead of being
/// believed and swallowing the records after it.
enum JournalRecord: Equatable {
    /// An event appended to an instance's history.
    case append(instanceId: String, event: HistoryEvent)
    /// An instance's whole history replaced (continue-as-new, reuse, compaction).
    case replace(instanceId: String, events: [HistoryEvent])
    /// An instance purged.
    case remove(instanceId: String)

    static let frameHeaderSize = 12
    /// Larger records are taken for garbage: no event comes near it.
    static let maximumLength = 256 << 20

    /// The record, framed, appended to `buffer`: written in place, header last, so framing a
    /// record costs no buffers of its own.
    func frame(into buffer: inout [UInt8]) {
        var body = BinaryWriter(capacity: 0)
        swap(&body.bytes, &buffer)
        defer { swap(&body.bytes, &buffer) }
        let start = body.bytes.count
        body.bytes.append(contentsOf: repeatElement(0, count: Self.frameHeaderSize))
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
        }
        body.bytes.withUnsafeMutableBytes { frame in
            let length = UInt32(frame.count - start - Self.frameHeaderSize)
            frame.storeBytes(of: length.littleEndian, toByteOffset: start, as: UInt32.self)
            let lengthChecksum = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: frame[start..<start + 4]))
            let bodyChecksum = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: frame[(start + Self.frameHeaderSize)...]))
            frame.storeBytes(of: lengthChecksum.littleEndian, toByteOffset: start + 4, as: UInt32.self)
            frame.storeBytes(of: bodyChecksum.littleEndian, toByteOffset: start + 8, as: UInt32.self)
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
            let count = try reader.varint()
            guard count <= UInt64(body.count) else { throw BinaryReader.Malformed(description: "event count too large") }
            var events: [HistoryEvent] = []
            events.reserveCapacity(Int(count))
            for _ in 0..<count { events.append(try reader.event()) }
            self = .replace(instanceId: instanceId, events: events)
        case 3:
            self = .remove(instanceId: try reader.string())
        case let type:
            throw BinaryReader.Malformed(description: "unknown record type \(type)")
        }
        guard reader.isAtEnd else { throw BinaryReader.Malformed(description: "bytes left after the record") }
    }

    var instanceId: String {
        switch self {
        case .append(let id, _), .replace(let id, _), .remove(let id): id
        }
    }
}
