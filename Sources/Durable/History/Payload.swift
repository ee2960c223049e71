import Foundation

/// A `Codable` value as it is stored in history: encoded once, as JSON.
///
/// Payloads cross every boundary in Durable (client → instance → activity → journal), so the
/// orchestration sees exactly the bytes a replay will see.
public struct Payload: Sendable, Hashable, Codable {
    /// The encoded bytes (UTF-8 JSON).
    public let data: Data

    /// Wraps bytes that are already encoded, for example input that arrived over HTTP.
    public init(data: Data) {
        self.data = data
    }

    /// Encodes `value`, throwing ``DurableError/encodingFailed(type:reason:)`` if it cannot, or
    /// ``DurableError/payloadTooDeep(type:limit:)`` if it nests deeper than ``maxNestingDepth``.
    public init<Value: Encodable>(encoding value: Value) throws {
        if let scalar = ScalarJSON.encode(value) {
            self.data = scalar
            return
        }
        // The common shapes in one walk, exactly as JSONEncoder writes them (see PayloadEncoder).
        if let encoded = PayloadEncoder.encode(value) {
            self.data = encoded
            return
        }
        // Walked once first, by an encoder that stops at the limit: JSONEncoder would walk a
        // too-deep value to its end before refusing it, and overflow the stack on the way.
        if NestingProbe.exceedsLimit(value) {
            throw DurableError.payloadTooDeep(type: String(reflecting: Value.self), limit: Self.maxNestingDepth)
        }
        do {
            self.data = try Self.encoder.encode(value)
        } catch {
            throw DurableError.encodingFailed(type: String(reflecting: Value.self), reason: String(describing: error))
        }
    }

    /// Shared: Foundation's coders are safe to use from many threads, and making one costs more than a small encoding.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // dictionary order varies between encodings; history must not
        return encoder
    }()
    private static let decoder = JSONDecoder()

    /// The payload of `Void`-like results and absent values.
    public static let empty = Payload(data: Data("{}".utf8))

    /// Decodes the payload as `type`, throwing ``DurableError/decodingFailed(type:reason:)`` if it
    /// does not fit, or ``DurableError/payloadTooDeep(type:limit:)`` if the JSON nests deeper than
    /// ``maxNestingDepth`` (a damaged history or a client's raw bytes can).
    public func decode<Value: Decodable>(_ type: Value.Type = Value.self) throws -> Value {
        // Type by type, with no `Value?` in between: in generic code that is not specialized (a
        // user's activity type) an optional of `Value` costs a metadata lookup on every decode.
        if Value.self == Int.self, let value = ScalarJSON.int(data) { return unsafeBitCast(value, to: Value.self) }
        if Value.self == Bool.self, let value = ScalarJSON.bool(data) { return unsafeBitCast(value, to: Value.self) }
        if Value.self == String.self, let value = ScalarJSON.string(data) { return unsafeBitCast(value, to: Value.self) }
        if NestingProbe.exceedsLimit(data) {
            throw DurableError.payloadTooDeep(type: String(reflecting: Value.self), limit: Self.maxNestingDepth)
        }
        // Most payloads are small structs in plain JSON, which PayloadDecoder reads at a fraction
        // of JSONDecoder's cost; what it is not sure to read exactly as JSONDecoder does (and every
        // error, which JSONDecoder words) it leaves to JSONDecoder.
        if let value = PayloadDecoder.decode(Value.self, from: data) { return value }
        do {
            return try Self.decoder.decode(Value.self, from: data)
        } catch {
            throw DurableError.decodingFailed(type: String(reflecting: Value.self), reason: String(describing: error))
        }
    }

    /// The payload as text, for logs and audit trails.
    public var text: String { String(decoding: data, as: UTF8.self) }
}

extension Payload: CustomStringConvertible {
    public var description: String { text }
}

/// Encodes and decodes the commonest payloads — integers, booleans, plain strings — without a
/// JSON coder: the same JSON, at a fraction of the cost on every step.
enum ScalarJSON {
    static func encode<Value>(_ value: Value) -> Data? {
        if Value.self == Int.self {
            return encodeInt(unsafeBitCast(value, to: Int.self))
        }
        if Value.self == Bool.self {
            return Data((unsafeBitCast(value, to: Bool.self) ? "true" : "false").utf8)
        }
        if Value.self == String.self {
            return encodePlain(unsafeBitCast(value, to: String.self))
        }
        return nil
    }

    /// A string without characters to escape, quoted; `nil` otherwise. Copied in one go: `Data`'s
    /// generic `append`s cost more than the rest of the step's encoding together.
    private static func encodePlain(_ string: String) -> Data? {
        var string = string
        return string.withUTF8 { utf8 -> Data? in
            guard utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C && $0 < 0x7F }) else { return nil }
            var data = Data(count: utf8.count + 2)
            data.withUnsafeMutableBytes { bytes in
                bytes[0] = 0x22
                UnsafeMutableRawBufferPointer(rebasing: bytes[1..<(utf8.count + 1)]).copyMemory(from: UnsafeRawBufferPointer(utf8))
                bytes[utf8.count + 1] = 0x22
            }
            return data
        }
    }

    /// A JSON string without escapes, or `nil` (left to the decoder).
    static func string(_ data: Data) -> String? {
        guard data.count >= 2, data.first == 0x22, data.last == 0x22,
            !data.dropFirst().dropLast().contains(where: { $0 == 0x5C || $0 == 0x22 || $0 < 0x20 })
        else { return nil }
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    /// `true` or `false`, or `nil`.
    static func bool(_ data: Data) -> Bool? {
        switch data.count {
        case 4 where data.elementsEqual("true".utf8): true
        case 5 where data.elementsEqual("false".utf8): false
        default: nil
        }
    }

    private static func encodeInt(_ value: Int) -> Data {
        // Digits go into stack memory, right to left; a Data this short is stored inline, so an
        // integer payload allocates nothing.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var start = buffer.count
            var magnitude = value.magnitude
            repeat {
                start -= 1
                buffer[start] = UInt8(truncatingIfNeeded: magnitude % 10) + 0x30
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                buffer[start] = 0x2D
            }
            return Data(UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// A JSON integer that fits in `Int`, or `nil` (fractions, exponents, overflow: left to the decoder).
    static func int(_ data: Data) -> Int? {
        guard !data.isEmpty, data.count <= 19 else { return nil }
        return data.withUnsafeBytes { bytes -> Int? in
            var value = 0
            var index = 0
            let negative = bytes[0] == 0x2D
            if negative { index = 1 }
            guard index < bytes.count else { return nil }
            while index < bytes.count {
                let byte = bytes[index]
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                // 19 digits can pass Int.max ("9999999999999999999"): overflow is left to the decoder.
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (next, overflowB) = shifted.addingReportingOverflow(Int(byte - 0x30))
                guard !overflowA, !overflowB else { return nil }
                value = next
                index += 1
            }
            return negative ? -value : value
        }
    }
}
