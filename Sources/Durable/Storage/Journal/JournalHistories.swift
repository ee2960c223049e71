/// Every instance's history as the journal holds it, and the rules by which records follow one
/// another: an append is the next event of the instance's current generation, a replacement
/// starts the next generation. The writer stamps records by these rules; the reader checks them,
/// so a missing record of any instance is found, not skipped.
struct JournalHistories {
    struct Entry {
        var events: [HistoryEvent]
        var generation: UInt32
    }

    private(set) var entries: [String: Entry] = [:]
    /// Parts of replacements read but not yet complete (see ``JournalRecord/replacePart(instanceId:events:isLast:)``).
    private var parts: [String: Entry] = [:]

    init() {}

    var histories: [String: [HistoryEvent]] { entries.mapValues(\.events) }

    func history(of instanceId: String) -> [HistoryEvent]? { entries[instanceId]?.events }

    var hasIncompleteReplacement: Bool { !parts.isEmpty }

    mutating func discardIncompleteReplacements() { parts = [:] }

    // MARK: Writing: the stamp each change gets

    /// Appends `event`; returns the record's index and generation.
    mutating func append(_ event: HistoryEvent, to instanceId: String) -> (index: UInt32, generation: UInt32) {
        Self.appending(event, to: &entries[instanceId, default: Entry(events: .withRoomForAFewSteps, generation: 0)])
    }

    private static func appending(_ event: HistoryEvent, to entry: inout Entry) -> (index: UInt32, generation: UInt32) {
        entry.events.append(event)
        return (UInt32(truncatingIfNeeded: entry.events.count - 1), entry.generation)
    }

    /// Replaces the history; returns the new generation.
    mutating func replace(_ instanceId: String, with events: [HistoryEvent]) -> UInt32 {
        let generation = entries[instanceId].map { $0.generation &+ 1 } ?? 0
        entries[instanceId] = Entry(events: events, generation: generation)
        return generation
    }

    /// Removes the history; returns the generation the removal names.
    mutating func remove(_ instanceId: String) -> UInt32 {
        entries.removeValue(forKey: instanceId)?.generation ?? 0
    }

    /// The generation each instance is at, for a checkpoint of `snapshot` taken at the same moment.
    var snapshot: [String: Entry] { entries }

    // MARK: Reading: records checked against what came before

    /// Why a record does not follow from the records before it.
    struct Gap: Error, CustomStringConvertible {
        var instanceId: String
        /// Where the instance's history stood.
        var expected: (index: Int, generation: UInt32)?
        var found: (index: UInt32, generation: UInt32)
        var description: String {
            guard let expected else {
                return "instance '\(instanceId)' has no history, but this record continues one (event #\(found.index), generation \(found.generation))"
            }
            return "instance '\(instanceId)': expected event #\(expected.index) of generation \(expected.generation), "
                + "found event #\(found.index) of generation \(found.generation): records before it are missing"
        }
    }

    /// Applies a record read back from a file, or throws the ``Gap`` that shows records are missing.
    mutating func apply(_ record: JournalRecord, index: UInt32, generation: UInt32) throws(Gap) {
        switch record {
        case .append(let id, let event):
            // One lookup, in place: binding the entry first would hold a second reference to its
            // events and make the append copy the whole history (recovery reads millions).
            try Self.appending(event, index: index, generation: generation, of: id, to: &entries[id])
        case .replace(let id, let events):
            try checkReplacement(of: id, generation: generation)
            entries[id] = Entry(events: events, generation: generation)
        case .replacePart(let id, let events, let isLast):
            if index == 0 {
                try checkReplacement(of: id, generation: generation)
                parts[id] = Entry(events: events, generation: generation)
            } else {
                guard let part = parts[id], part.generation == generation, part.events.count == Int(index) else {
                    let part = parts[id]
                    throw Gap(instanceId: id, expected: part.map { ($0.events.count, $0.generation) }, found: (index, generation))
                }
                parts[id]?.events.append(contentsOf: events)
            }
            if isLast, let whole = parts.removeValue(forKey: id) { entries[id] = whole }
        case .remove(let id):
            if let entry = entries[id], entry.generation != generation {
                throw Gap(instanceId: id, expected: (entry.events.count, entry.generation), found: (index, generation))
            }
            entries.removeValue(forKey: id)
        case .syncMarker, .manifest:
            break
        }
    }

    private static func appending(
        _ event: HistoryEvent, index: UInt32, generation: UInt32, of id: String, to entry: inout Entry?
    ) throws(Gap) {
        guard entry != nil else {
            guard index == 0 else { throw Gap(instanceId: id, expected: nil, found: (index, generation)) }
            entry = Entry(events: [event], generation: generation)
            return
        }
        guard let current = entry?.generation, let count = entry?.events.count, current == generation, count == Int(index) else {
            throw Gap(instanceId: id, expected: entry.map { ($0.events.count, $0.generation) }, found: (index, generation))
        }
        entry?.events.append(event)
    }

    private func checkReplacement(of id: String, generation: UInt32) throws(Gap) {
        if let entry = entries[id], generation != entry.generation &+ 1 {
            throw Gap(instanceId: id, expected: (0, entry.generation &+ 1), found: (0, generation))
        }
    }

    // MARK: Repair

    /// Applies a record as repair does: a record that does not follow is dropped (and returned),
    /// and the instance's later records with it, until a replacement starts it afresh.
    mutating func salvage(_ record: JournalRecord, index: UInt32, generation: UInt32, broken: inout Set<String>) -> Gap? {
        guard let id = record.instanceId else { return nil }
        if broken.contains(id) {
            switch record {
            case .replace, .remove: break
            case .replacePart where index == 0: break
            default: return Gap(instanceId: id, expected: entries[id].map { ($0.events.count, $0.generation) }, found: (index, generation))
            }
            // A new generation (or a purge) makes the instance whole again, whatever came before.
            broken.remove(id)
            entries.removeValue(forKey: id)
            parts.removeValue(forKey: id)
        }
        do {
            try apply(record, index: index, generation: generation)
            return nil
        } catch {
            broken.insert(id)
            return error
        }
    }
}
