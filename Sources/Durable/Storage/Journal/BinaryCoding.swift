import Foundation

/// Appends journal fields to a byte buffer: varints, strings, payloads, dates.
struct BinaryWriter {
    var bytes: [UInt8]

    init(capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func int(_ value: Int) { varint(UInt64(bitPattern: Int64((value << 1) ^ (value >> 63)))) }

    mutating func uint32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func double(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func date(_ value: Date) { double(value.timeIntervalSinceReferenceDate) }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    mutating func data(_ value: Data) {
        varint(UInt64(value.count))
        // Through its bytes: appending a `Data` as a sequence walks it with an iterator.
        value.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }

    mutating func optional<T>(_ value: T?, _ write: (inout BinaryWriter, T) -> Void) {
        guard let value else { return byte(0) }
        byte(1)
        write(&self, value)
    }
}

/// Reads what ``BinaryWriter`` wrote; every read checks bounds and throws on malformed input.
struct BinaryReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw Malformed(description: "record ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw Malformed(description: "varint too long") }
            result |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func int() throws -> Int {
        let raw = try varint()
        return Int(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
    }

    mutating func uint32() throws -> UInt32 {
        guard bytes.count - offset >= 4 else { throw Malformed(description: "record ends early") }
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func double() throws -> Double {
        guard bytes.count - offset >= 8 else { throw Malformed(description: "record ends early") }
        defer { offset += 8 }
        return Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
    }

    mutating func date() throws -> Date { Date(timeIntervalSinceReferenceDate: try double()) }

    private mutating func slice() throws -> UnsafeRawBufferPointer {
        let count = try varint()
        guard count <= UInt64(bytes.count - offset) else { throw Malformed(description: "length past the record's end") }
        defer { offset += Int(count) }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(count)])
    }

    mutating func string() throws -> String { String(decoding: try slice(), as: UTF8.self) }

    mutating func data() throws -> Data { Data(try slice()) }

    mutating func optional<T>(_ read: (inout BinaryReader) throws -> T) throws -> T? {
        switch try byte() {
        case 0: return nil
        case 1: return try read(&self)
        case let flag: throw Malformed(description: "bad optional flag \(flag)")
        }
    }
}

extension BinaryWriter {
    mutating func event(_ event: HistoryEvent) {
        date(event.timestamp)
        switch event.kind {
        case .executionStarted(let name, let input, let parent, let scheduledStart, let executionId, let version):
            // Kind 18: kind 1 with the execution ids. Kind 1 (written before executions had ids)
            // is still read; see `BinaryReader.event`. Kind 25: kind 18 with a version, written
            // only for a versioned orchestration, so unversioned journals stay as they were.
            byte(version == nil ? 18 : 25); string(name); payload(input)
            optional(parent) { $0.string($1.instanceId); $0.int($1.sequence); $0.string($1.executionId) }
            optional(scheduledStart) { $0.date($1) }
            string(executionId)
            if let version { string(version) }
        case .taskScheduled(let sequence, let name, let input, let attempt):
            byte(2); int(sequence); string(name); payload(input); int(attempt)
        case .taskCompleted(let sequence, let result):
            byte(3); int(sequence); payload(result)
        case .taskFailed(let sequence, let failure):
            byte(4); int(sequence); failureDetails(failure)
        case .subOrchestrationCreated(let sequence, let name, let instanceId, let input):
            byte(5); int(sequence); string(name); string(instanceId); payload(input)
        case .subOrchestrationCompleted(let sequence, let result):
            byte(6); int(sequence); payload(result)
        case .subOrchestrationFailed(let sequence, let failure):
            byte(7); int(sequence); failureDetails(failure)
        case .timerCreated(let sequence, let fireAt):
            byte(8); int(sequence); date(fireAt)
        case .timerFired(let sequence, let fireAt):
            byte(9); int(sequence); date(fireAt)
        case .eventRaised(let name, let input, nil):
            byte(10); string(name); payload(input)
        case .eventRaised(let name, let input, let source?):
            // A kind of its own rather than a trailing field: `replace` records hold several events
            // back to back, so an event's end is not the record's. Histories written before it
            // hold only kind 10, which still decodes.
            byte(19); string(name); payload(input); string(source)
        case .eventSent(let sequence, let instanceId, let name, let input, nil):
            byte(11); int(sequence); string(instanceId); string(name); payload(input)
        case .eventSent(let sequence, let instanceId, let name, let input, let targetExecution?):
            // Kind 21: kind 11 with the target's execution. Kind 11 (written before sends named
            // it) still decodes, with `targetExecution` nil.
            byte(21); int(sequence); string(instanceId); string(name); payload(input); string(targetExecution)
        case .executionSuspended(let reason):
            byte(12); optional(reason) { $0.string($1) }
        case .executionResumed(let reason):
            byte(13); optional(reason) { $0.string($1) }
        case .executionTerminated(let reason, false):
            byte(14); optional(reason) { $0.string($1) }
        case .executionTerminated(let reason, true):
            // Kind 20: kind 14 for a whole tree. Histories written before it hold only kind 14.
            byte(20); optional(reason) { $0.string($1) }
        case .customStatusSet(let status):
            byte(15); payload(status)
        case .executionCompleted(let output):
            byte(16); payload(output)
        case .executionFailed(let failure):
            byte(17); failureDetails(failure)
        case .patchMarker(let changeId):
            byte(23); string(changeId)
        case .eventWaitStarted(let name):
            byte(22); string(name)
        case .executionRepaired(let action, let reason, let discarded):
            byte(26); string(action); optional(reason) { $0.string($1) }; int(discarded)
        }
    }

    private mutating func payload(_ value: Payload) { data(value.data) }

    private mutating func failureDetails(_ value: FailureDetails) {
        string(value.errorType)
        string(value.message)
    }
}

extension BinaryReader {
    mutating func event() throws -> HistoryEvent {
        let timestamp = try date()
        let kind: HistoryEvent.Kind
        switch try byte() {
        case 1:  // written before executions had ids: both ids are empty
            kind = .executionStarted(
                name: try string(), input: try payload(),
                parent: try optional { ParentInstance(instanceId: try $0.string(), sequence: try $0.int()) },
                scheduledStart: try optional { try $0.date() }, executionId: "")
        case let tag where tag == 18 || tag == 25:
            kind = .executionStarted(
                name: try string(), input: try payload(),
                parent: try optional {
                    ParentInstance(instanceId: try $0.string(), sequence: try $0.int(), executionId: try $0.string())
                },
                scheduledStart: try optional { try $0.date() }, executionId: try string(),
                version: tag == 25 ? try string() : nil)
        case 2: kind = .taskScheduled(sequence: try int(), name: try string(), input: try payload(), attempt: try int())
        case 3: kind = .taskCompleted(sequence: try int(), result: try payload())
        case 4: kind = .taskFailed(sequence: try int(), failure: try failureDetails())
        case 5:
            kind = .subOrchestrationCreated(
                sequence: try int(), name: try string(), instanceId: try string(), input: try payload())
        case 6: kind = .subOrchestrationCompleted(sequence: try int(), result: try payload())
        case 7: kind = .subOrchestrationFailed(sequence: try int(), failure: try failureDetails())
        case 8: kind = .timerCreated(sequence: try int(), fireAt: try date())
        case 9: kind = .timerFired(sequence: try int(), fireAt: try date())
        case 10: kind = .eventRaised(name: try string(), input: try payload())
        case 19: kind = .eventRaised(name: try string(), input: try payload(), sourceEventId: try string())
        case 11:
            kind = .eventSent(sequence: try int(), instanceId: try string(), name: try string(), input: try payload())
        case 12: kind = .executionSuspended(reason: try optional { try $0.string() })
        case 13: kind = .executionResumed(reason: try optional { try $0.string() })
        case 21:
            kind = .eventSent(
                sequence: try int(), instanceId: try string(), name: try string(), input: try payload(),
                targetExecution: try string())
        case 14: kind = .executionTerminated(reason: try optional { try $0.string() })
        case 20: kind = .executionTerminated(reason: try optional { try $0.string() }, includeSubOrchestrations: true)
        case 15: kind = .customStatusSet(try payload())
        case 16: kind = .executionCompleted(output: try payload())
        case 17: kind = .executionFailed(try failureDetails())
        case 22: kind = .eventWaitStarted(name: try string())
        case 23: kind = .patchMarker(changeId: try string())
        case 26:
            kind = .executionRepaired(action: try string(), reason: try optional { try $0.string() }, discardedEvents: try int())
        case let tag: throw Malformed(description: "unknown event kind \(tag)")
        }
        return HistoryEvent(kind, at: timestamp)
    }

    private mutating func payload() throws -> Payload { Payload(data: try data()) }

    private mutating func failureDetails() throws -> FailureDetails {
        FailureDetails(errorType: try string(), message: try string())
    }
}
