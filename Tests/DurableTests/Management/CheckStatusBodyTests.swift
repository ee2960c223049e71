import Foundation
import Testing

@testable import Durable

@Suite struct CheckStatusBodyTests {
    /// The body as a `ManagementJSON` object: how `checkStatusResponse` built it before it wrote bytes directly.
    private func reference(id: String, instance: String, linkQuery: String) -> [UInt8] {
        let alone = linkQuery.isEmpty ? "" : "?" + linkQuery
        let after = linkQuery.isEmpty ? "" : "&" + linkQuery
        return ManagementJSON.object([
            ("id", .string(id)),
            ("statusQueryGetUri", .string(instance + alone)),
            ("sendEventPostUri", .string(instance + "/raiseEvent/{eventName}" + alone)),
            ("terminatePostUri", .string(instance + "/terminate?reason={text}" + after)),
            ("suspendPostUri", .string(instance + "/suspend?reason={text}" + after)),
            ("resumePostUri", .string(instance + "/resume?reason={text}" + after)),
            ("rewindPostUri", .string(instance + "/rewind?reason={text}" + after)),
            ("restartPostUri", .string(instance + "/restart" + alone)),
            ("purgeHistoryDeleteUri", .string(instance + alone)),
        ]).bytes
    }

    @Test(arguments: [
        ("order-1", "http://127.0.0.1:8080/runtime/webhooks/durabletask/instances/order-1", ""),
        ("a/b c?", "http://h/x/instances/a%2Fb%20c%3F", "code=k"),
        ("quote\"back\\slash\ttab\u{1}", "http://h/\"q\"\\/instances/\u{7}é", "code=\"\\\n"),
        ("café ✓ 𝄞", "http://h/instances/caf%C3%A9", "code=a&x=b"),
        ("", "", ""),
    ])
    func sameBytesAsTheJSONObject(id: String, instance: String, linkQuery: String) throws {
        let body = CheckStatusBody.render(id: id, instanceURI: instance, linkQuery: linkQuery)
        #expect(body == reference(id: id, instance: instance, linkQuery: linkQuery))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: String])
        #expect(object["id"] == id)
        #expect(object["restartPostUri"] == instance + "/restart" + (linkQuery.isEmpty ? "" : "?" + linkQuery))
    }
}
