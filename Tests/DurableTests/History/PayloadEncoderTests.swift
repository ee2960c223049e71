import Foundation
import Testing

@testable import Durable

/// `PayloadEncoder` must write exactly `JSONEncoder`'s bytes (with `.sortedKeys`) whenever it
/// answers — histories are compared byte for byte — and must answer for the common shapes, or
/// it saves nothing.
@Suite struct PayloadEncoderTests {
    private static let reference: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    /// Asserts the fast encoder answers `value`, with `JSONEncoder`'s bytes.
    private func expectSame<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try Self.reference.encode(value)
        let fast = PayloadEncoder.encode(value)
        #expect(fast != nil, "left to JSONEncoder: \(String(decoding: expected, as: UTF8.self))", sourceLocation: sourceLocation)
        if let fast {
            #expect(String(decoding: fast, as: UTF8.self) == String(decoding: expected, as: UTF8.self), sourceLocation: sourceLocation)
        }
    }

    struct Order: Codable { var id: String; var cartId: String; var userId: String; var paymentTimeoutSeconds: Double }
    struct Numbers: Codable {
        var i: Int, i8: Int8, i16: Int16, i32: Int32, i64: Int64
        var u: UInt, u8: UInt8, u16: UInt16, u32: UInt32, u64: UInt64
        var d: Double, f: Float, b: Bool
    }
    struct Optionals: Codable { var a: String?; var b: Int?; var c: [Int]? }
    struct Nested: Codable { var order: Order; var lines: [Line]; var tags: [String: Int]; var byNumber: [Int: String] }
    struct Line: Codable { var sku: String; var quantity: Int }
    struct Empty: Codable {}
    enum Stage: String, Codable { case gettingCart, paid }
    enum Level: Int, Codable { case low = 1, high = 2 }
    enum Outcome: Codable, Equatable { case paid(String), declined(reason: String, code: Int), timedOut }

    class Base: Codable {
        var name = "base"
        init() {}
    }
    final class Derived: Base, @unchecked Sendable {
        var extra = 7
        enum CodingKeys: String, CodingKey { case extra }
        override init() { super.init() }
        required init(from decoder: any Decoder) throws { try super.init(from: decoder) }
        override func encode(to encoder: any Encoder) throws {
            try super.encode(to: encoder)  // the same encoder: JSONEncoder merges both into one object
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(extra, forKey: .extra)
        }
    }

    @Test func commonShapesAreAnsweredWithJSONEncodersBytes() throws {
        try expectSame(Order(id: "o-1", cartId: "cart-o-1", userId: "user-o-1", paymentTimeoutSeconds: 30))
        try expectSame(Numbers(i: -1, i8: .min, i16: .max, i32: .min, i64: .max, u: .max, u8: 255, u16: 0, u32: .max, u64: .max, d: 0.1, f: 1.5, b: true))
        try expectSame(Optionals(a: nil, b: 3, c: nil))
        try expectSame(Optionals(a: "x", b: nil, c: []))
        try expectSame(Nested(
            order: Order(id: "a", cartId: "b", userId: "c", paymentTimeoutSeconds: 0.25),
            lines: [Line(sku: "k", quantity: 2), Line(sku: "m", quantity: 1)],
            tags: ["zeta": 1, "Alpha": 2, "alpha": 3, "é": 4, "a b": 5, "": 6, "10": 7, "9": 8],
            byNumber: [10: "ten", 9: "nine", -1: "minus one", 100: "hundred"]))
        try expectSame(Empty())
        try expectSame([Empty(), Empty()])
        try expectSame(Stage.gettingCart)
        try expectSame([Stage.paid, Stage.gettingCart])
        try expectSame(Level.high)
        try expectSame(Outcome.paid("PAY-1"))
        try expectSame(Outcome.declined(reason: "card", code: 51))
        try expectSame(Outcome.timedOut)
        try expectSame(Derived())
        try expectSame([[1, 2], [], [3]])
        try expectSame(["k": [true, false]])
        try expectSame(Optional<Int>.none)
        try expectSame([Int?.none, 1])
        try expectSame(3.0)
    }

    @Test(arguments: [
        0.0, -0.0, 1.0, -1.0, 0.1, 129.9, 100.0, 1e21, 1e22, 1e-7, 123456789012345680.0, .leastNonzeroMagnitude,
        Double.greatestFiniteMagnitude, -Double.leastNormalMagnitude, 4.95, 1.0 / 3.0, 2.5e-5,
    ])
    func doublesAreWrittenAsJSONEncoderWritesThem(value: Double) throws {
        try expectSame(["d": value])
        if Float(value).isFinite { try expectSame(["f": Float(value)]) }
    }

    @Test func stringsAreEscapedAsJSONEncoderEscapesThem() throws {
        var every = ""
        for scalar in 0..<0x80 { every.unicodeScalars.append(Unicode.Scalar(UInt8(scalar))) }
        try expectSame(["s": every])
        try expectSame([every: "key with every ASCII character"])
        try expectSame(["s": "a/b \"q\" \\ café ✓ 𝄞 \u{7F} \u{2028}"])
        try expectSame(Line(sku: "http://x/y", quantity: 0))
    }

    @Test func whatJSONEncoderWritesItsOwnWayIsLeftToIt() throws {
        struct Bytes: Codable { var data = Data([1, 2, 3]) }
        struct Link: Codable { var url = URL(string: "https://example.com/a")! }
        struct Money: Codable { var amount = Decimal(string: "1.10")! }
        struct Super: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                try container.encode(1, forKey: AnyKey("a"))
                try 2.encode(to: container.superEncoder())
            }
        }
        struct Twice: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                try container.encode(1, forKey: AnyKey("a"))
                try container.encode(2, forKey: AnyKey("a"))
            }
        }
        struct Nothing: Encodable { func encode(to encoder: any Encoder) throws {} }
        struct Throws: Encodable {
            func encode(to encoder: any Encoder) throws { throw CocoaError(.coderInvalidValue) }
        }
        #expect(PayloadEncoder.encode(Bytes()) == nil)
        #expect(PayloadEncoder.encode(Link()) == nil)
        #expect(PayloadEncoder.encode(Money()) == nil)
        #expect(PayloadEncoder.encode(["d": Double.nan]) == nil)
        #expect(PayloadEncoder.encode([Float.infinity]) == nil)
        #expect(PayloadEncoder.encode(Super()) == nil)
        #expect(PayloadEncoder.encode(Twice()) == nil)
        #expect(PayloadEncoder.encode(Nothing()) == nil)
        #expect(PayloadEncoder.encode(Throws()) == nil)
        // …and the public path still answers as it did: JSONEncoder's bytes, or its error.
        #expect(try Payload(encoding: Bytes()).data == Self.reference.encode(Bytes()))
        #expect(throws: DurableError.self) { try Payload(encoding: ["d": Double.nan]) }
    }

    @Test func depthStopsWhereJSONEncodersDoes() throws {
        // 511 levels are JSONEncoder's most; at 512 the fast encoder leaves it to the old path,
        // which refuses it as before.
        #expect(PayloadEncoder.encode(Chain(depth: 511)) != nil)
        try expectSame(Chain(depth: 511))
        #expect(PayloadEncoder.encode(Chain(depth: 512)) == nil)
        #expect(throws: DurableError.self) { try Payload(encoding: Chain(depth: 512)) }
        // Far deeper values stop at the limit instead of overflowing the stack.
        #expect(PayloadEncoder.encode(Chain(depth: 100_000)) == nil)
    }

    @Test func anEncodingInsideAnotherGetsItsOwnTree() throws {
        // A value that encodes a payload of its own part in the middle of its `encode(to:)`
        // must neither see nor spoil the outer walk.
        struct Nesting: Encodable {
            var inner: [String: Int]
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                try container.encode(1, forKey: AnyKey("z"))
                let innerJSON = try Payload(encoding: inner).text
                try container.encode(innerJSON, forKey: AnyKey("inner"))
                try container.encode(["b": 2, "a": 1], forKey: AnyKey("a"))
            }
        }
        let value = Nesting(inner: ["y": 2, "x": [1, 2].count])
        try expectSame(value)
        #expect(try Payload(encoding: value).text == #"{"a":{"a":1,"b":2},"inner":"{\"x\":2,\"y\":2}","z":1}"#)
        // A large value, then a small one.
        try expectSame(Dictionary(uniqueKeysWithValues: (0..<5_000).map { ("key \($0)", $0) }))
        try expectSame(["after": [true, false]])
    }

    @Test func anEncoderKeptPastItsValueCannotWriteIntoAnotherPayload() throws {
        // Swift does not stop a value keeping its encoder; writing through it later must not
        // reach the payload being encoded then (it would, were trees reused between encodings).
        final class Kept: @unchecked Sendable { var encoder: (any Encoder)? }
        let kept = Kept()
        struct Keeper: Encodable {
            let kept: Kept
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                try container.encode(1, forKey: AnyKey("kept"))
                kept.encoder = encoder
            }
        }
        struct Writer: Encodable {
            let kept: Kept
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: AnyKey.self)
                try container.encode("b", forKey: AnyKey("b"))
                if let old = kept.encoder {
                    var stale = old.container(keyedBy: AnyKey.self)
                    try stale.encode("stale", forKey: AnyKey("x"))
                    try stale.encode([1, 2, 3], forKey: AnyKey("y"))
                }
                try container.encode("a", forKey: AnyKey("a"))
            }
        }
        #expect(try Payload(encoding: Keeper(kept: kept)).text == #"{"kept":1}"#)
        #expect(try Payload(encoding: Writer(kept: kept)).text == #"{"a":"a","b":"b"}"#)
    }

    @Test func datesAreAnsweredWithJSONEncodersBytes() throws {
        // `.deferredToDate` (the default) writes a date as its `Double`, which is answered here.
        struct Dated: Codable { var at: Date; var maybe: Date? }
        var random = SplitMix(state: 0xDA7E)
        var dates = [Date(timeIntervalSince1970: 1), .distantPast, .distantFuture, Date(timeIntervalSinceReferenceDate: -0.0)]
        for _ in 0..<200 {
            dates.append(Date(timeIntervalSinceReferenceDate: Double(bitPattern: random.next() >> 2) - 1e300))
            dates.append(Date(timeIntervalSinceReferenceDate: Double(Int64(bitPattern: random.next()) >> 30) / 1_000))
        }
        for date in dates {
            try expectSame(Dated(at: date, maybe: date))
            try expectSame([date])
        }
        try expectSame(Dated(at: Date(timeIntervalSince1970: 0), maybe: nil))
    }

    @Test func randomValuesAreWrittenAsJSONEncoderWritesThem() throws {
        var random = SplitMix(state: 0x5EED)
        var answered = 0
        for _ in 0..<2_000 {
            let value = Tree.random(&random, depth: 0)
            let expected = try? Self.reference.encode(value)
            let fast = PayloadEncoder.encode(value)
            if let fast {
                #expect(fast == expected, "\(value)")
                answered += 1
            }
        }
        // Random keys repeat and random doubles are finite: nearly all must be answered.
        #expect(answered > 1_900)
    }

    // MARK: - Helpers

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Arrays nested `depth` deep around one integer.
    struct Chain: Encodable {
        let depth: Int
        func encode(to encoder: any Encoder) throws {
            guard depth > 0 else {
                var single = encoder.singleValueContainer()
                return try single.encode(1)
            }
            var container = encoder.unkeyedContainer()
            try container.encode(Chain(depth: depth - 1))
        }
    }

    /// A random JSON-shaped value, encoded through every kind of container.
    indirect enum Tree: Encodable, CustomStringConvertible {
        case string(String), int(Int), double(Double), bool(Bool), null
        case array([Tree]), object([(String, Tree)])

        static func random(_ random: inout SplitMix, depth: Int) -> Tree {
            switch Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &random) {
            case 0:
                let pieces = ["a", "B", "é", "/", "\"", "\\", "\n", "\u{1}", "𝄞", " ", "z9", "\u{8}", "\u{C}"]
                return .string((0..<Int.random(in: 0..<5, using: &random)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &random)] }.joined())
            case 1: return .int(Int(truncatingIfNeeded: random.next()) >> Int.random(in: 0..<64, using: &random))
            case 2: return .double(Double(bitPattern: random.next() & 0x7FEF_FFFF_FFFF_FFFF) * (Int.random(in: 0..<2, using: &random) == 0 ? 1 : -1))
            case 3: return .bool(Int.random(in: 0..<2, using: &random) == 0)
            case 4: return .null
            case 5: return .array((0..<Int.random(in: 0..<4, using: &random)).map { _ in Tree.random(&random, depth: depth + 1) })
            default:
                let keys = ["id", "Id", "ID", "a", "b", "aa", "é", "z", "_x", "10", "9", ""]
                var used = Set<String>()
                var members: [(String, Tree)] = []
                for _ in 0..<Int.random(in: 0..<5, using: &random) {
                    let key = keys[Int.random(in: 0..<keys.count, using: &random)]
                    if used.insert(key).inserted { members.append((key, Tree.random(&random, depth: depth + 1))) }
                }
                return .object(members)
            }
        }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .string(let text): var c = encoder.singleValueContainer(); try c.encode(text)
            case .int(let number): var c = encoder.singleValueContainer(); try c.encode(number)
            case .double(let number): var c = encoder.singleValueContainer(); try c.encode(number)
            case .bool(let flag): var c = encoder.singleValueContainer(); try c.encode(flag)
            case .null: var c = encoder.singleValueContainer(); try c.encodeNil()
            case .array(let items):
                var c = encoder.unkeyedContainer()
                for item in items { try c.encode(item) }
            case .object(let members):
                var c = encoder.container(keyedBy: AnyKey.self)
                for (key, value) in members { try c.encode(value, forKey: AnyKey(key)) }
            }
        }

        var description: String { (try? String(decoding: PayloadEncoderTests.reference.encode(self), as: UTF8.self)) ?? "?" }
    }
}
