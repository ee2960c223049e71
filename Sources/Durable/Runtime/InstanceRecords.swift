#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The table's records by instance id, also kept in an array so a walk over all of them can be
/// cut into short pieces, letting go of the table's lock between them.
///
/// Every start and status read waits for the table's lock; a walk over 100,000 records (a list,
/// a retention sweep, a terminate of a tree) took it for tens of milliseconds. A dictionary's
/// index does not survive a mutation, so the array gives the walk positions that do: a record
/// replaced under its id (a continue-as-new) takes its predecessor's slot, and a removed one
/// leaves a hole, so nothing moves while a walk is under way. Holes are closed up when they are
/// most of the array, which bumps ``layout``: a walk that sees it change starts over.
struct InstanceRecords {
    private var byId: [String: InstanceRecord] = [:]
    private var slots: [InstanceRecord?] = []
    /// Changes whenever records move to other slots; a walk started before is void.
    private(set) var layout = 0

    var count: Int { byId.count }
    /// Every record, in no order (for walks that hold the lock throughout).
    var values: Dictionary<String, InstanceRecord>.Values { byId.values }

    subscript(id: String) -> InstanceRecord? {
        get { byId[id] }
        set {
            if let newValue { updateValue(newValue, forKey: id) } else { removeValue(forKey: id) }
        }
    }

    /// Puts `record` under `id`; returns the record it replaced, which gives up its slot to it.
    @discardableResult
    mutating func updateValue(_ record: InstanceRecord, forKey id: String) -> InstanceRecord? {
        guard let replaced = byId.updateValue(record, forKey: id) else {
            record.slot = slots.count
            slots.append(record)
            return nil
        }
        record.slot = replaced.slot
        slots[replaced.slot] = record
        return replaced
    }

    @discardableResult
    mutating func removeValue(forKey id: String) -> InstanceRecord? {
        guard let removed = byId.removeValue(forKey: id) else { return nil }
        slots[removed.slot] = nil
        let holes = slots.count - byId.count
        if holes > 1_024, holes > slots.count / 2 { closeHoles() }
        return removed
    }

    /// Adds `other`'s records; one it shares an id with is replaced by `other`'s.
    mutating func merge(_ other: [String: InstanceRecord]) {
        for (id, record) in other { updateValue(record, forKey: id) }
    }

    /// The number of slots a walk covers (holes included): `0..<slotCount`.
    var slotCount: Int { slots.count }

    /// The record in `slot`, or `nil` for a hole.
    func record(inSlot slot: Int) -> InstanceRecord? { slots[slot] }

    private mutating func closeHoles() {
        slots.removeAll { $0 == nil }
        for (slot, record) in slots.enumerated() { record?.slot = slot }
        layout &+= 1
    }
}

/// A walk over every record in pieces (see ``Engine/walkRecords(_:)``): each ``step(_:_:)`` takes
/// the next piece, under the table's lock, and says whether the walk is done.
///
/// Not one instant's view: a record added during the walk may be missed, one removed may be seen.
/// None present throughout is missed or seen twice: a walk that sees records move
/// (``InstanceRecords/layout``) starts over, and after two such starts takes the rest in one step.
struct RecordWalk<Answer> {
    private(set) var picked: [Answer] = []
    private var slot = 0
    private var layout: Int?
    private var starts = 0
    let piece: Int

    init(piece: Int = 512) { self.piece = piece }

    /// Takes the next piece of `records`, keeping what `pick` answers; returns whether it is done.
    mutating func step(_ records: InstanceRecords, _ pick: (InstanceRecord) -> Answer?) -> Bool {
        if let layout, layout != records.layout {
            picked.removeAll(keepingCapacity: true)
            slot = 0
            starts += 1
        }
        layout = records.layout
        let end = starts > 2 ? records.slotCount : min(slot + piece, records.slotCount)
        while slot < end {
            if let record = records.record(inSlot: slot), let answer = pick(record) { picked.append(answer) }
            slot += 1
        }
        return slot >= records.slotCount
    }
}

extension Engine {
    /// What `pick` answers for every record, walked in pieces of a few hundred records with the
    /// table's lock taken for each piece, so starts and status reads go on between them.
    func walkRecords<Answer>(_ pick: (InstanceRecord) -> Answer?) -> [Answer] {
        var walk = RecordWalk<Answer>()
        while !table.withLock({ walk.step($0.records, pick) }) { Self.letWaitersIn() }
        return walk.picked
    }

    /// A pause between pieces. The table's lock is not fair: released and taken again at once, it
    /// went back to the walk before a woken waiter could get it, and a status read waited 40 ms
    /// behind a walk over 100,000 records (B4s) as if the walk held it throughout. A sleep of a
    /// few microseconds (tens, with the kernel's timer slack) lets the waiters in.
    private static func letWaitersIn() {
        var pause = timespec(tv_sec: 0, tv_nsec: 5_000)
        nanosleep(&pause, nil)
    }
}
