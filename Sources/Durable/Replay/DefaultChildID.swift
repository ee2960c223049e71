/// The id of a sub-orchestration the code did not name: `parent:sequence`, with a long parent id
/// shortened to a readable prefix and a hash of the whole of it.
///
/// Appending to the parent's id made every level 2 bytes longer than the one above, and every
/// event that names a child carries its id, so a chain's journal grew with the square of its
/// depth. A parent id over ``maxVerbatimParentLength`` bytes is written
/// `prefix~hash` instead — 24 bytes of it and 32 hex digits of a 128-bit hash of all of it —
/// so no default id is longer than about 100 bytes at any depth. The same parent and sequence
/// give the same id on every replay; different parents differ in the hash. (A history keeps the
/// id it recorded in any case: a replay reads the child's id from history.)
enum DefaultChildID {
    /// The longest parent id used as it is: short ids keep the `parent:sequence` of earlier builds.
    static let maxVerbatimParentLength = 64
    /// How many bytes of a long parent id are kept in front of the hash, so the id still reads.
    static let prefixLength = 24

    static func make(parentId: String, sequence: Int) -> String {
        guard parentId.utf8.count > maxVerbatimParentLength else { return "\(parentId):\(sequence)" }
        return "\(prefix(of: parentId))~\(hash(parentId)):\(sequence)"
    }

    /// The leading scalars of `id` that fit in ``prefixLength`` UTF-8 bytes (never half a character's bytes).
    private static func prefix(of id: String) -> String {
        var bytes = 0
        var end = id.unicodeScalars.startIndex
        for scalar in id.unicodeScalars {
            let size = UTF8.width(scalar)
            guard bytes + size <= prefixLength else { break }
            bytes += size
            end = id.unicodeScalars.index(after: end)
        }
        return String(id.unicodeScalars[..<end])
    }

    /// 128 bits as 32 lowercase hex digits: two seeded FNV-1a passes, each mixed (as `DeterministicUUID` does).
    private static func hash(_ id: String) -> String {
        let bytes = Array(id.utf8)
        let high = DeterministicUUID.mix(DeterministicUUID.fnv1a(bytes, seed: 0xcbf2_9ce4_8422_2325))
        let low = DeterministicUUID.mix(DeterministicUUID.fnv1a(bytes, seed: 0x8422_2325_cbf2_9ce4) ^ high)
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
