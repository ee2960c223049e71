import Foundation

/// UUIDs that are the same on every replay: a hash of the instance id, its start time and a counter.
enum DeterministicUUID {
    static func make(instanceId: String, startedAt: Date, count: Int) -> UUID {
        var bytes = Array(instanceId.utf8)
        withUnsafeBytes(of: startedAt.timeIntervalSinceReferenceDate.bitPattern.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt64(count).littleEndian) { bytes += $0 }
        let high = mix(fnv1a(bytes, seed: 0xcbf2_9ce4_8422_2325))
        let low = mix(fnv1a(bytes, seed: 0x8422_2325_cbf2_9ce4) ^ high)
        var uuid = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            uuid[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
            uuid[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index))
        }
        uuid[6] = (uuid[6] & 0x0F) | 0x50  // version 5: name-based
        uuid[8] = (uuid[8] & 0x3F) | 0x80  // RFC 4122 variant
        return UUID(uuid: (
            uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7],
            uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]))
    }

    static func fnv1a(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// SplitMix64's finalizer, so nearby inputs give unrelated outputs.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
