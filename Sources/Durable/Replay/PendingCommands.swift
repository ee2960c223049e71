/// The commands an instance's code is waiting on, by sequence number.
///
/// Most code waits on one command at a time (a chain of steps, a single timer), so one entry
/// lives inline and the dictionary exists only while several are in flight (fan-out, races):
/// a step then costs no hashing and a new instance no dictionary allocation.
struct PendingCommands {
    struct Entry {
        let command: Command
        let continuation: UnsafeContinuation<Payload, any Error>
    }

    private var first: (sequence: Int, entry: Entry)?
    private var others: [Int: Entry] = [:]

    var isEmpty: Bool { first == nil && others.isEmpty }

    mutating func insert(_ entry: Entry, for sequence: Int) {
        if first == nil, others.isEmpty {
            first = (sequence, entry)
        } else {
            others[sequence] = entry
        }
    }

    mutating func remove(_ sequence: Int) -> Entry? {
        if first?.sequence == sequence { return first.take()?.entry }  // moved out, not copied
        return others.removeValue(forKey: sequence)
    }

    /// Takes every entry, in sequence order.
    mutating func removeAll() -> [(sequence: Int, entry: Entry)] {
        var all = others.map { (sequence: $0.key, entry: $0.value) }
        if let first { all.append(first) }
        first = nil
        others = [:]
        return all.sorted { $0.sequence < $1.sequence }
    }
}
