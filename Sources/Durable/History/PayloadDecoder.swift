import Foundation

// Every step of a replay and every request body decodes a payload, and most payloads are a small
// struct of strings and numbers. `JSONDecoder` spends most of such a decode on machinery (a
// dictionary per object, a box per value, a String per key): a 4-field struct's decode cost ~6% of
// an HTTP service's CPU. `PayloadDecoder` decodes the plain subset — strict JSON without escapes,
// into strings, booleans, integers, doubles and the keyed and unkeyed containers made of them — in
// one pass over the bytes and a flat array of nodes.
//
// The contract: when it returns a value, that value is exactly the one `JSONDecoder()` decodes;
// when it cannot be sure, it returns nil and the caller asks `JSONDecoder`, which produces the
// real value or the real error. It words no errors of its own: a missing key, a type mismatch or
// anything `JSONDecoder` treats its own way (`Data`, `URL`, `Decimal`, `Float`, `1.0` for an
// `Int`, a trailing comma, an escape in a string) is a reason to hand over, not to fail.
//
// One file past the usual length: the parser, the document and the three containers share
// private types and one contract, and are reviewed together against `JSONDecoder`.

enum PayloadDecoder {
    /// Decodes `type` from the JSON in `data` exactly as `JSONDecoder()` would, or returns nil when
    /// it cannot be sure it would — the caller then asks `JSONDecoder`. Never throws, never traps.
    static func decode<Value: Decodable>(_ type: Value.Type, from data: Data) -> Value? {
        guard !isSpecialCased(Value.self), let document = Document(parsing: data) else { return nil }
        do {
            let value = try Value(from: NodeDecoder(document: document, node: 0, codingPath: []))
            // The value's own init(from:) may have caught a hand-over and carried on without it.
            return document.isUnsure ? nil : value
        } catch {
            return nil
        }
    }

    /// The types `JSONDecoder` decodes its own way (its data strategy...) instead of by their
    /// `init(from:)`. Not `Date`: the default `.deferredToDate` is `Date(from:)`, a `Double`.
    fileprivate static func isSpecialCased<T>(_ type: T.Type) -> Bool {
        T.self == Data.self || T.self == URL.self || T.self == Decimal.self
    }
}

/// One JSON value. Nodes are in document order: a container's children follow it.
private struct Node {
    enum Kind: UInt8 {
        /// `integer`: a number without fraction or exponent; `number`: any other.
        case null, `true`, `false`, integer, number, string, array, object
    }
    let kind: Kind
    /// A string's bytes (without the quotes) or a number's; an object's range of `memberKeys`.
    var start: Int
    var end: Int
    /// The index of the node after this one and its children.
    var next: Int
    /// An array's elements or an object's members.
    var count = 0
}

/// Orders byte strings by length, then bytes; 0 if equal.
private func byteOrder<A: RandomAccessCollection<UInt8>, B: RandomAccessCollection<UInt8>>(_ a: A, _ b: B) -> Int
where A.Index == Int, B.Index == Int {
    if a.count != b.count { return a.count < b.count ? -1 : 1 }
    for offset in 0..<a.count where a[a.startIndex + offset] != b[b.startIndex + offset] {
        return a[a.startIndex + offset] < b[b.startIndex + offset] ? -1 : 1
    }
    return 0
}

