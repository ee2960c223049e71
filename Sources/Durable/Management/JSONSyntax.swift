/// Whether bytes are one JSON value (RFC 8259), checked in one pass without building anything.
///
/// The management API asks this of every payload it puts in a status (input, output, custom
/// status: raw when valid, a string when a record is damaged) and of every body it accepts.
/// `JSONSerialization` answered it by building the whole object graph, about 6 % of a status
/// read; this walks the bytes once with an explicit stack, so no nesting depth can overflow the
/// thread's stack. Stricter where JSON is loose in practice: strings must be valid UTF-8 with no
/// raw control characters, and a `\u` escape of a surrogate must be a high one followed by a low one.
enum JSONSyntax {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var reader = Reader(bytes: bytes)
        return reader.valueThenEnd()
    }

    private enum Container { case array, object }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var index = 0
        var stack: [Container] = []

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipWhitespace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        /// One value and nothing after it but whitespace. Containers are walked in this loop, not
        /// by recursion: after each value, the innermost open container says what may follow.
        mutating func valueThenEnd() -> Bool {
            while true {
                skipWhitespace()
                guard let byte = peek else { return false }
                switch byte {
                case UInt8(ascii: "["):
                    index += 1
                    skipWhitespace()
                    if take(UInt8(ascii: "]")) { break }  // empty: a complete value
                    stack.append(.array)
                    continue  // its first element
                case UInt8(ascii: "{"):
                    index += 1
                    skipWhitespace()
                    if take(UInt8(ascii: "}")) { break }
                    guard key() else { return false }
                    stack.append(.object)
                    continue  // its first member's value
                case UInt8(ascii: "\""):
                    guard string() else { return false }
                case UInt8(ascii: "t"): guard literal("true") else { return false }
                case UInt8(ascii: "f"): guard literal("false") else { return false }
                case UInt8(ascii: "n"): guard literal("null") else { return false }
                default: guard number() else { return false }
                }
                // A value ended: close the containers it completes, or go on to the next element.
                while true {
                    skipWhitespace()
                    guard let open = stack.last else {
                        return index == bytes.count
                    }
                    if take(UInt8(ascii: ",")) {
                        if open == .object {
                            skipWhitespace()
                            guard key() else { return false }
                        }
                        break  // the next element's value
                    }
                    guard take(UInt8(ascii: open == .array ? "]" : "}")) else { return false }
                    stack.removeLast()
                }
            }
        }

        /// A member's name and its colon.
        mutating func key() -> Bool {
            guard peek == UInt8(ascii: "\""), string() else { return false }
            skipWhitespace()
            return take(UInt8(ascii: ":"))
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        mutating func digits() -> Bool {
            let start = index
            while let byte = peek, (0x30...0x39).contains(byte) { index += 1 }
            return index > start
        }

        mutating func number() -> Bool {
            _ = take(UInt8(ascii: "-"))
            if take(UInt8(ascii: "0")) {
                if let byte = peek, (0x30...0x39).contains(byte) { return false }  // no leading zeros
            } else {
                guard digits() else { return false }
            }
            if take(UInt8(ascii: ".")) { guard digits() else { return false } }
            if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
                if !take(UInt8(ascii: "+")) { _ = take(UInt8(ascii: "-")) }
                guard digits() else { return false }
            }
            return true
        }

        /// A string from its opening quote through its closing one.
        mutating func string() -> Bool {
            index += 1  // the opening quote
            while let byte = peek {
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return true
                case UInt8(ascii: "\\"):
                    index += 1
                    guard escape() else { return false }
                case 0..<0x20:
                    return false
                case 0x80...:
                    guard scalar() else { return false }
                default:
                    index += 1
                }
            }
            return false  // unterminated
        }

        /// The escape after a backslash.
        mutating func escape() -> Bool {
            guard let byte = peek else { return false }
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                return true
            case UInt8(ascii: "u"):
                guard let unit = hex4() else { return false }
                switch unit {
                case 0xD800...0xDBFF:  // a high surrogate: a low one must follow
                    guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4() else { return false }
                    return (0xDC00...0xDFFF).contains(low)
                case 0xDC00...0xDFFF: return false
                default: return true
                }
            default:
                return false
            }
        }

        mutating func hex4() -> UInt16? {
            guard bytes.count - index >= 4 else { return nil }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: return nil
                }
                value = value << 4 | UInt16(digit)
                index += 1
            }
            return value
        }

        /// One multi-byte UTF-8 scalar, well formed: no overlong forms, no surrogates, nothing past U+10FFFF.
        mutating func scalar() -> Bool {
            let lead = bytes[index]
            let count: Int
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            switch lead {
            case 0xC2...0xDF: count = 2
            case 0xE0: count = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: count = 3
            case 0xED: count = 3; secondRange = 0x80...0x9F
            case 0xF0: count = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: count = 4
            case 0xF4: count = 4; secondRange = 0x80...0x8F
            default: return false
            }
            guard bytes.count - index >= count, secondRange.contains(bytes[index + 1]) else { return false }
            for offset in 2..<max(2, count) where !(0x80...0xBF).contains(bytes[index + offset]) { return false }
            index += count
            return true
        }
    }
}
