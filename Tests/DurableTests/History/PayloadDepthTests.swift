import Foundation
import Testing

@testable import Durable

/// A singly linked list: each node is one more level of JSON object, and one more frame of
/// `encode(to:)` / `init(from:)` recursion. `next` is a `var` so a long chain can be unlinked
/// before it is released (`@unchecked`: tests touch a chain from one task at a time).
final class Chain: Codable, @unchecked Sendable {
    var next: Chain?

    init(next: Chain?) { self.next = next }

    /// A chain `depth` nodes long, with every node also held by `nodes`.
    static func make(depth: Int) -> (head: Chain, nodes: [Chain]) {
        var nodes: [Chain] = []
        nodes.reserveCapacity(depth)
        var head: Chain?
        for _ in 0..<depth {
            head = Chain(next: head)
            nodes.append(head!)
        }
        return (head!, nodes)
    }

    /// JSON of a chain `depth` objects deep: `{"next":{"next":{}}}` for 3.
    static func json(depth: Int) -> Data {
        Data((String(repeating: #"{"next":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)).utf8)
    }
}

/// Unlinks a chain's nodes: releasing a long chain from its head would recurse through every
/// `deinit` and overflow the stack itself.
func dismantle(_ nodes: [Chain]) {
    for node in nodes { node.next = nil }
}

/// Encodes arrays nested `depth` deep with a loop, not recursion: no frame of user code per level.
struct NestedArrays: Encodable {
    let depth: Int

    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for _ in 1..<depth { container = container.nestedUnkeyedContainer() }
    }
}

/// A value that wraps itself through single value containers: no JSON nesting, deep recursion.
indirect enum Wrapped: Encodable {
    case leaf
    case wrap(Wrapped)

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .leaf: try container.encode(1)
        case .wrap(let inner): try container.encode(inner)
        }
    }
}

@Suite struct PayloadDepthTests {
    /// Measured before the probe: JSONEncoder walked a too-deep chain on a cooperative thread to its
    /// end, and overflowed the stack (SIGSEGV) from ~5,200 nodes in a debug test build, ~5,500 in
    /// release; at 5,000 it threw its own `EncodingError` after the walk. Now both are refused early.
    @Test(arguments: [5_000, 100_000])
    func encodingAChainDeeperThanTheLimitIsATypedError(depth: Int) async throws {
        let (head, nodes) = Chain.make(depth: depth)
        defer { dismantle(nodes) }
        #expect(throws: DurableError.payloadTooDeep(type: String(reflecting: Chain.self), limit: Payload.maxNestingDepth)) {
            try Payload(encoding: head)
        }
    }

    @Test(arguments: [5_000, 100_000])
    func decodingJSONDeeperThanTheLimitIsATypedError(depth: Int) async throws {
        let payload = Payload(data: Chain.json(depth: depth))
        #expect(throws: DurableError.payloadTooDeep(type: String(reflecting: Chain.self), limit: Payload.maxNestingDepth)) {
            try payload.decode(Chain.self)
        }
    }

    /// Up to the limit nothing changes: JSONEncoder's own limit is one level lower (511), and it
    /// says so with its own error, without a crash.
    @Test func valuesUpToTheLimitRoundTripAndOneLevelMoreIsRefused() async throws {
        let (head, nodes) = Chain.make(depth: 500)
        defer { dismantle(nodes) }
        let payload = try Payload(encoding: head)
        #expect(payload.data == Chain.json(depth: 500))
        var depth = 0
        var node: Chain? = try payload.decode(Chain.self)
        while let current = node {
            depth += 1
            node = current.next
        }
        #expect(depth == 500)
        #expect(NestingProbe.exceedsLimit(Chain.json(depth: Payload.maxNestingDepth)) == false)
        #expect(NestingProbe.exceedsLimit(Chain.json(depth: Payload.maxNestingDepth + 1)))
        let (deeper, more) = Chain.make(depth: Payload.maxNestingDepth + 1)
        defer { dismantle(more) }
        #expect(NestingProbe.exceedsLimit(deeper))
    }

    @Test func nestingMadeByALoopIsMeasuredToo() throws {
        #expect(try Payload(encoding: NestedArrays(depth: 3)).text == "[[[]]]")
        #expect(throws: DurableError.payloadTooDeep(type: String(reflecting: NestedArrays.self), limit: Payload.maxNestingDepth)) {
            try Payload(encoding: NestedArrays(depth: 100_000))
        }
    }

    @Test func recursionThroughSingleValueContainersIsBounded() throws {
        var value = Wrapped.leaf
        for _ in 0..<10 { value = .wrap(value) }
        #expect(try Payload(encoding: value).text == "1")
        for _ in 0..<1_000 { value = .wrap(value) }
        #expect(throws: DurableError.payloadTooDeep(type: String(reflecting: Wrapped.self), limit: Payload.maxNestingDepth)) {
            try Payload(encoding: value)
        }
    }

    /// Brackets inside strings are text, not nesting.
    @Test func theScanSkipsStrings() {
        let text = String(repeating: "[{", count: 2_000)
        let json = Data(("[" + "\"" + text + "\\\"" + text + "\"]").utf8)
        #expect(NestingProbe.exceedsLimit(json) == false)
    }

    /// `ScalarJSON.int` took 19 digits as an Int and overflowed on "9999999999999999999".
    @Test func anIntegerPastIntMaxIsADecodingErrorNotATrap() throws {
        #expect(throws: DurableError.self) { try Payload(data: Data("9999999999999999999".utf8)).decode(Int.self) }
        #expect(throws: DurableError.self) { try Payload(data: Data("-9999999999999999999".utf8)).decode(Int.self) }
        #expect(try Payload(data: Data("9223372036854775807".utf8)).decode(Int.self) == Int.max)
        #expect(try Payload(data: Data("-999999999999999999".utf8)).decode(Int.self) == -999_999_999_999_999_999)
    }
}
