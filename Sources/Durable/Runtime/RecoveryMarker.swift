/// What a runtime keeps across restarts to notice that the process died while recovering, and
/// to isolate and quarantine the instance whose code killed it (see `Engine.recover`).
///
/// The store keeps it as opaque bytes (``HistoryStore/replaceRecoveryMarker(_:)``); the file
/// journal in a `RECOVERY` file of its directory. Bytes that are not a whole marker — torn,
/// garbled, another version — read as no marker: the runtime then recovers as after a clean
/// shutdown, and at worst needs a few more crashes to find a poison instance again.
struct RecoveryMarker: Equatable, Sendable {
    /// An instance whose code is not run at recovery, and why.
    struct Quarantine: Equatable, Sendable {
        var instanceId: String
        /// The execution quarantined: a reused id or a new execution is not.
        var executionId: String
        var reason: String
    }

    /// The instances whose replay (or first run) during recovery was in progress when the marker
    /// was written; empty once recovery is over. Found non-empty at a start, it means the process
    /// died during recovery.
    var inFlight: [String] = []
    /// Whether `inFlight` names the one instance recovering alone, rather than all that recover together.
    var isIsolating = false
    /// While isolating: every instance of the crash being isolated, in the order they recover alone.
    var suspects: [String] = []
    /// Per suspect, how many crashes came while it was the one recovering alone.
    var strikes: [String: Int] = [:]
    var quarantined: [Quarantine] = []

    /// Crashes while an instance recovered alone that quarantine it. Two, not one: an instance
    /// that recovered alone before may still be running live code when the next one is alone.
    static let strikesToQuarantine = 2

    private static let magic: [UInt8] = Array("DRM1".utf8)

    /// The marker as the store keeps it: a magic, the body's length and CRC-32C, the body.
    var encoded: [UInt8] {
        var body = BinaryWriter()
        body.byte(isIsolating ? 1 : 0)
        body.strings(inFlight)
        body.strings(suspects)
        let strikes = strikes.sorted { $0.key < $1.key }
        body.varint(UInt64(strikes.count))
        for (id, count) in strikes {
            body.string(id)
            body.varint(UInt64(max(0, count)))
        }
        body.varint(UInt64(quarantined.count))
        for entry in quarantined {
            body.string(entry.instanceId)
            body.string(entry.executionId)
            body.string(entry.reason)
        }
        var bytes = BinaryWriter(capacity: body.bytes.count + 12)
        bytes.bytes += Self.magic
        bytes.uint32(UInt32(truncatingIfNeeded: body.bytes.count))
        bytes.uint32(body.bytes.withUnsafeBytes { CRC32C.checksum($0) })
        bytes.bytes += body.bytes
        return bytes.bytes
    }

    /// Decodes what ``encoded`` wrote; `nil` for anything else.
    init?(decoding bytes: [UInt8]) {
        let header = Self.magic.count + 8
        guard bytes.count >= header, Array(bytes.prefix(Self.magic.count)) == Self.magic else { return nil }
        let decoded: RecoveryMarker? = bytes.withUnsafeBytes { buffer in
            var reader = BinaryReader(buffer, offset: Self.magic.count)
            guard let length = try? reader.uint32(), let checksum = try? reader.uint32(),
                UInt64(length) == UInt64(buffer.count - header)
            else { return nil }
            let body = UnsafeRawBufferPointer(rebasing: buffer[header...])
            guard CRC32C.checksum(body) == checksum else { return nil }
            return try? RecoveryMarker(body: body)
        }
        guard let decoded else { return nil }
        self = decoded
    }

    init() {}

    private init(body: UnsafeRawBufferPointer) throws {
        var reader = BinaryReader(body)
        switch try reader.byte() {
        case 0: isIsolating = false
        case 1: isIsolating = true
        case let flag: throw BinaryReader.Malformed(description: "bad isolating flag \(flag)")
        }
        inFlight = try reader.strings(within: body.count)
        suspects = try reader.strings(within: body.count)
        for _ in 0..<(try reader.count(within: body.count)) {
            let id = try reader.string()
            let count = try reader.varint()
            strikes[id] = Int(min(count, UInt64(Self.strikesToQuarantine)))
        }
        for _ in 0..<(try reader.count(within: body.count)) {
            quarantined.append(
                Quarantine(instanceId: try reader.string(), executionId: try reader.string(), reason: try reader.string()))
        }
        guard reader.isAtEnd else { throw BinaryReader.Malformed(description: "bytes after the marker") }
    }
}

extension BinaryWriter {
    fileprivate mutating func strings(_ values: [String]) {
        varint(UInt64(values.count))
        for value in values { string(value) }
    }
}

extension BinaryReader {
    /// A count of entries, each at least a byte: more than the body holds is damage, not a reason to allocate.
    fileprivate mutating func count(within size: Int) throws -> Int {
        let count = try varint()
        guard count <= UInt64(size) else { throw Malformed(description: "count past the marker's end") }
        return Int(count)
    }

    fileprivate mutating func strings(within size: Int) throws -> [String] {
        try (0..<count(within: size)).map { _ in try string() }
    }
}
