import Foundation

// Every step encodes payloads (a start's input, each activity's input, each custom status), and
// Foundation's `JSONEncoder` costs far more than the bytes it writes: an HTTP service starting
// ten thousand small orders a second spent ~8% of its CPU in it, plus a second walk of each value
// by ``NestingProbe``. ``PayloadEncoder`` writes the common shapes — objects, arrays, strings,
// integers, booleans, doubles, nil — in one walk that also bounds the depth.
//
// Its contract is exactness: when it answers, its bytes are exactly `JSONEncoder`'s with
// `.sortedKeys` (history must not change when Durable does: replays compare activity inputs
// byte for byte under `InputMismatchPolicy.fail`). Whatever it is not sure of — `Data`, `URL`,
// `Decimal` (which `JSONEncoder` writes its own way), non-finite numbers, a key written
// twice, a container asked for twice in a way `JSONEncoder` merges, a value that encodes
// nothing, nesting past the limit, an error thrown by the value itself — it leaves to
// ``Payload/init(encoding:)``'s old path, which then answers as it always did.
// `PayloadEncoderTests` compares the two on many shapes and random values.

/// Writes a value as `JSONEncoder` with `.sortedKeys` would, or answers `nil` to leave it to it.
enum PayloadEncoder {
    /// `value`'s JSON, or `nil` when only `JSONEncoder` can say (see the contract above).
    static func encode<Value: Encodable>(_ value: Value) -> Data? {
        // A new tree each time, not one kept per thread: an encoder a value keeps past its
        // `encode(to:)` (Swift does not forbid it) could then write into another value's payload.
        let tree = Tree()
        do {
            try Self.encode(value, into: 0, of: tree, depth: 0, hops: 0)
        } catch {
            return nil
        }
        guard !tree.failed else { return nil }
        tree.output.reserveCapacity(tree.bytes.count + 2 * tree.nodes.count)
        guard tree.write(0, into: &tree.output) else { return nil }
        return Data(tree.output)
    }

    /// Thrown to stop the walk: the answer is `JSONEncoder`'s.
    struct Unsure: Error {}

    /// Deepest container nesting answered here: `JSONEncoder` refuses 512 levels.
    static let maxDepth = Payload.maxNestingDepth - 1

    /// Encodes `value` into node `node`, which sits `depth` containers down.
    fileprivate static func encode<T: Encodable>(_ value: T, into node: Int, of tree: Tree, depth: Int, hops: Int) throws {
        // Types `JSONEncoder` writes its own way, not by their `encode(to:)`. Not `Date`: its
        // default `.deferredToDate` is `Date.encode(to:)`, a `Double` written as any other.
        if T.self == Data.self || T.self == URL.self || T.self == Decimal.self {
            throw Unsure()
        }
        // Single value containers add no level but take stack; see `NestingProbe.maxSingleValueRun`.
        guard !tree.failed, hops < NestingProbe.maxSingleValueRun else { throw Unsure() }
        try value.encode(to: NodeEncoder(tree: tree, node: node, depth: depth, hops: hops + 1))
        guard !tree.failed, tree.nodes[node].kind != .empty else { throw Unsure() }
    }
}

/// The value being written, as nodes: object members and array elements are linked lists of
/// nodes; scalars and keys are byte ranges of `bytes`. Objects are sorted only when written.
private final class Tree {
    enum Kind: UInt8 { case empty, scalar, object, array }

    struct Node {
        var kind = Kind.empty
        /// A scalar's JSON, or a member's key (unescaped), in `bytes`.
        var start = 0, end = 0
        var keyStart = 0, keyEnd = 0
        var first = -1, last = -1, next = -1
    }

    // Unchecked: one walk on one thread, and no access to these overlaps another, so the
    // dynamic exclusivity checks (a quarter of the encoder's time) would only cost.
    @exclusivity(unchecked) var nodes: [Node]
    @exclusivity(unchecked) var bytes: [UInt8] = []
    /// Set by calls that cannot throw (a container asked for in a way not answered here).
    @exclusivity(unchecked) var failed = false
    /// The JSON, as `write` appends it.
    @exclusivity(unchecked) var output: [UInt8] = []
    /// The members of the objects being written, innermost last: sorted here, not in an array each.
    @exclusivity(unchecked) private var members: [Int] = []

    init() {
        // Reserved before the root goes in: `[Node()]` then reserving would allocate twice.
        nodes = []
        nodes.reserveCapacity(16)
        nodes.append(Node())
        bytes.reserveCapacity(256)
    }

    /// Makes `node` a container of `kind`, or marks the walk failed.
    func open(_ node: Int, as kind: Kind, depth: Int) {
        if depth >= PayloadEncoder.maxDepth { failed = true }
        if nodes[node].kind == .empty {
            nodes[node].kind = kind
        } else if !(kind == .object && nodes[node].kind == .object) {
            failed = true  // an object asked for again (a subclass and its superclass) stays one object
        }
    }

