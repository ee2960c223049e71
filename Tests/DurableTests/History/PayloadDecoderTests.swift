import Foundation
import Testing

@testable import Durable

/// `PayloadDecoder` may hand any payload over to `JSONDecoder` (nil), but what it does decode
/// must be exactly what `JSONDecoder()` decodes — and it must decode the common payloads itself.
@Suite struct PayloadDecoderTests {
    @Test func theServiceOrderIsDecodedFast() throws {
        let order = ServiceOrder(id: "o-1", cartId: "c-9", userId: "u-3", paymentTimeoutSeconds: 30)
        let data = try sortedEncoder.encode(order)
        #expect(PayloadDecoder.decode(ServiceOrder.self, from: data) == order)
        #expect(expectAgreement(ServiceOrder.self, data))
    }

    @Test func encodedValuesAreDecodedFastAndAlike() throws {
        #expect(try fastAndAlike(Scalars.extremes(max: true)))
        #expect(try fastAndAlike(Scalars.extremes(max: false)))
        #expect(try fastAndAlike(Optionals(number: 1, text: "t", ratio: -0.0, list: [1, 2], order: .sample)))
        #expect(try fastAndAlike(Optionals(number: nil, text: nil, ratio: nil, list: nil, order: nil)))
        #expect(try fastAndAlike(Catalog.sample))
        #expect(try fastAndAlike(["a": 1, "b": -2, "": 0]))
        #expect(try fastAndAlike([7: "seven", -1: "minus one"]))
        #expect(try fastAndAlike(Dictionary(uniqueKeysWithValues: (0..<40).map { ("key\($0)", $0) })))
        #expect(try fastAndAlike([Shape.empty, .circle(radius: 2.5), .rect(1, 2), .labelled(name: "n", tags: ["t"])]))
        #expect(try fastAndAlike([Color.red, .blue]))
        #expect(try fastAndAlike([Level.low, .high]))
        #expect(try fastAndAlike(UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")))
        #expect(try fastAndAlike([[Double]]()))
        #expect(try fastAndAlike(Optional<Int>.none))
        #expect(try fastAndAlike(2.5))
    }

    @Test func datesAreDecodedFastAndAlike() throws {
        // `.deferredToDate` (the default) reads a date as its `Double`, which is decoded here.
        var random = SplitMix(state: 0xDA7E)
        for _ in 0..<200 {
            let date = Date(timeIntervalSinceReferenceDate: Double(Int64(bitPattern: random.next()) >> 30) / 1_000)
            #expect(try fastAndAlike(WithDate(value: date)))
            #expect(try fastAndAlike([date, .distantPast, .distantFuture]))
        }
        #expect(expectAgreement(WithDate.self, Data(#"{"value":1e2}"#.utf8)))
        #expect(expectAgreement(Date.self, Data("-0.5".utf8)))
    }

