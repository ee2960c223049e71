@testable import Durable
import Foundation
import Testing

/// The table's records as walked in pieces: what a list or sweep sees while starts, ends,
/// continue-as-news and purges go on between its pieces.
@Suite struct InstanceRecordsTests {
    private static func record(_ id: String) throws -> InstanceRecord {
        InstanceRecord(
            status: InstanceStatus(
                instanceId: id, name: "Walked", runtimeStatus: .running, input: try Payload(encoding: 0),
                createdAt: Date(timeIntervalSince1970: 0), lastUpdatedAt: Date(timeIntervalSince1970: 0)))
    }

    /// Every record present from the walk's first piece to its last is seen exactly once, whatever
    /// changes between pieces: removals before and after the cursor, replacements under the same
    /// id, additions, and enough removals to close the holes up (which moves every record).
    @Test(arguments: [false, true]) func aRecordPresentThroughoutIsSeenExactlyOnce(closingHoles: Bool) throws {
        var records = InstanceRecords()
        for index in 0..<4_000 { records.updateValue(try Self.record("i-\(index)"), forKey: "i-\(index)") }
        var walk = RecordWalk<String>(piece: 300)
        var steps = 0
        var throughout = Set((0..<4_000).map { "i-\($0)" })
        while true {
            let done = walk.step(records) { $0.status.instanceId }
            steps += 1
            if done { break }
            // Between pieces, as other clients would: a few ends, a continue-as-new, a start.
            for index in stride(from: steps * 7, to: 4_000, by: 997) {
                records.removeValue(forKey: "i-\(index)")
                throughout.remove("i-\(index)")
            }
            let replaced = "i-\((steps * 13) % 4_000)"
            if records[replaced] != nil { records.updateValue(try Self.record(replaced), forKey: replaced) }
            records.updateValue(try Self.record("new-\(steps)"), forKey: "new-\(steps)")
            // Late in the walk, so records not walked yet move below the cursor.
            if closingHoles, steps == 8 {
                let layout = records.layout
                defer { #expect(records.layout != layout, "the holes were closed up") }
                for index in 0..<2_500 where records["i-\(index)"] != nil {
                    records.removeValue(forKey: "i-\(index)")
                    throughout.remove("i-\(index)")
                }
            }
            #expect(steps < 100, "the walk did not end")
            if steps >= 100 { return }
        }
        let seen = walk.picked.filter { $0.hasPrefix("i-") }
        #expect(Set(seen).count == seen.count, "a record was seen twice")
        let missed = throughout.subtracting(seen).sorted()
        #expect(missed.isEmpty, "missed \(missed.count), first \(missed.prefix(5))")
        #expect(steps > 3, "walked in pieces")
    }

    @Test func holesAreClosedUpOnceTheyAreMostOfTheArray() throws {
        var records = InstanceRecords()
        for index in 0..<3_000 { records.updateValue(try Self.record("i-\(index)"), forKey: "i-\(index)") }
        for index in 0..<1_400 { records.removeValue(forKey: "i-\(index)") }
        #expect(records.slotCount == 3_000 && records.layout == 0, "a few holes stay")
        for index in 1_400..<1_600 { records.removeValue(forKey: "i-\(index)") }
        #expect(records.slotCount < 1_500 && records.layout == 1)
        #expect(records.count == 1_400)
        for slot in 0..<records.slotCount {
            guard let record = records.record(inSlot: slot) else { continue }
            #expect(record.slot == slot && records[record.status.instanceId] === record)
        }
    }
}