    /// A new node at the end of container `parent`, keyed by `key` in an object.
    func append(to parent: Int, key: String?) -> Int {
        var node = Node()
        if let key {
            node.keyStart = bytes.count
            bytes.append(contentsOf: key.utf8)
            node.keyEnd = bytes.count
        }
        let index = nodes.count
        nodes.append(node)
        if nodes[parent].last >= 0 { nodes[nodes[parent].last].next = index } else { nodes[parent].first = index }
        nodes[parent].last = index
        return index
    }

    /// Makes `node` the scalar whose JSON `write` appends to `bytes`.
    func setScalar(_ node: Int, _ write: (inout [UInt8]) -> Void) {
        guard nodes[node].kind == .empty else { return failed = true }
        nodes[node].kind = .scalar
        nodes[node].start = bytes.count
        write(&bytes)
        nodes[node].end = bytes.count
    }

    func setString(_ node: Int, _ text: String) { setScalar(node) { Self.quote(text, into: &$0) } }

    func setNumber<N: CustomStringConvertible>(_ node: Int, _ number: N) {
        setScalar(node) { $0.append(contentsOf: number.description.utf8) }
    }

    /// As `JSONEncoder`: the shortest digits that read back the same, without a trailing `.0`.
    func setFloatingPoint<F: BinaryFloatingPoint & CustomStringConvertible>(_ node: Int, _ value: F) throws {
        guard value.isFinite else { throw PayloadEncoder.Unsure() }
        setScalar(node) { out in
            let start = out.count
            out.append(contentsOf: value.description.utf8)
            let end = out.count
            if end - start > 2, out[end - 2] == UInt8(ascii: "."), out[end - 1] == UInt8(ascii: "0") { out.removeLast(2) }
        }
    }