/// One pass over the bytes into nodes. Iterative: a level of nesting costs no stack frame, and no
/// stack either — until a container closes, its `next` holds the open container around it.
private struct Parser {
    let bytes: [UInt8]
    var position = 0
    var nodes: [Node] = []
    /// Each object's key nodes, object after object, each object's sorted by `byteOrder` to be binary searched.
    var memberKeys: [Int] = []
    /// The innermost open container, or -1; and how many are open.
    var innermost = -1
    var depth = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
        // Sized for small payloads, the common case; a 16 MiB string must not reserve 40 bytes
        // of node per 4 bytes of text up front.
        nodes.reserveCapacity(min(bytes.count / 4 + 1, 64))
        memberKeys.reserveCapacity(min(bytes.count / 8 + 1, 32))
    }

    /// Whether the bytes are strict RFC 8259 JSON of the kind this decoder takes on.
    mutating func parse() -> Bool {
        while true {
            skipWhitespace()
            let first = byte(at: position)
            if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                // JSONDecoder refuses a 513th level even when it is empty.
                guard depth < Payload.maxNestingDepth else { return false }
                let isObject = first == UInt8(ascii: "{")
                nodes.append(Node(kind: isObject ? .object : .array, start: 0, end: 0, next: innermost))
                innermost = nodes.count - 1
                depth += 1
                position += 1
                skipWhitespace()
                if byte(at: position) != UInt8(ascii: isObject ? "}" : "]") {
                    guard !isObject || parseKey() else { return false }
                    continue
                }
                position += 1
                _ = close()
            } else if !parseScalar() {
                return false
            }
            // A value is complete, and so may be the containers around it.
            while true {
                skipWhitespace()
                guard depth > 0 else { return position == bytes.count }
                let isObject = nodes[innermost].kind == .object
                let separator = byte(at: position)
                position += 1
                if separator == UInt8(ascii: ",") {
                    guard !isObject || parseKey() else { return false }
                    break
                }
                guard separator == UInt8(ascii: isObject ? "}" : "]"), close() else { return false }
            }
        }
    }

    /// Closes the innermost container: counts its children, sorts an object's keys into
    /// `memberKeys`; false for a duplicate key (JSONDecoder would keep the first).
    private mutating func close() -> Bool {
        let container = innermost
        innermost = nodes[container].next
        depth -= 1
        let isObject = nodes[container].kind == .object
        let firstKey = memberKeys.count
        var child = container + 1
        while child < nodes.count {
            nodes[container].count += 1
            if isObject { memberKeys.append(child) }
            child = nodes[isObject ? child + 1 : child].next  // past a member's key and value
        }
        nodes[container].next = nodes.count
        guard isObject else { return true }
        nodes[container].start = firstKey
        nodes[container].end = memberKeys.count
        if memberKeys.count - firstKey > 16 {
            let (nodes, bytes) = (self.nodes, self.bytes)
            memberKeys[firstKey...].sort { byteOrder(bytes[nodes[$0].start..<nodes[$0].end], bytes[nodes[$1].start..<nodes[$1].end]) < 0 }
        }
        // An insertion sort: it sorts a small object's keys, passes over a sorted object's once,
        // and meets a duplicate key next to its twin either way.
        for index in firstKey..<memberKeys.count {
            var slot = index
            while slot > firstKey {
                let order = byteOrder(key(memberKeys[slot - 1]), key(memberKeys[slot]))
                if order == 0 { return false }
                if order < 0 { break }
                memberKeys.swapAt(slot - 1, slot)
                slot -= 1
            }
        }
        return true
    }

    private func key(_ node: Int) -> ArraySlice<UInt8> { bytes[nodes[node].start..<nodes[node].end] }

    /// 0 past the end: valid nowhere in JSON, outside strings or in them.
    private func byte(at position: Int) -> UInt8 {
        position < bytes.count ? bytes[position] : 0
    }

    private mutating func append(_ kind: Node.Kind, from start: Int, to end: Int) {
        nodes.append(Node(kind: kind, start: start, end: end, next: nodes.count + 1))
    }

    private mutating func skipWhitespace() {
        while true {
            switch byte(at: position) {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseScalar() -> Bool {
        switch byte(at: position) {
        case UInt8(ascii: "\""): parseString(asciiOnly: false)
        case UInt8(ascii: "t"): parseLiteral("true", .true)
        case UInt8(ascii: "f"): parseLiteral("false", .false)
        case UInt8(ascii: "n"): parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): parseNumber()
        default: false
        }
    }

    private mutating func parseLiteral(_ literal: String, _ kind: Node.Kind) -> Bool {
        guard bytes[position...].starts(with: literal.utf8) else { return false }
        append(kind, from: position, to: position + literal.utf8.count)
        position += literal.utf8.count
        return true
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`; what follows is for the caller to judge.
    private mutating func parseNumber() -> Bool {
        let start = position
        var isInteger = true
        if byte(at: position) == UInt8(ascii: "-") { position += 1 }
        if byte(at: position) == UInt8(ascii: "0") {
            position += 1
        } else if !skipDigits() {
            return false
        }
        if byte(at: position) == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard skipDigits() else { return false }
        }
        if byte(at: position) | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            position += 1
            if byte(at: position) == UInt8(ascii: "+") || byte(at: position) == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() else { return false }
        }
        append(isInteger ? .integer : .number, from: start, to: position)
        return true
    }

    /// Skips one or more digits; false if there is none.
    private mutating func skipDigits() -> Bool {
        let start = position
        while case UInt8(ascii: "0")...UInt8(ascii: "9") = byte(at: position) { position += 1 }
        return position > start
    }

    /// A string without escapes or control characters, of valid UTF-8 (only ASCII if `asciiOnly`).
    private mutating func parseString(asciiOnly: Bool) -> Bool {
        guard byte(at: position) == UInt8(ascii: "\"") else { return false }
        let start = position + 1
        var end = start
        var isASCII = true
        while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
            if bytes[end] < 0x20 || bytes[end] == UInt8(ascii: "\\") { return false }
            isASCII = isASCII && bytes[end] < 0x80
            end += 1
        }
        // The standard library's UTF-8 validation, which is JSONDecoder's too.
        guard end < bytes.count, isASCII || (!asciiOnly && String(validating: bytes[start..<end], as: UTF8.self) != nil) else {
            return false
        }
        append(.string, from: start, to: end)
        position = end + 1
        return true
    }

    /// An object's key and its colon. Keys must be ASCII: JSONDecoder matches keys as Strings,
    /// by canonical equivalence, which for ASCII is byte equality.
    private mutating func parseKey() -> Bool {
        skipWhitespace()
        guard parseString(asciiOnly: true) else { return false }
        skipWhitespace()
        guard byte(at: position) == UInt8(ascii: ":") else { return false }
        position += 1
        return true
    }
}

/// The error that hands a decode over to `JSONDecoder`.
private struct Unsupported: Error {}

/// A parsed payload, and what the containers ask of its nodes.
private final class Document {
    let bytes: [UInt8]
    let nodes: [Node]
    private let memberKeys: [Int]
    /// Set by every hand-over, so that one the value's own code catches still hands the decode over.
    private(set) var isUnsure = false

    init?(parsing data: Data) {
        var parser = Parser(bytes: data.withUnsafeBytes { Array($0) })
        guard parser.parse() else { return nil }
        (bytes, nodes, memberKeys) = (parser.bytes, parser.nodes, parser.memberKeys)
    }

    func bail() -> Unsupported {
        isUnsure = true
        return Unsupported()
    }

    private func bytes(of node: Int) -> ArraySlice<UInt8> { bytes[nodes[node].start..<nodes[node].end] }

    /// A string node's text: valid UTF-8 without escapes, as parsed.
    func text(_ node: Int) -> String { String(decoding: bytes(of: node), as: UTF8.self) }

    func isNull(_ node: Int) -> Bool { nodes[node].kind == .null }

    func keys(of object: Int) -> ArraySlice<Int> { memberKeys[nodes[object].start..<nodes[object].end] }

    /// The value node of the member named `name`, or nil. A value follows its key.
    func member(named name: String, in object: Int) -> Int? {
        let keys = keys(of: object)
        let byteMatch = name.utf8.withContiguousStorageIfAvailable { name -> Int? in
            var (low, high) = (keys.startIndex, keys.endIndex)
            while low < high {
                let middle = low + (high - low) / 2
                switch byteOrder(bytes(of: keys[middle]), name) {
                case 0: return keys[middle] + 1
                case ..<0: low = middle + 1
                default: high = middle
                }
            }
            return nil
        }
        if let byteMatch, byteMatch != nil || name.utf8.allSatisfy({ $0 < 0x80 }) { return byteMatch }
        // Keys are ASCII, and only canonical equivalence (KELVIN SIGN is "K") can match one to a
        // name that is not: compare as Strings, as JSONDecoder does.
        return keys.first { text($0) == name }.map { $0 + 1 }
    }

    func bool(_ node: Int) throws -> Bool {
        switch nodes[node].kind {
        case .true: true
        case .false: false
        default: throw bail()
        }
    }

    func string(_ node: Int) throws -> String {
        guard nodes[node].kind == .string else { throw bail() }
        return text(node)
    }

    /// An integer without fraction or exponent that `T` holds; JSONDecoder also takes `1.0` or `1e2`, so those hand over.
    func integer<T: FixedWidthInteger>(_ node: Int) throws -> T {
        guard nodes[node].kind == .integer else { throw bail() }
        var digits = bytes(of: node)
        let isNegative = digits.first == UInt8(ascii: "-")
        if isNegative { digits = digits.dropFirst() }
        var magnitude: UInt64 = 0
        for digit in digits {
            let (shifted, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, overflowB) = shifted.addingReportingOverflow(UInt64(digit &- 0x30))
            guard !overflowA, !overflowB else { throw bail() }
            magnitude = next
        }
        let value: T?
        if !isNegative {
            value = T(exactly: magnitude)
        } else if T.isSigned, magnitude <= 1 << 63 {
            value = T(exactly: Int64(bitPattern: 0 &- magnitude))
        } else {
            value = nil  // "-0" too: JSONDecoder takes that for an unsigned type by another route
        }
        guard let value else { throw bail() }
        return value
    }

    /// Any number, rounded correctly as JSONDecoder's strtod rounds it; one it would refuse
    /// (beyond Double's range, or nonzero digits that round to zero) hands over.
    func double(_ node: Int) throws -> Double {
        guard nodes[node].kind == .integer || nodes[node].kind == .number else { throw bail() }
        let digits = bytes(of: node)
        if let exact = Self.exactDouble(digits) { return exact }
        guard let value = Double(String(decoding: digits, as: UTF8.self)), value.isFinite,
            value != 0 || !digits.prefix(while: { $0 | 0x20 != UInt8(ascii: "e") }).contains(where: { $0 >= 0x31 && $0 <= 0x39 })
        else { throw bail() }
        return value
    }

    /// Clinger's fast path: digits that fit in 53 bits, times or over a power of ten up to 10^22
    /// (both exact doubles), round correctly in one operation — the double strtod finds, without making a String.
    private static func exactDouble(_ digits: ArraySlice<UInt8>) -> Double? {
        var significand: UInt64 = 0
        var exponent = 0
        var isNegative = false
        var isFraction = false
        var index = digits.startIndex
        while index < digits.endIndex {
            let byte = digits[index]
            index += 1
            switch byte {
            case UInt8(ascii: "-"): isNegative = true
            case UInt8(ascii: "."): isFraction = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard significand <= 1 << 53 else { return nil }
                significand = significand * 10 + UInt64(byte - 0x30)
                if isFraction { exponent -= 1 }
            default:  // the exponent: the rest, short enough to be near ±22
                guard let written = Int(String(decoding: digits[index...], as: UTF8.self)), written.magnitude <= 100 else {
                    return nil
                }
                exponent += written
                index = digits.endIndex
            }
        }
        guard significand <= 1 << 53, exponent >= -22, exponent <= 22 else { return nil }
        let scale = powersOfTen[abs(exponent)]
        let magnitude = exponent < 0 ? Double(significand) / scale : Double(significand) * scale
        return isNegative ? -magnitude : magnitude
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]
}

/// The decoder, and the single value container, for one node.
private struct NodeDecoder: Decoder, SingleValueDecodingContainer {
    let document: Document
    let node: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func child(_ node: Int, at key: any CodingKey) -> NodeDecoder {
        NodeDecoder(document: document, node: node, codingPath: codingPath + [key])
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard document.nodes[node].kind == .object else { throw document.bail() }
        return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard document.nodes[node].kind == .array else { throw document.bail() }
        return UnkeyedContainer(decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { document.isNull(node) }
    func decode(_: Bool.Type) throws -> Bool { try document.bool(node) }
    func decode(_: String.Type) throws -> String { try document.string(node) }
    func decode(_: Double.Type) throws -> Double { try document.double(node) }
    /// JSONDecoder rounds the text to a Float once; through a Double it would round twice.
    func decode(_: Float.Type) throws -> Float { throw document.bail() }
    func decode(_: Int.Type) throws -> Int { try document.integer(node) }
    func decode(_: Int8.Type) throws -> Int8 { try document.integer(node) }
    func decode(_: Int16.Type) throws -> Int16 { try document.integer(node) }
    func decode(_: Int32.Type) throws -> Int32 { try document.integer(node) }
    func decode(_: Int64.Type) throws -> Int64 { try document.integer(node) }
    func decode(_: Int128.Type) throws -> Int128 { throw document.bail() }
    func decode(_: UInt.Type) throws -> UInt { try document.integer(node) }
    func decode(_: UInt8.Type) throws -> UInt8 { try document.integer(node) }
    func decode(_: UInt16.Type) throws -> UInt16 { try document.integer(node) }
    func decode(_: UInt32.Type) throws -> UInt32 { try document.integer(node) }
    func decode(_: UInt64.Type) throws -> UInt64 { try document.integer(node) }
    func decode(_: UInt128.Type) throws -> UInt128 { throw document.bail() }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !PayloadDecoder.isSpecialCased(T.self) else { throw document.bail() }
        return try T(from: self)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    private var document: Document { decoder.document }
    var codingPath: [any CodingKey] { decoder.codingPath }
    /// In `Document.order` order; JSONDecoder's are in its dictionary's (random) order.
    var allKeys: [Key] { document.keys(of: decoder.node).compactMap { Key(stringValue: document.text($0)) } }

    func contains(_ key: Key) -> Bool { document.member(named: key.stringValue, in: decoder.node) != nil }

    /// The value node of `key`; a missing key is for JSONDecoder to report.
    private func value(_ key: Key) throws -> Int {
        guard let node = document.member(named: key.stringValue, in: decoder.node) else { throw document.bail() }
        return node
    }

    private func childDecoder(_ key: Key) throws -> NodeDecoder { try decoder.child(value(key), at: key) }

    func decodeNil(forKey key: Key) throws -> Bool { try document.isNull(value(key)) }
    func decode(_: Bool.Type, forKey key: Key) throws -> Bool { try document.bool(value(key)) }
    func decode(_: String.Type, forKey key: Key) throws -> String { try document.string(value(key)) }
    func decode(_: Double.Type, forKey key: Key) throws -> Double { try document.double(value(key)) }
    func decode(_: Float.Type, forKey key: Key) throws -> Float { throw document.bail() }
    func decode(_: Int.Type, forKey key: Key) throws -> Int { try document.integer(value(key)) }
    func decode(_: Int8.Type, forKey key: Key) throws -> Int8 { try document.integer(value(key)) }
    func decode(_: Int16.Type, forKey key: Key) throws -> Int16 { try document.integer(value(key)) }
    func decode(_: Int32.Type, forKey key: Key) throws -> Int32 { try document.integer(value(key)) }
    func decode(_: Int64.Type, forKey key: Key) throws -> Int64 { try document.integer(value(key)) }
    func decode(_: Int128.Type, forKey key: Key) throws -> Int128 { throw document.bail() }
    func decode(_: UInt.Type, forKey key: Key) throws -> UInt { try document.integer(value(key)) }
    func decode(_: UInt8.Type, forKey key: Key) throws -> UInt8 { try document.integer(value(key)) }
    func decode(_: UInt16.Type, forKey key: Key) throws -> UInt16 { try document.integer(value(key)) }
    func decode(_: UInt32.Type, forKey key: Key) throws -> UInt32 { try document.integer(value(key)) }
    func decode(_: UInt64.Type, forKey key: Key) throws -> UInt64 { try document.integer(value(key)) }
    func decode(_: UInt128.Type, forKey key: Key) throws -> UInt128 { throw document.bail() }
    func decode<T: Decodable>(_: T.Type, forKey key: Key) throws -> T { try childDecoder(key).decode(T.self) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try childDecoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try childDecoder(key).unkeyedContainer() }
    func superDecoder() throws -> any Decoder { throw document.bail() }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw document.bail() }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    private(set) var currentIndex = 0
    /// The node of the element at `currentIndex`.
    private var element: Int

    init(decoder: NodeDecoder) {
        self.decoder = decoder
        element = decoder.node + 1
    }

    private var document: Document { decoder.document }
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { document.nodes[decoder.node].count }
    var isAtEnd: Bool { currentIndex >= document.nodes[decoder.node].count }

    /// Decodes the current element, and moves past it only if that succeeds, as JSONDecoder does.
    private mutating func next<T>(_ decode: (Document, Int) throws -> T) throws -> T {
        guard !isAtEnd else { throw document.bail() }
        let value = try decode(document, element)
        element = document.nodes[element].next
        currentIndex += 1
        return value
    }

    /// JSONDecoder's decodeIfPresent: nil at the end or for null, and it moves on either way — at
    /// the end too, where the protocol's default implementation would stay.
    private mutating func nextIfPresent<T>(_ decode: (Document, Int) throws -> T) throws -> T? {
        if isAtEnd {
            currentIndex += 1
            return nil
        }
        if document.isNull(element) { return try next { _, _ in nil } }
        return try next(decode)
    }

    /// The current element's decoder, whose coding path ends in JSONDecoder's key for an index.
    private func elementDecoder() -> NodeDecoder { decoder.child(element, at: IndexKey(index: currentIndex)) }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { throw document.bail() }
        guard document.isNull(element) else { return false }
        return try next { _, _ in true }
    }

    mutating func decode(_: Bool.Type) throws -> Bool { try next { try $0.bool($1) } }
    mutating func decode(_: String.Type) throws -> String { try next { try $0.string($1) } }
    mutating func decode(_: Double.Type) throws -> Double { try next { try $0.double($1) } }
    mutating func decode(_: Float.Type) throws -> Float { throw document.bail() }
    mutating func decode(_: Int.Type) throws -> Int { try next { try $0.integer($1) } }
    mutating func decode(_: Int8.Type) throws -> Int8 { try next { try $0.integer($1) } }
    mutating func decode(_: Int16.Type) throws -> Int16 { try next { try $0.integer($1) } }
    mutating func decode(_: Int32.Type) throws -> Int32 { try next { try $0.integer($1) } }
    mutating func decode(_: Int64.Type) throws -> Int64 { try next { try $0.integer($1) } }
    mutating func decode(_: Int128.Type) throws -> Int128 { throw document.bail() }
    mutating func decode(_: UInt.Type) throws -> UInt { try next { try $0.integer($1) } }
    mutating func decode(_: UInt8.Type) throws -> UInt8 { try next { try $0.integer($1) } }
    mutating func decode(_: UInt16.Type) throws -> UInt16 { try next { try $0.integer($1) } }
    mutating func decode(_: UInt32.Type) throws -> UInt32 { try next { try $0.integer($1) } }
    mutating func decode(_: UInt64.Type) throws -> UInt64 { try next { try $0.integer($1) } }
    mutating func decode(_: UInt128.Type) throws -> UInt128 { throw document.bail() }

    mutating func decode<T: Decodable>(_: T.Type) throws -> T {
        let decoder = elementDecoder()
        return try next { _, _ in try decoder.decode(T.self) }
    }

    mutating func decodeIfPresent(_: Bool.Type) throws -> Bool? { try nextIfPresent { try $0.bool($1) } }
    mutating func decodeIfPresent(_: String.Type) throws -> String? { try nextIfPresent { try $0.string($1) } }
    mutating func decodeIfPresent(_: Double.Type) throws -> Double? { try nextIfPresent { try $0.double($1) } }
    mutating func decodeIfPresent(_: Float.Type) throws -> Float? { try nextIfPresent { document, _ in throw document.bail() } }
    mutating func decodeIfPresent(_: Int.Type) throws -> Int? { try nextIfPresent { try $0.integer($1) } }
    mutating func decodeIfPresent(_: Int8.Type) throws -> Int8? { try nextIfPresent { try $0.integer($1) } }
    mutating func decodeIfPresent(_: Int16.Type) throws -> Int16? { try nextIfPresent { try $0.integer($1) } }
    mutating func decodeIfPresent(_: Int32.Type) throws -> Int32? { try nextIfPresent { try $0.integer($1) } }
    mutating func decodeIfPresent(_: Int64.Type) throws -> Int64? { try nextIfPresent { try $0.integer($1) } }
    mutating func decodeIfPresent(_: UInt.Type) throws -> UInt? { try nextIfPresent { try $0.integer($1) } }
    mutating func decodeIfPresent(_: UInt8.Type) throws -> UInt8? { try nextIfPresent { try $0.integer($1) } }
    mutating func decodeIfPresent(_: UInt16.Type) throws -> UInt16? { try nextIfPresent { try $0.integer($1) } }
    mutating func decodeIfPresent(_: UInt32.Type) throws -> UInt32? { try nextIfPresent { try $0.integer($1) } }
    mutating func decodeIfPresent(_: UInt64.Type) throws -> UInt64? { try nextIfPresent { try $0.integer($1) } }

    mutating func decodeIfPresent<T: Decodable>(_: T.Type) throws -> T? {
        let decoder = elementDecoder()
        return try nextIfPresent { _, _ in try decoder.decode(T.self) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let decoder = elementDecoder()
        return try next { _, _ in try decoder.container(keyedBy: type) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let decoder = elementDecoder()
        return try next { _, _ in try decoder.unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder { throw document.bail() }
}

/// JSONDecoder's key for an array element in a coding path: "Index 3", with 3 for its intValue.
private struct IndexKey: CodingKey {
    let index: Int
    init(index: Int) { self.index = index }
    init?(intValue: Int) { index = intValue }
    init?(stringValue: String) { return nil }
    var stringValue: String { "Index \(index)" }
    var intValue: Int? { index }
}
