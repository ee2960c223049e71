import Foundation
import Testing

@testable import Durable

/// Payloads of integers, booleans and plain strings skip the JSON coder; they must still be the
/// JSON the coder writes, and read back as what went in.
@Suite struct PayloadTests {
    @Test(arguments: [0, 7, -7, 10, 1_234_567_890, Int.max, Int.min, Int.min + 1])
    func integersAreTheCodersJSONAndRoundTrip(_ value: Int) throws {
        let payload = try Payload(encoding: value)
        #expect(payload.data == (try JSONEncoder().encode(value)))
        #expect(try payload.decode(Int.self) == value)
    }

    @Test(arguments: [true, false])
    func booleansAreTheCodersJSONAndRoundTrip(_ value: Bool) throws {
        let payload = try Payload(encoding: value)
        #expect(payload.data == (try JSONEncoder().encode(value)))
        #expect(try payload.decode(Bool.self) == value)
    }

    @Test(arguments: ["", "a", "fourteen bytes", "fifteen bytes!!", String(repeating: "long ", count: 200), "~ !#$%&'()*+,-.:;<=>?@[]^_`{|}"])
    func plainStringsAreTheCodersJSON(_ value: String) throws {
        let payload = try Payload(encoding: value)
        #expect(payload.data == (try JSONEncoder().encode(value)))
        #expect(try payload.decode(String.self) == value)
    }

    /// Written before `JSONEncoder` was matched byte for byte, and kept: histories hold these bytes,
    /// and replays compare activity inputs byte for byte.
    @Test func aSlashInAPlainStringStaysUnescaped() throws {
        #expect(try Payload(encoding: "a/b").data == Data(#""a/b""#.utf8))
        #expect(try Payload(encoding: "a/b").decode(String.self) == "a/b")
    }

    @Test(arguments: ["", "plain", "with \"quotes\"", "back\\slash", "tab\tand newline\n", "é ünïcode ✓"])
    func stringsRoundTrip(_ value: String) throws {
        let payload = try Payload(encoding: value)
        #expect(try JSONDecoder().decode(String.self, from: payload.data) == value)
        #expect(try payload.decode(String.self) == value)
    }
}
