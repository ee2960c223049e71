import Foundation
import Testing

@testable import Durable

@Suite struct JSONSyntaxTests {
    private func valid(_ text: String) -> Bool { valid(Array(text.utf8)) }
    private func valid(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { JSONSyntax.isValid($0) } }
    private func foundationAccepts(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    static let goodOnes = [
        "0", "-0", "12", "-3.25", "1e5", "1E+5", "2.5e-3", "true", "false", "null", #""""#, #""a\"b\\c\/d""#,
        #""\b\f\n\r\t""#, #""\u00e9\u20AC""#, #""\ud83d\ude80""#, "\"é🚀\"", "[]", "{}", " [ 1 , 2 ] ", "[[[]]]",
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#, #"{"":0}"#, "[{}, [], \"x\", 1.5]", "\t\n\r 7 \n",
    ]
    static let badOnes = [
        "", " ", "01", "-", "1.", ".5", "1e", "+1", "0x10", "tru", "nul", "True", "[", "]", "[1,]", "[,1]", "[1 2]",
        "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "{1:2}", "\"abc", "\"a\u{1}b\"", "\"\\x\"",
        #""\u12""#, #""\u12G4""#, #""\ud83d""#, #""\ude80""#, #""\ud83d\u0041""#, "1 2", "[] []", "{}}", "[]]", "nulll",
        "NaN", "Infinity", "'a'",
    ]

    @Test func acceptsJSONAndRefusesWhatIsNot() {
        for text in Self.goodOnes { #expect(valid(text), "\(text)") }
        for text in Self.badOnes { #expect(!valid(text), "\(text)") }
    }

    @Test func refusesMalformedUTF8InStrings() {
        let quote = UInt8(ascii: "\"")
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC3], [0x80]] {
            #expect(!valid([quote] + bad + [quote]), "\(bad)")
        }
        #expect(valid([quote, 0xC3, 0xA9, quote]))  // é
        #expect(valid([quote, 0xF0, 0x9F, 0x9A, 0x80, quote]))  // 🚀
    }

    @Test func deepNestingIsWalkedWithoutRecursion() {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        #expect(valid(deep))
        #expect(!valid(deep + "]"))
    }

    /// Never laxer than Foundation: whatever it calls valid, JSONSerialization parses too — over
    /// every prefix of the good documents and single-byte mutations of them.
    @Test func neverAcceptsWhatFoundationRefuses() {
        var checked = 0
        let replacements: [UInt8] = Array("[]{}\",:0-.eE\\u tfn".utf8) + [0x00, 0x1F, 0x80, 0xFF]
        for text in Self.goodOnes {
            let bytes = Array(text.utf8)
            #expect(foundationAccepts(bytes), "\(text)")
            var variants: [[UInt8]] = (0...bytes.count).map { Array(bytes.prefix($0)) }
            for index in bytes.indices {
                for replacement in replacements {
                    var mutated = bytes
                    mutated[index] = replacement
                    variants.append(mutated)
                }
                var removed = bytes
                removed.remove(at: index)
                variants.append(removed)
            }
            for variant in variants where valid(variant) {
                checked += 1
                #expect(foundationAccepts(variant), "\(String(decoding: variant, as: UTF8.self))")
            }
        }
        #expect(checked > 100)  // the mutations do reach valid documents, so the check is not empty
    }

    /// Short random documents over JSON's own alphabet: most are nonsense, thousands are valid,
    /// and on plain ASCII (no escapes) the two must agree both ways.
    @Test func agreesWithFoundationOnRandomShortDocuments() {
        let alphabet = Array("[]{}\",:0123-.eEtrufalsn \\u".utf8)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var validCount = 0
        for _ in 0..<30_000 {
            let length = Int(next() % 9) + 1
            let bytes = (0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }
            let ours = valid(bytes)
            if ours { validCount += 1 }
            if ours { #expect(foundationAccepts(bytes), "\(String(decoding: bytes, as: UTF8.self))") }
            if !bytes.contains(UInt8(ascii: "\\")), foundationAccepts(bytes) {
                #expect(ours, "Foundation accepts \(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(validCount > 500)
    }
}