    @Test func handWrittenJSONIsDecodedFastAndAlike() {
        let documents: [(Agreement, String)] = [
            (Agreement(ServiceOrder.self), " \n\t{ \"userId\" :\"u\" ,\r\n\"id\":\"café ✓ 𝄞\", \"cartId\":\"\", \"paymentTimeoutSeconds\" : 1e2 } \n"),
            (Agreement(ServiceOrder.self), #"{"id":"e\#u{301}","cartId":"/","userId":"'","paymentTimeoutSeconds":-1.5E-3}"#),
            (Agreement(Optionals.self), #"{"number":null,"text":null,"ratio":-0,"list":[ ],"order":null,"unknown":{"a":[1,{}]}}"#),
            (Agreement(Scalars.self), #"{"flag":false,"text":"x","double":123456789012345678901234567890,"int":-0,"int8":-128,"#
                + #""int16":32767,"int32":-2147483648,"int64":9223372036854775807,"uint":0,"uint8":255,"uint16":65535,"#
                + #""uint32":4294967295,"uint64":18446744073709551615}"#),
            (Agreement([Double].self), "[0.1, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 9007199254740993, 0e-999, -0.0, 1e22, 1e23]"),
            (Agreement([Double].self), "[0.30000000000000004, 123.456e-7, 4.35, 1.0000000000000002, 2.5e+15, 12345678901234567890.125]"),
            (Agreement([String: Int].self), #"{"b": 2, "a": 1}"#),
            (Agreement([Int: String].self), #"{"-3": "x", "10": "y"}"#),
            (Agreement([Shape].self), #"[{"circle":{"radius":1}}, {"rect":{"_0":1,"_1":-2}}, {"empty":{}}]"#),
            (Agreement(KelvinKeyed.self), #"{"K": 5}"#),  // the KELVIN SIGN key matches "K" in JSONDecoder too
            (Agreement(HandRead.self), HandRead.sample),
            (Agreement(Double.self), "  42  "),
        ]
        for (agreement, text) in documents {
            #expect(agreement(Data(text.utf8)), "decoded fast: \(text)")
        }
    }

    /// JSON the containers report on: coding paths, counts, indexes and what decodeNil and
    /// decodeIfPresent move past, including JSONDecoder's decodeIfPresent past the end.
    @Test func containersReportWhatJSONDecodersDo() throws {
        let data = Data(HandRead.sample.utf8)
        let decoded = try #require(PayloadDecoder.decode(HandRead.self, from: data))
        #expect(decoded == (try JSONDecoder().decode(HandRead.self, from: data)))
        #expect(decoded.trace.contains("probes/-.Index 1/1"))
    }

    @Test func handsOverWhatJSONDecoderTreatsItsOwnWay() {
        let order = #"{"id":"a","cartId":"c","userId":"u","paymentTimeoutSeconds":1}"#
        let cases: [(HandOver, String)] = [
            (HandOver(ServiceOrder.self), order.replacingOccurrences(of: #""a""#, with: #""a\"b""#)),
            (HandOver(ServiceOrder.self), order.replacingOccurrences(of: #""a""#, with: #""\u00e9""#)),
            (HandOver(ServiceOrder.self), order.replacingOccurrences(of: #""id""#, with: #""\u0069d""#)),
            (HandOver(ServiceOrder.self), order.replacingOccurrences(of: #"{"#, with: #"{"id":"first","#)),  // a duplicate
            (HandOver(ServiceOrder.self), order.replacingOccurrences(of: #"}"#, with: #",}"#)),
            (HandOver(ServiceOrder.self), "\u{FEFF}" + order),
            (HandOver(WithData.self), #"{"value":"AQID"}"#),
            (HandOver(WithURL.self), #"{"value":"https://example.com/a"}"#),
            (HandOver(WithDecimal.self), #"{"value":1.5}"#),
            (HandOver(WithFloat.self), #"{"value":1.5}"#),
            (HandOver(WithInt.self), #"{"value":1.0}"#),
            (HandOver(WithInt.self), #"{"value":1e2}"#),
            (HandOver([UInt].self), "[-0]"),
            (HandOver(UsesSuperDecoder.self), #"{"inner":3}"#),
            (HandOver(Lenient.self), #"{"ratio":1.5}"#),
            (HandOver([String: Int].self), #"{"café":1}"#),
            (HandOver(Int128.self), "1"),
        ]
        for (handOver, json) in cases {
            let decoded = handOver.decode(Data(json.utf8))
            #expect(!decoded.fast, "PayloadDecoder decoded \(json)")
            #expect(decoded.reference, "JSONDecoder decodes \(json)")
        }
    }

    @Test(arguments: [
        "", " ", "{", "[1 2]", "[01]", "[1.]", "[.5]", "[-]", "[1e]", "[+1]", "[1]x", "[1] [2]", "[tru]", "[nul]",
        "[\"a\u{1}\"]", "[1e400]", "[1e-400]", "[\"\u{0}\"]", "[NaN]", "[Infinity]",
    ])
    func refusesWhatIsNotPlainJSON(_ json: String) {
        #expect(PayloadDecoder.decode([Double].self, from: Data(json.utf8)) == nil)
        #expect(PayloadDecoder.decode([String].self, from: Data(json.utf8)) == nil)
    }

    @Test func handsOverBadIntegersAndMismatches() {
        #expect(PayloadDecoder.decode([Int8].self, from: Data("[128]".utf8)) == nil)
        #expect(PayloadDecoder.decode([UInt].self, from: Data("[-1]".utf8)) == nil)
        #expect(PayloadDecoder.decode([Int].self, from: Data("[9223372036854775808]".utf8)) == nil)
        #expect(PayloadDecoder.decode([UInt64].self, from: Data("[18446744073709551616]".utf8)) == nil)
        #expect(PayloadDecoder.decode([Int].self, from: Data(#"["1"]"#.utf8)) == nil)
        #expect(PayloadDecoder.decode([String].self, from: Data("[1]".utf8)) == nil)
        #expect(PayloadDecoder.decode([Bool].self, from: Data("[1]".utf8)) == nil)
        #expect(PayloadDecoder.decode([Int].self, from: Data("[null]".utf8)) == nil)
        #expect(PayloadDecoder.decode(ServiceOrder.self, from: Data(#"{"id":"a"}"#.utf8)) == nil)
    }

    @Test func refusesNestingDeeperThanJSONDecoderDoes() {
        let tooDeep = Data((String(repeating: "[", count: 600) + String(repeating: "]", count: 600)).utf8)
        #expect(PayloadDecoder.decode(BracketNest.self, from: tooDeep) == nil)
        let deepest = Data((String(repeating: "[", count: 512) + String(repeating: "]", count: 512)).utf8)
        #expect(expectAgreement(BracketNest.self, deepest))
        let oneMore = Data((String(repeating: "[", count: 513) + String(repeating: "]", count: 513)).utf8)
        #expect(PayloadDecoder.decode(BracketNest.self, from: oneMore) == nil)
    }

    /// Random documents for the test types — random layout, key order, number spellings and
    /// strings, with some members missing, doubled, mistyped or unknown — then every truncation
    /// and many single-byte changes of a few of them.
    @Test func randomDocumentsAgree() {
        var random = SplitMix(state: 0x5EED_CAFE)
        let schemas = Schema.all
        var decodedFast = 0
        var cases = 0
        for round in 0..<3000 {
            let schema = schemas[round % schemas.count]
            let tree = schema.tree(using: &random)
            decodedFast += schema.agree(Data(random.json(tree).utf8)) ? 1 : 0
            cases += 1
        }
        // Most of them are plain JSON that fits: the fast path is really taken.
        #expect(decodedFast > cases / 4, "\(decodedFast) of \(cases) decoded fast")

        let samples = [
            (schemas[0], " {\n  \"userId\" : \"ü ✓ 𝄞\", \"id\":\"o\",\t\"cartId\":\"c\" , \"paymentTimeoutSeconds\": -12.5e-1 }"),
            (schemas[1], String(decoding: (try? sortedEncoder.encode(Scalars.extremes(max: true))) ?? Data(), as: UTF8.self)),
            (schemas[3], String(decoding: (try? sortedEncoder.encode(Catalog.sample)) ?? Data(), as: UTF8.self)),
        ]
        let replacements: [UInt8] = Array(#"{}[]",:\ -.e+0195tfn"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xE2, 0xF0, 0xFF]
        for (schema, text) in samples {
            #expect(schema.agree(Data(text.utf8)), "the sample decodes fast: \(text)")
            let bytes = Array(text.utf8)
            for end in 0..<bytes.count { schema.agree(Data(bytes[..<end])) }
            for index in bytes.indices {
                for _ in 0..<4 {
                    var changed = bytes
                    changed[index] = replacements.randomElement(using: &random) ?? 0
                    schema.agree(Data(changed))
                }
            }
        }
    }

    @Test func payloadsRoundTripThroughThePublicAPI() throws {
        #expect(try Payload(encoding: ServiceOrder.sample).decode(ServiceOrder.self) == .sample)
        #expect(try Payload(encoding: Catalog.sample).decode(Catalog.self) == .sample)
        #expect(try Payload(encoding: Scalars.extremes(max: false)).decode(Scalars.self) == .extremes(max: false))
        let date = WithDate(value: Date(timeIntervalSinceReferenceDate: 12.5))
        #expect(try Payload(encoding: date).decode(WithDate.self) == date)
        // Handed over to JSONDecoder:
        #expect(try Payload(encoding: WithFloat(value: 0.1)).decode(WithFloat.self) == WithFloat(value: 0.1))
        let quoted = ServiceOrder(id: "say \"hi\"\n", cartId: "c", userId: "u", paymentTimeoutSeconds: 1)
        #expect(try Payload(encoding: quoted).decode(ServiceOrder.self) == quoted)
        // And JSONDecoder still words the errors.
        #expect(throws: DurableError.self) { try Payload(data: Data(#"{"id":"a"}"#.utf8)).decode(ServiceOrder.self) }
    }
}

// MARK: - Agreement

private let sortedEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return encoder
}()

/// The contract on `data`: PayloadDecoder hands over (nil), or decodes what JSONDecoder decodes —
/// to the bit, which `==` would not check (-0.0 == 0.0), so encodable values are compared encoded.
/// Whether PayloadDecoder decoded it.
@discardableResult
private func expectAgreement<T: Decodable>(
    _ type: T.Type, _ data: Data, sourceLocation: SourceLocation = #_sourceLocation
) -> Bool {
    guard let fast = PayloadDecoder.decode(T.self, from: data) else { return false }
    let text = String(decoding: data, as: UTF8.self)
    guard let reference = try? JSONDecoder().decode(T.self, from: data) else {
        Issue.record("PayloadDecoder decoded what JSONDecoder refuses: \(text)", sourceLocation: sourceLocation)
        return true
    }
    if let fast = fast as? any Equatable {
        let isEqual = equal(fast, reference)
        #expect(isEqual, "\(T.self) from \(text)", sourceLocation: sourceLocation)
    }
    if let fast = fast as? any Encodable, let reference = reference as? any Encodable {
        #expect(
            (try? sortedEncoder.encode(fast)) == (try? sortedEncoder.encode(reference)), "\(T.self) from \(text)",
            sourceLocation: sourceLocation)
    }
    return true
}

private func equal<T: Equatable>(_ value: T, _ other: Any) -> Bool { value == other as? T }

/// Encodes `value`, then expects it decoded fast and alike.
private func fastAndAlike<T: Codable>(_ value: T) throws -> Bool {
    expectAgreement(T.self, try sortedEncoder.encode(value))
}

/// A type to decode with both decoders: whether each decodes.
private struct HandOver {
    let decode: (Data) -> (fast: Bool, reference: Bool)

    init<T: Decodable>(_ type: T.Type) {
        decode = { (PayloadDecoder.decode(T.self, from: $0) != nil, (try? JSONDecoder().decode(T.self, from: $0)) != nil) }
    }
}

// MARK: - Types

/// The HTTP sample's order, whose JSONDecoder decode was ~6% of the service's CPU.
private struct ServiceOrder: Codable, Equatable {
    var id: String
    var cartId: String
    var userId: String
    var paymentTimeoutSeconds: Double

    static let sample = ServiceOrder(id: "order-1", cartId: "cart-1", userId: "user-1", paymentTimeoutSeconds: 0.25)
}

private struct Scalars: Codable, Equatable {
    var flag: Bool
    var text: String
    var double: Double
    var int: Int
    var int8: Int8
    var int16: Int16
    var int32: Int32
    var int64: Int64
    var uint: UInt
    var uint8: UInt8
    var uint16: UInt16
    var uint32: UInt32
    var uint64: UInt64

    static func extremes(max: Bool) -> Scalars {
        max
            ? Scalars(
                flag: true, text: "ünï ✓ 𝄞", double: .greatestFiniteMagnitude, int: .max, int8: .max, int16: .max, int32: .max,
                int64: .max, uint: .max, uint8: .max, uint16: .max, uint32: .max, uint64: .max)
            : Scalars(
                flag: false, text: "", double: -.leastNonzeroMagnitude, int: .min, int8: .min, int16: .min, int32: .min,
                int64: .min, uint: 0, uint8: 0, uint16: 0, uint32: 0, uint64: 0)
    }
}

private struct Optionals: Codable, Equatable {
    var number: Int?
    var text: String?
    var ratio: Double?
    var list: [Int]?
    var order: ServiceOrder?
}

private enum Color: String, Codable { case red, green, blue }
private enum Level: Int, Codable { case low = 1, high = 9 }

private enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case rect(Double, Double)
    case empty
    case labelled(name: String, tags: [String])
}

private struct Catalog: Codable, Equatable {
    var orders: [ServiceOrder]
    var stock: [String: Int]
    var names: [Int: String]
    var shapes: [Shape]
    var colors: [Color]
    var level: Level
    var matrix: [[Double]]
    var note: String?

    static let sample = Catalog(
        orders: [.sample, ServiceOrder(id: "2", cartId: "", userId: "ü", paymentTimeoutSeconds: -1e-7)],
        stock: ["apples": 3, "pears": 0], names: [1: "one", -2: "minus two"],
        shapes: [.circle(radius: 1.5), .rect(2, 3), .empty, .labelled(name: "l", tags: [])], colors: [.green],
        level: .high, matrix: [[1, 2.5], [], [-0.0]], note: nil)
}

/// A key spelled with the KELVIN SIGN, which Swift's String equality takes for "K".
private struct KelvinKeyed: Codable, Equatable {
    var value: Int
    enum CodingKeys: String, CodingKey { case value = "\u{212A}" }
}

/// Arrays nested arbitrarily deep, as JSON of nothing but brackets.
private struct BracketNest: Decodable, Equatable {
    let depth: Int
    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        if container.isAtEnd {
            depth = 1
        } else {
            depth = try container.decode(BracketNest.self).depth + 1
        }
    }
}

/// Reads its JSON by hand, as a custom init(from:) does, and records what the containers report.
private final class HandRead: Decodable, Equatable {
    let title: String
    let values: [Int?]
    let probes: [Probe]
    let trace: [String]

    static let sample = #"{"title": "t", "point": {"x": 1, "y": [2, null]}, "values": [3, null, 4], "probes": [5, 6]}"#

    private enum Keys: String, CodingKey { case title, point, values, probes, x, y }

    /// Records the coding path it is decoded at.
    struct Probe: Decodable, Equatable {
        let path: String
        init(from decoder: any Decoder) throws {
            path = decoder.codingPath.map { "\($0.stringValue)/\($0.intValue.map(String.init) ?? "-")" }.joined(separator: ".")
            _ = try decoder.singleValueContainer().decode(Int.self)
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        title = try container.decode(String.self, forKey: .title)
        let point = try container.nestedContainer(keyedBy: Keys.self, forKey: .point)
        var trace = [point.codingPath.map(\.stringValue).joined(separator: "."), "\(point.allKeys.map(\.stringValue).sorted())"]
        var y = try point.nestedUnkeyedContainer(forKey: .y)
        let first = try y.decode(Int.self)
        let second = try y.decodeNil()
        trace += [y.codingPath.map(\.stringValue).joined(separator: "."), "\(first) \(second)"]
        var list = try container.nestedUnkeyedContainer(forKey: .values)
        var values: [Int?] = []
        trace.append("count \(String(describing: list.count))")
        while !list.isAtEnd {
            values.append(try list.decodeNil() ? nil : list.decode(Int.self))
            trace.append("at \(list.currentIndex)")
        }
        // Past the end: JSONDecoder's own decodeIfPresent returns nil and still counts on.
        let pastEnd = try list.decodeIfPresent(Int.self)
        trace.append("past \(String(describing: pastEnd)) \(list.currentIndex) \(list.isAtEnd)")
        let furtherPast = try list.decodeIfPresent(Probe.self)
        trace.append("past \(String(describing: furtherPast)) \(list.currentIndex)")
        self.values = values
        probes = try container.decode([Probe].self, forKey: .probes)
        trace += probes.map(\.path)
        let absent = try container.decodeIfPresent(Int.self, forKey: .x)
        trace.append("\(container.contains(.x)) \(String(describing: absent))")
        self.trace = trace
    }

    static func == (a: HandRead, b: HandRead) -> Bool {
        a.title == b.title && a.values == b.values && a.probes == b.probes && a.trace == b.trace
    }
}

private struct WithDate: Codable, Equatable { var value: Date }
private struct WithData: Codable, Equatable { var value: Data }
private struct WithURL: Codable, Equatable { var value: URL }
private struct WithDecimal: Codable, Equatable { var value: Decimal }
private struct WithFloat: Codable, Equatable { var value: Float }
private struct WithInt: Codable, Equatable { var value: Int }

private struct UsesSuperDecoder: Decodable, Equatable {
    let inner: Int
    enum CodingKeys: CodingKey { case inner }
    init(from decoder: any Decoder) throws {
        inner = try Int(from: decoder.container(keyedBy: CodingKeys.self).superDecoder(forKey: .inner))
    }
}

/// Falls back to a default when a member does not decode, as lenient models do; PayloadDecoder
/// hands the Float over, and the model's catching that must not turn it into -1.
private struct Lenient: Decodable, Equatable {
    let ratio: Float
    enum CodingKeys: CodingKey { case ratio }
    init(from decoder: any Decoder) throws {
        ratio = (try? decoder.container(keyedBy: CodingKeys.self).decode(Float.self, forKey: .ratio)) ?? -1
    }
}

// MARK: - Random documents

/// A JSON value, before it is written out.
private indirect enum Tree: Sendable {
    case null, bool(Bool), number(String), string(String)
    case array([Tree])
    case object([(key: String, value: Tree)])
}

/// The shape of a test type's JSON, to generate documents for it.
private indirect enum JSONShape: Sendable {
    case bool, string, number, integer
    /// A dictionary key: mostly ASCII, as keys are.
    case key
    case oneOf([Tree])
    case optional(JSONShape)
    case array(JSONShape)
    /// An object of any members, with keys of `keys`.
    case dictionary(keys: JSONShape, values: JSONShape)
    case object([(String, JSONShape)])
    /// An object with exactly one of these members: an enum with associated values.
    case variant([(String, JSONShape)])
}

/// A type to expect the decoders to agree on.
private struct Agreement {
    private let check: (Data) -> Bool

    init<T: Decodable>(_ type: T.Type) {
        check = { expectAgreement(T.self, $0) }
    }

    /// Expects the decoders to agree on `data`; whether PayloadDecoder decoded it.
    @discardableResult
    func callAsFunction(_ data: Data) -> Bool { check(data) }
}

/// A test type and the shape of its JSON.
private struct Schema {
    let shape: JSONShape
    let agree: Agreement

    init<T: Decodable>(_ type: T.Type, _ shape: JSONShape) {
        self.shape = shape
        agree = Agreement(type)
    }

    func tree(using random: inout SplitMix, mistakes: Bool = true) -> Tree { random.tree(shape, depth: 0, mistakes: mistakes) }

    static let order = JSONShape.object([
        ("id", .string), ("cartId", .string), ("userId", .string), ("paymentTimeoutSeconds", .number),
    ])
    static let shape = JSONShape.variant([
        ("circle", .object([("radius", .number)])), ("rect", .object([("_0", .number), ("_1", .number)])),
        ("empty", .object([])), ("labelled", .object([("name", .string), ("tags", .array(.string))])),
    ])
    static var all: [Schema] {
        [
        Schema(ServiceOrder.self, order),
        Schema(
            Scalars.self,
            .object(
                [("flag", .bool), ("text", .string), ("double", .number)]
                    + ["int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64"].map { ($0, .integer) })),
        Schema(
            Optionals.self,
            .object([
                ("number", .optional(.integer)), ("text", .optional(.string)), ("ratio", .optional(.number)),
                ("list", .optional(.array(.integer))), ("order", .optional(order)),
            ])),
        Schema(
            Catalog.self,
            .object([
                ("orders", .array(order)), ("stock", .dictionary(keys: .key, values: .integer)),
                ("names", .dictionary(keys: .integer, values: .string)), ("shapes", .array(shape)),
                ("colors", .array(.oneOf([.string("red"), .string("blue"), .string("pink")]))),
                ("level", .oneOf([.number("1"), .number("9"), .number("2")])), ("matrix", .array(.array(.number))),
                ("note", .optional(.string)),
            ])),
        Schema([String: Int].self, .dictionary(keys: .key, values: .integer)),
        Schema([Int: String].self, .dictionary(keys: .integer, values: .string)),
        Schema([Shape].self, .array(shape)),
        Schema([Double?].self, .array(.optional(.number))),
        ]
    }
}

extension SplitMix {
    /// A tree that fits `shape`, but for the odd mistake: a member missing, doubled, unknown or
    /// of another type.
    fileprivate mutating func tree(_ shape: JSONShape, depth: Int, mistakes: Bool) -> Tree {
        if mistakes, chance(2) { return anyTree(depth: depth) }
        switch shape {
        case .bool: return .bool(chance(50))
        case .string: return .string(text())
        case .key: return .string(chance(80) ? ["a", "b", "apples", "id", "K", "0"].randomElement(using: &self) ?? "" : text())
        case .number: return .number(number())
        case .integer: return .number(chance(75) ? String(Int.random(in: -100...100, using: &self)) : number())
        case .oneOf(let trees): return trees.randomElement(using: &self) ?? .null
        case .optional(let wrapped): return chance(30) ? .null : tree(wrapped, depth: depth, mistakes: mistakes)
        case .array(let element):
            return .array((0..<Int.random(in: 0...3, using: &self)).map { _ in tree(element, depth: depth + 1, mistakes: mistakes) })
        case .dictionary(let keys, let values):
            let members = (0..<Int.random(in: 0...4, using: &self)).map { _ in
                let key =
                    switch tree(keys, depth: depth + 1, mistakes: mistakes) {
                    case .string(let text), .number(let text): text
                    default: "null"
                    }
                return (key: key, value: tree(values, depth: depth + 1, mistakes: mistakes))
            }
            return .object(mistakes ? members : firstOfEachKey(members))
        case .object(let members):
            var written = members.map { (key: $0.0, value: tree($0.1, depth: depth + 1, mistakes: mistakes)) }.shuffled(using: &self)
            if mistakes, chance(5), !written.isEmpty { written.removeLast() }
            if mistakes, chance(5), let first = written.first { written.append((first.key, anyTree(depth: depth + 1))) }
            if chance(10) { written.insert((key: "extra", value: anyTree(depth: depth + 1)), at: 0) }
            return .object(written)
        case .variant(let cases):
            guard let (key, value) = cases.randomElement(using: &self) else { return .null }
            return .object([(key, tree(value, depth: depth + 1, mistakes: mistakes))])
        }
    }

    fileprivate mutating func anyTree(depth: Int) -> Tree {
        switch Int.random(in: depth > 2 ? 0...3 : 0...5, using: &self) {
        case 0: return .null
        case 1: return .bool(chance(50))
        case 2: return .number(number())
        case 3: return .string(text())
        case 4: return .array((0..<Int.random(in: 0...3, using: &self)).map { _ in anyTree(depth: depth + 1) })
        default: return .object((0..<Int.random(in: 0...3, using: &self)).map { _ in (key: text(), value: anyTree(depth: depth + 1)) })
        }
    }

    /// Number text in every spelling JSON allows, and now and then one it does not.
    fileprivate mutating func number() -> String {
        if chance(25) {
            return [
                "0", "-0", "127", "128", "-128", "-129", "255", "256", "-1", "65535", "2147483648", "-2147483649", "4294967296",
                "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551615",
                "18446744073709551616", "1.0", "1e2", "-0.0", "1e400", "1e-400", "4.9e-324", "2.5e-324", "01", "1.", ".5", "+1",
                "1e", "-", "0x10", "1E+2", "9007199254740993", "1.7976931348623158e308",
            ].randomElement(using: &self) ?? "0"
        }
        var text = chance(30) ? "-" : ""
        text += chance(20) ? "0" : String(UInt64.random(in: 1...UInt64.max, using: &self) >> UInt64.random(in: 0...63, using: &self))
        if chance(40) { text += "." + String(UInt64.random(in: 0...UInt64.max, using: &self) >> UInt64.random(in: 0...63, using: &self)) }
        if chance(25) { text += (chance(50) ? "e" : "E") + ["", "+", "-"][Int.random(in: 0...2, using: &self)] + String(Int.random(in: 0...330, using: &self)) }
        return text
    }

    /// String contents, some of which JSON must escape.
    fileprivate mutating func text() -> String {
        let plain = ["a", "Z", "id", "0", " ", "café", "✓", "𝄞", "e\u{301}", "\u{212A}", "\u{7F}"]
        let escaped = ["\"", "\\", "\n", "/", "é"]
        return (0..<Int.random(in: 0...4, using: &self)).map { _ in
            (chance(85) ? plain.randomElement(using: &self) : escaped.randomElement(using: &self)) ?? ""
        }.joined()
    }

    /// `tree` written out, with random whitespace, and strings escaped now one way, now another.
    fileprivate mutating func json(_ tree: Tree) -> String {
        let space = [" ", "\n", "\t", "\r\n", "  "].randomElement(using: &self) ?? ""
        let gap = chance(70) ? "" : space
        switch tree {
        case .null: return gap + "null"
        case .bool(let value): return gap + (value ? "true" : "false")
        case .number(let text): return gap + text
        case .string(let text): return gap + quoted(text)
        case .array(let elements):
            return gap + "[" + elements.map { json($0) + (chance(70) ? "" : space) }.joined(separator: ",") + (chance(1) ? ",]" : "]")
        case .object(let members):
            let written = members.map { member in gap + quoted(member.key) + gap + ":" + json(member.value) }
            return gap + "{" + written.joined(separator: ",") + gap + (chance(1) ? ",}" : "}")
        }
    }

    private mutating func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += chance(3) ? "\n" : "\\n"  // a raw newline now and then: not JSON
            case "é" where chance(20): result += "\\u00e9"
            case "/" where chance(20): result += "\\/"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// The members with the first of each key (by String equality, as JSONDecoder keeps them).
private func firstOfEachKey(_ members: [(key: String, value: Tree)]) -> [(key: String, value: Tree)] {
    var seen = Set<String>()
    return members.filter { seen.insert($0.key).inserted }
}
