import Foundation

/// A JSON value the management API writes by hand, so payloads already in JSON go out as they
/// are and object keys keep Durable Functions' order.
indirect enum ManagementJSON: Sendable, Hashable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    /// Text already known to be one valid JSON value (a payload).
    case raw(String)
    case array([ManagementJSON])
    case object([(String, ManagementJSON)])

    static func == (lhs: ManagementJSON, rhs: ManagementJSON) -> Bool { lhs.rendered == rhs.rendered }
    func hash(into hasher: inout Hasher) { hasher.combine(rendered) }

    /// A payload as JSON: its own text when it is valid JSON, else (a damaged record) as a string.
    static func payload(_ payload: Payload?) -> ManagementJSON {
        guard let payload else { return .null }
        return isValidJSON(payload.data) ? .raw(payload.text) : .string(payload.text)
    }

    /// Whether `data` is one JSON value, nested no deeper than payloads may be.
    static func isValidJSON(_ data: Data) -> Bool {
        guard !data.isEmpty, !NestingProbe.exceedsLimit(data) else { return false }
        return data.withUnsafeBytes { JSONSyntax.isValid($0) }
    }

    /// The date in UTC as ISO 8601 with milliseconds (`2026-12-03T09:11:34.123Z`).
    static func date(_ date: Date) -> ManagementJSON {
        .string(ISO8601UTC.string(from: date))
    }

    var rendered: String { String(decoding: bytes, as: UTF8.self) }

    /// The value as UTF-8 JSON. Written into one byte buffer sized up front: every start answers
    /// with a check-status payload of eight URIs, and growing a `String` piece by piece showed in
    /// the start path's profile.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        render(into: &out)
        return out
    }

    private func render(into out: inout [UInt8]) {
        switch self {
        case .string(let text): Self.quote(text, into: &out)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .raw(let text): out.append(contentsOf: text.utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.render(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.quote(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.render(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `text` as a JSON string. Byte by byte is exact: every byte that needs an escape is ASCII,
    /// and the bytes of other scalars are copied as the UTF-8 they already are.
    static func quote(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        escape(text, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// `text`'s bytes as the inside of a JSON string. Per byte, so escaping two strings one after
    /// the other writes the escape of the two joined.
    static func escape(_ text: String, into out: inout [UInt8]) {
        // Most keys, ids, names and URIs need no escape: copied whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return out.append(contentsOf: text.utf8)
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = "0123456789abcdef".utf8
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[hex.index(hex.startIndex, offsetBy: Int(byte >> 4))])
                out.append(hex[hex.index(hex.startIndex, offsetBy: Int(byte & 0xF))])
            default: out.append(byte)
            }
        }
    }
}
