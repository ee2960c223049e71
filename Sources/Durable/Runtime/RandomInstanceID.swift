import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Ids for instances started without one: random (version 4) UUIDs in lower case, the same text
/// `UUID().uuidString.lowercased()` gives.
///
/// That expression costs ~4 µs — a system call for 16 random bytes, then two strings — which was
/// most of the cost of starting an instance. Here one call draws entropy for 16 ids and the
/// text is written once.
enum RandomInstanceID {
    private static let pool = Mutex(EntropyPool())

    static func next() -> String {
        let (high, low) = pool.withLock { $0.next128() }
        return String(unsafeUninitializedCapacity: 36) { text in
            let digits: StaticString = "0123456789abcdef"
            var written = 0
            func put(_ value: UInt64, from shift: Int, nibbles: Int) {
                for index in 0..<nibbles {
                    let nibble = Int((value >> UInt64(shift - 4 * index)) & 0xF)
                    text[written] = digits.utf8Start[nibble]
                    written += 1
                }
            }
            func dash() {
                text[written] = UInt8(ascii: "-")
                written += 1
            }
            // Version 4 in the 13th digit, variant 10xx in the 17th (RFC 9562).
            let high = (high & ~0xF000) | 0x4000
            let low = (low & ~(0xC << 60)) | (0x8 << 60)
            put(high, from: 60, nibbles: 8); dash()
            put(high, from: 28, nibbles: 4); dash()
            put(high, from: 12, nibbles: 4); dash()
            put(low, from: 60, nibbles: 4); dash()
            put(low, from: 44, nibbles: 12)
            return written
        }
    }
}

/// Ids for executions (see ``InstanceStatus/executionId``): 15 hexadecimal digits.
///
/// An execution id only has to differ from the other executions of the same instance id. Each is
/// a counter, offset by a random seed drawn once per process, through a bijective mix (SplitMix64's
/// finalizer), cut to 60 bits: as unlikely to repeat, within a process or across restarts, as 60
/// random bits. No lock per id — an atomic increment — and 15 bytes of
/// text fit a small `String`, so making one allocates nothing.
enum ExecutionID {
    private static let seed: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        var bits = seed &+ counter.wrappingAdd(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
        bits = (bits ^ (bits >> 30)) &* 0xBF58_476D_1CE4_E5B9
        bits = (bits ^ (bits >> 27)) &* 0x94D0_49BB_1331_11EB
        bits ^= bits >> 31
        return String(unsafeUninitializedCapacity: 15) { text in
            let digits: StaticString = "0123456789abcdef"
            for index in 0..<15 {
                text[index] = digits.utf8Start[Int((bits >> UInt64(4 * index)) & 0xF)]
            }
            return 15
        }
    }
}

/// Random bytes drawn from the system 256 at a time (the most `getentropy` gives per call).
private struct EntropyPool: ~Copyable {
    private var words = [UInt64](repeating: 0, count: 32)
    private var used = 32

    mutating func next128() -> (UInt64, UInt64) {
        if used + 2 > words.count { refill() }
        defer { used += 2 }
        return (words[used], words[used + 1])
    }

    private mutating func refill() {
        let filled = words.withUnsafeMutableBytes { getentropy($0.baseAddress, $0.count) } == 0
        if !filled {
            var generator = SystemRandomNumberGenerator()
            for index in words.indices { words[index] = generator.next() }
        }
        used = 0
    }
}
