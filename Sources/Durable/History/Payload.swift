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

    /// Encodes `value`, throwing ``DurableError/encodingFailed(type:reason:)`` if it cannot.
    public init<Value: Encodable>(encoding value: Value) throws {
        do {
            let encoder = JSONEncoder()
            // Dictionary order varies between encodings; history must not.
            encoder.outputFormatting = .sortedKeys
            self.data = try encoder.encode(value)
        } catch {
            throw DurableError.encodingFailed(type: String(reflecting: Value.self), reason: String(describing: error))
        }
    }

    /// The payload of `Void`-like results and absent values.
    public static let empty = Payload(data: Data("{}".utf8))

    /// Decodes the payload as `type`, throwing ``DurableError/decodingFailed(type:reason:)`` if it does not fit.
    public func decode<Value: Decodable>(_ type: Value.Type = Value.self) throws -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: data)
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
