import Testing

@testable import Durable

/// Journals written by earlier versions must still verify: the checksum is pinned to the
/// published CRC-32C check values (RFC 3720, appendix B.4).
@Suite struct CRC32CTests {
    @Test func matchesThePublishedCheckValues() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    @Test func continuingOverPiecesEqualsTheWhole() {
        let bytes = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        for split in [0, 1, 7, 8, 9, 500, 999, 1_000] {
            let first = bytes[..<split].withUnsafeBytes { CRC32C.checksum($0) }
            let whole = bytes[split...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
            #expect(whole == CRC32C.checksum(bytes), "split at \(split)")
        }
    }
}
