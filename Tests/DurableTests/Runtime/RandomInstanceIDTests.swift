import Foundation
import Testing

@testable import Durable

@Suite struct RandomInstanceIDTests {
    @Test func idsAreLowercaseVersion4UUIDs() {
        for _ in 0..<1_000 {
            let id = RandomInstanceID.next()
            let uuid = UUID(uuidString: id)
            #expect(uuid?.uuidString.lowercased() == id)
            let characters = Array(id)
            #expect(characters.count == 36)
            #expect(characters[14] == "4")  // version
            #expect("89ab".contains(characters[19]))  // variant 10xx
        }
    }

    @Test func idsDoNotRepeat() {
        // More than one refill of the entropy pool (16 ids each).
        let ids = (0..<10_000).map { _ in RandomInstanceID.next() }
        #expect(Set(ids).count == ids.count)
    }
}
