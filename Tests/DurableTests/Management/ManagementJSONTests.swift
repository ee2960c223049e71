import Foundation
import Testing

@testable import Durable

@Suite struct ManagementJSONTests {
    @Test func stringsAreEscapedExactlyAndReadBackTheSame() throws {
        let tricky = "quote \" backslash \\ newline \n return \r tab \t bell \u{7} nul \u{0} unit \u{1F} é 🚀 end"
        let rendered = ManagementJSON.object([("k\"ey", .string(tricky))]).rendered
        #expect(rendered == #"{"k\"ey":"quote \" backslash \\ newline \n return \r tab \t bell \u0007 nul \u0000 unit \u001f é 🚀 end"}"#)
        let read = try JSONSerialization.jsonObject(with: Data(rendered.utf8)) as? [String: String]
        #expect(read == ["k\"ey": tricky])
    }

    @Test func everyKindRendersInOrder() {
        let value = ManagementJSON.object([
            ("s", .string("plain")), ("i", .int(-42)), ("t", .bool(true)), ("f", .bool(false)), ("n", .null),
            ("raw", .raw(#"{"b":[1,2]}"#)), ("a", .array([.int(1), .string("x"), .array([])])), ("o", .object([])),
        ])
        #expect(value.rendered == #"{"s":"plain","i":-42,"t":true,"f":false,"n":null,"raw":{"b":[1,2]},"a":[1,"x",[]],"o":{}}"#)
        #expect(value.bytes == Array(value.rendered.utf8))
    }
}