    /// Appends node `index`'s JSON; `false` if it cannot be written as `JSONEncoder` would.
    func write(_ index: Int, into out: inout [UInt8]) -> Bool {
        let node = nodes[index]
        switch node.kind {
        case .empty: return false
        case .scalar: out.append(contentsOf: bytes[node.start..<node.end])
        case .array:
            out.append(UInt8(ascii: "["))
            var child = node.first
            while child >= 0 {
                if child != node.first { out.append(UInt8(ascii: ",")) }
                guard write(child, into: &out) else { return false }
                child = nodes[child].next
            }
            out.append(UInt8(ascii: "]"))
        case .object:
            // This object's members go on top of the stack of those being written, and come off
            // when it is done; the members of objects inside it go above them meanwhile.
            let base = members.count
            defer { members.removeSubrange(base...) }
            var child = node.first
            while child >= 0 {
                members.append(child)
                child = nodes[child].next
            }
            // `.sortedKeys` on Linux: by the keys' UTF-8 bytes.
            members[base...].sort { key(of: $0).lexicographicallyPrecedes(key(of: $1)) }
            let end = members.count
            out.append(UInt8(ascii: "{"))
            for position in base..<end {
                let member = members[position]
                if position > base {
                    // A key written twice: `JSONEncoder` keeps one of them, by rules not copied here.
                    guard !key(of: members[position - 1]).elementsEqual(key(of: member)) else { return false }
                    out.append(UInt8(ascii: ","))
                }
                out.append(UInt8(ascii: "\""))
                Self.escape(key(of: member), into: &out)
                out.append(contentsOf: #"":"#.utf8)
                guard write(member, into: &out) else { return false }
            }
            out.append(UInt8(ascii: "}"))
        }
        return true
    }

    private func key(of node: Int) -> ArraySlice<UInt8> { bytes[nodes[node].keyStart..<nodes[node].keyEnd] }

    static func quote(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { escape($0, into: &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// `JSONEncoder`'s escapes: `"`, `\`, `/`, the named controls, and `\u00xx` for the others.
    static func escape<Bytes: Collection<UInt8>>(_ text: Bytes, into out: inout [UInt8]) {
        // Most keys and strings need none: copied whole.
        guard text.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") })
        else { return out.append(contentsOf: text) }
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "/"): out.append(contentsOf: #"\/"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0xF))
            default: out.append(byte)
            }
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }
}

/// The encoder a value writes node `node` with.
private struct NodeEncoder: Encoder, SingleValueEncodingContainer {
    let tree: Tree
    let node: Int
    let depth: Int
    let hops: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        tree.open(node, as: .object, depth: depth)
        return KeyedEncodingContainer(KeyedNodeContainer(tree: tree, node: node, depth: depth + 1))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        tree.open(node, as: .array, depth: depth)
        return UnkeyedNodeContainer(tree: tree, node: node, depth: depth + 1)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { tree.setScalar(node) { $0.append(contentsOf: "null".utf8) } }
    func encode(_ value: Bool) throws { tree.setScalar(node) { $0.append(contentsOf: (value ? "true" : "false").utf8) } }
    func encode(_ value: String) throws { tree.setString(node, value) }
    func encode(_ value: Double) throws { try tree.setFloatingPoint(node, value) }
    func encode(_ value: Float) throws { try tree.setFloatingPoint(node, value) }
    func encode(_ value: Int) throws { tree.setNumber(node, value) }
    func encode(_ value: Int8) throws { tree.setNumber(node, value) }
    func encode(_ value: Int16) throws { tree.setNumber(node, value) }
    func encode(_ value: Int32) throws { tree.setNumber(node, value) }
    func encode(_ value: Int64) throws { tree.setNumber(node, value) }
    func encode(_ value: UInt) throws { tree.setNumber(node, value) }
    func encode(_ value: UInt8) throws { tree.setNumber(node, value) }
    func encode(_ value: UInt16) throws { tree.setNumber(node, value) }
    func encode(_ value: UInt32) throws { tree.setNumber(node, value) }
    func encode(_ value: UInt64) throws { tree.setNumber(node, value) }
    func encode<T: Encodable>(_ value: T) throws {
        guard tree.nodes[node].kind == .empty else { throw PayloadEncoder.Unsure() }
        try PayloadEncoder.encode(value, into: node, of: tree, depth: depth, hops: hops)
    }
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let tree: Tree
    let node: Int
    let depth: Int
    var codingPath: [any CodingKey] { [] }

    private func member(_ key: Key) -> Int { tree.append(to: node, key: key.stringValue) }

    mutating func encodeNil(forKey key: Key) throws { tree.setScalar(member(key)) { $0.append(contentsOf: "null".utf8) } }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        tree.setScalar(member(key)) { $0.append(contentsOf: (value ? "true" : "false").utf8) }
    }
    mutating func encode(_ value: String, forKey key: Key) throws { tree.setString(member(key), value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try tree.setFloatingPoint(member(key), value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try tree.setFloatingPoint(member(key), value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { tree.setNumber(member(key), value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { tree.setNumber(member(key), value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { tree.setNumber(member(key), value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { tree.setNumber(member(key), value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { tree.setNumber(member(key), value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { tree.setNumber(member(key), value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { tree.setNumber(member(key), value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { tree.setNumber(member(key), value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { tree.setNumber(member(key), value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { tree.setNumber(member(key), value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try PayloadEncoder.encode(value, into: member(key), of: tree, depth: depth, hops: 0)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        NodeEncoder(tree: tree, node: member(key), depth: depth, hops: 0).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeEncoder(tree: tree, node: member(key), depth: depth, hops: 0).unkeyedContainer()
    }

    // `JSONEncoder` writes a super encoder's value when the container is done: not answered here.
    mutating func superEncoder() -> any Encoder { failed() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { failed() }

    private func failed() -> any Encoder {
        tree.failed = true
        return NodeEncoder(tree: tree, node: tree.append(to: node, key: "super"), depth: depth, hops: 0)
    }
}

private struct UnkeyedNodeContainer: UnkeyedEncodingContainer {
    let tree: Tree
    let node: Int
    let depth: Int
    var count = 0
    var codingPath: [any CodingKey] { [] }

    private mutating func element() -> Int {
        count += 1
        return tree.append(to: node, key: nil)
    }

    mutating func encodeNil() throws { tree.setScalar(element()) { $0.append(contentsOf: "null".utf8) } }
    mutating func encode(_ value: Bool) throws { tree.setScalar(element()) { $0.append(contentsOf: (value ? "true" : "false").utf8) } }
    mutating func encode(_ value: String) throws { tree.setString(element(), value) }
    mutating func encode(_ value: Double) throws { try tree.setFloatingPoint(element(), value) }
    mutating func encode(_ value: Float) throws { try tree.setFloatingPoint(element(), value) }
    mutating func encode(_ value: Int) throws { tree.setNumber(element(), value) }
    mutating func encode(_ value: Int8) throws { tree.setNumber(element(), value) }
    mutating func encode(_ value: Int16) throws { tree.setNumber(element(), value) }
    mutating func encode(_ value: Int32) throws { tree.setNumber(element(), value) }
    mutating func encode(_ value: Int64) throws { tree.setNumber(element(), value) }
    mutating func encode(_ value: UInt) throws { tree.setNumber(element(), value) }
    mutating func encode(_ value: UInt8) throws { tree.setNumber(element(), value) }
    mutating func encode(_ value: UInt16) throws { tree.setNumber(element(), value) }
    mutating func encode(_ value: UInt32) throws { tree.setNumber(element(), value) }
    mutating func encode(_ value: UInt64) throws { tree.setNumber(element(), value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try PayloadEncoder.encode(value, into: element(), of: tree, depth: depth, hops: 0)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(tree: tree, node: element(), depth: depth, hops: 0).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        NodeEncoder(tree: tree, node: element(), depth: depth, hops: 0).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        tree.failed = true
        return NodeEncoder(tree: tree, node: element(), depth: depth, hops: 0)
    }
}
