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
        return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
    }

    /// The date in UTC as ISO 8601 with milliseconds (`2026-12-03T09:11:34.123Z`).
    static func date(_ date: Date) -> ManagementJSON {
        .string(ISO8601UTC.string(from: date))
    }

    var rendered: String {
        var out = ""
        render(into: &out)
        return out
    }

    private func render(into out: inout String) {
        switch self {
        case .string(let text): Self.quote(text, into: &out)
        case .int(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .raw(let text): out += text
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.render(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (index, (key, value)) in fields.enumerated() {
                if index > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                value.render(into: &out)
            }
            out += "}"
        }
    }

    private static func quote(_ text: String, into out: inout String) {
        out += "\""
        // Most keys, ids and names need no escape: append them whole instead of scalar by scalar.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
