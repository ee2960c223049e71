import Foundation

// Foundation's JSON coders recurse once per level of nesting, and so does a value's own
// `encode(to:)` / `init(from:)`. `JSONDecoder` refuses more than 512 levels before any recursion
// and `JSONEncoder` refuses more than 511 — but the encoder says so only after walking the whole
// value, and on a cooperative thread that walk overflows the stack (and kills the process) at a
// few thousand levels: ~5,200 for a linked list in a debug build, ~5,500 in release. A
// depth is only known once the value has been walked, so before `JSONEncoder` sees a value that
// might nest, ``NestingProbe`` walks it with an encoder that records nothing and stops at the
// limit; and before `JSONDecoder` sees bytes, ``NestingProbe/exceedsLimit(_:)`` scans them.

extension Payload {
    /// The most levels of arrays and objects a payload may nest: Foundation's own JSON limit, so
    /// every value within it encodes and decodes, and every value beyond it is refused with
    /// ``DurableError/payloadTooDeep(type:limit:)`` instead of crashing the process.
    public static let maxNestingDepth = 512
}

/// Measures how deep a value or its JSON nests, stopping as soon as it passes the limit.
enum NestingProbe {
    /// Whether encoding `value` would nest deeper than ``Payload/maxNestingDepth``. An error the
    /// value itself throws is left to the real encoder to report.
    static func exceedsLimit<Value: Encodable>(_ value: Value) -> Bool {
        let state = State()
        do {
            try value.encode(to: DepthEncoder(state: state, level: 0))
        } catch {
            return error is TooDeep
        }
        return state.isTooDeep
    }

    /// Whether the JSON in `data` nests deeper than ``Payload/maxNestingDepth``. One pass over
    /// the bytes, skipping strings; bytes that are not JSON are left to the decoder to report.
    static func exceedsLimit(_ data: Data) -> Bool {
        let limit = Payload.maxNestingDepth
        guard data.count > limit else { return false }  // each level takes at least one byte
        return data.withUnsafeBytes { bytes in
            var depth = 0
            var inString = false
            var escaped = false
            for byte in bytes {
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == 0x5C {  // backslash
                        escaped = true
                    } else if byte == 0x22 {  // quote
                        inString = false
                    }
                    continue
                }
                switch byte {
                case 0x22: inString = true
                case 0x5B, 0x7B:  // [ {
                    depth += 1
                    if depth > limit { return true }
                case 0x5D, 0x7D: depth -= 1  // ] }
                default: break
                }
            }
            return false
        }
    }

    private struct TooDeep: Error {}

    /// Shared by every encoder and container of one probe.
    private final class State {
        var isTooDeep = false
    }

    /// `level` counts the containers around the value being encoded; a container it makes is
    /// one level deeper.
    private struct DepthEncoder: Encoder {
        let state: State
        let level: Int
        /// Single value containers passed through since the last container was made.
        var hops = 0
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            KeyedEncodingContainer(Keyed(state: state, level: enter()))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer { Unkeyed(state: state, level: enter()) }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(state: state, level: level, hops: hops) }

        /// The level of a new container; marks the probe too deep past the limit. Making a
        /// container cannot throw, so the next value encoded into it does.
        private func enter() -> Int {
            if level >= Payload.maxNestingDepth { state.isTooDeep = true }
            return level + 1
        }
    }

    /// Encodes `value` at `level`, without descending into values Foundation's encoder writes as
    /// one scalar. A primitive must not descend: its `encode(to:)` encodes itself into a single
    /// value container, which would call back here forever.
    private static func encode<T: Encodable>(_ value: T, in state: State, at level: Int, hops: Int = 0) throws {
        if state.isTooDeep { throw TooDeep() }
        if isScalar(T.self) { return }
        // Recursion through single value containers adds no JSON level but uses the stack all the
        // same (a wrapper enum nested a million times encodes as one scalar, and still crashes
        // the encoder), so a long run of them counts as too deep.
        guard hops < Self.maxSingleValueRun else { throw TooDeep() }
        try value.encode(to: DepthEncoder(state: state, level: level, hops: hops + 1))
    }

    /// The most single value containers in a row, between two containers, a value may pass through.
    static let maxSingleValueRun = 64

    private static func isScalar<T>(_ type: T.Type) -> Bool {
        T.self == String.self || T.self == Int.self || T.self == Double.self || T.self == Bool.self
            || T.self == Date.self || T.self == Data.self || T.self == UUID.self || T.self == URL.self
            || T.self == Decimal.self || T.self == Float.self || T.self == Int64.self || T.self == UInt64.self
            || T.self == Int32.self || T.self == UInt32.self || T.self == Int16.self || T.self == UInt16.self
            || T.self == Int8.self || T.self == UInt8.self || T.self == UInt.self || T.self == Int128.self
            || T.self == UInt128.self
    }

    private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let state: State
        let level: Int
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws { if state.isTooDeep { throw TooDeep() } }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try NestingProbe.encode(value, in: state, at: level)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            DepthEncoder(state: state, level: level).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            DepthEncoder(state: state, level: level).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { DepthEncoder(state: state, level: level) }

        mutating func superEncoder(forKey key: Key) -> any Encoder { DepthEncoder(state: state, level: level) }
    }

    private struct Unkeyed: UnkeyedEncodingContainer {
        let state: State
        let level: Int
        var count = 0
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws {
            if state.isTooDeep { throw TooDeep() }
            count += 1
        }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try NestingProbe.encode(value, in: state, at: level)
            count += 1
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            count += 1
            return DepthEncoder(state: state, level: level).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            count += 1
            return DepthEncoder(state: state, level: level).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            count += 1
            return DepthEncoder(state: state, level: level)
        }
    }

    /// A single value sits where its encoder is: no new level.
    private struct Single: SingleValueEncodingContainer {
        let state: State
        let level: Int
        let hops: Int
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { if state.isTooDeep { throw TooDeep() } }

        mutating func encode<T: Encodable>(_ value: T) throws {
            try NestingProbe.encode(value, in: state, at: level, hops: hops)
        }
    }
}
