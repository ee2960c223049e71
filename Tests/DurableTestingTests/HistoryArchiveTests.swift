@testable import DurableTesting
import Foundation
import Testing

private struct Greet: Activity {
    static let name = "Greet"
    func run(_ who: String, context: ActivityContext) async throws -> String { "hello \(who)" }
}

private struct Greeting: Orchestration {
    static let name = "Greeting"
    func run(_ who: String, context: OrchestrationContext) async throws -> String {
        try await context.call(Greet.self, who)
    }
}

/// A fresh temporary directory, removed at the end.
final class ArchiveTemporaryDirectory: Sendable {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("durable-archive-\(UUID().uuidString)").path
    init() { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct HistoryArchiveTests {
    private let start = Date(timeIntervalSinceReferenceDate: 800_000_000.123_456_7)  // finer than milliseconds

    /// One event of every kind, with every optional field both set and not.
    private func everyKind() throws -> [HistoryEvent] {
        let payload = try Payload(encoding: ["a": 1])
        let binary = Payload(data: Data([0xff, 0x00, 0xfe]))
        let failure = FailureDetails(errorType: "App.Error", message: "nope ✗")
        let kinds: [HistoryEvent.Kind] = [
            .executionStarted(
                name: "Flow", input: payload, parent: ParentInstance(instanceId: "p", sequence: 3, executionId: "0123"),
                scheduledStart: start, executionId: "edcb"),
            .executionStarted(name: "Flow", input: binary, parent: nil, scheduledStart: nil),
            .executionStarted(name: "Flow", input: payload, parent: nil, scheduledStart: nil, executionId: "e2", version: "2"),
            .patchMarker(changeId: "notify-before-ship"),
            .eventWaitStarted(name: "approved"),
            .executionRepaired(action: "rewind", reason: "fixed the gateway", discardedEvents: 2),
            .executionRepaired(action: "reset", reason: nil, discardedEvents: 0),
            .taskScheduled(sequence: 0, name: "A", input: payload, attempt: 2),
            .taskCompleted(sequence: 0, result: try Payload(encoding: "text \"quoted\"")),
            .taskFailed(sequence: 1, failure: failure),
            .subOrchestrationCreated(sequence: 2, name: "Child", instanceId: "c", input: .empty),
            .subOrchestrationCompleted(sequence: 2, result: binary),
            .subOrchestrationFailed(sequence: 4, failure: failure),
            .timerCreated(sequence: 5, fireAt: start.addingTimeInterval(60)),
            .timerFired(sequence: 5, fireAt: Date(timeIntervalSinceReferenceDate: 800_000_060)),
            .eventRaised(name: "go", input: payload),
            .eventRaised(name: "sent", input: payload, sourceEventId: "sender/1f/6"),
            .eventSent(sequence: 6, instanceId: "other", name: "ping", input: payload),
            .eventSent(sequence: 7, instanceId: "other", name: "ping", input: payload, targetExecution: "0123"),
            .eventSent(sequence: 8, instanceId: "gone", name: "ping", input: payload, targetExecution: ""),
            .executionSuspended(reason: "why"),
            .executionResumed(reason: nil),
            .customStatusSet(payload),
            .executionTerminated(reason: "stop"),
            .executionTerminated(reason: nil, includeSubOrchestrations: true),
            .executionCompleted(output: payload),
            .executionFailed(failure),
        ]
        return kinds.enumerated().map { HistoryEvent($1, at: start.addingTimeInterval(Double($0) * 0.001)) }
    }

    @Test func everyKindOfEventRoundTripsExactly() throws {
        let archive = HistoryArchive(instanceId: "order/1", events: try everyKind())
        let decoded = try HistoryArchive(data: try archive.encoded())
        #expect(decoded == archive)
        // Every kind is in the list: a new kind must be added to it (and to the coder).
        #expect(Set(archive.events.map(\.kind.name)).count == 20)
    }

    @Test func theFileReadsAsTheDataItHolds() throws {
        let archive = HistoryArchive(instanceId: "order/1", events: try everyKind())
        let text = String(decoding: try archive.encoded(), as: UTF8.self)
        #expect(text.contains(#""format" : "durable-history""#))
        #expect(text.contains(#""version" : 1"#))
        #expect(text.contains(#""type" : "TaskScheduled""#))
        #expect(text.contains(#""input" : "{\"a\":1}""#))  // JSON payloads are their JSON text
        #expect(text.contains(#""base64" : "/wD+""#))  // other bytes are base64, marked
        let iso = ArchivedDate.encode(start).0
        #expect(iso.hasSuffix("Z") && iso.contains("T"))  // ISO 8601
        #expect(text.contains(#""timestamp" : "\#(iso)""#))
        #expect(text.contains(#""timestampExact""#))  // sub-millisecond times keep their exact value
        #expect(archive.fileName.hasPrefix("order_1-") && archive.fileName.hasSuffix(".json"))
        #expect(archive.fileName != HistoryArchive(instanceId: "order_1", events: []).fileName)  // no two ids share a file
        #expect(HistoryArchive(instanceId: "order_1", events: []).fileName == "order_1.json")
    }

    @Test func aMissingFieldNamesTheFileTheEventAndTheField() throws {
        let json = #"{"format":"durable-history","version":1,"instanceId":"x","events":[{"type":"ExecutionStarted","timestamp":"2026-01-01T00:00:00.000Z","name":"F","input":"{}"},{"type":"TaskCompleted","timestamp":"2026-01-01T00:00:00Z","result":"1"}]}"#
        #expect(throws: HistoryArchiveError.invalidEvent(file: "a.json", index: 1, field: "sequence", reason: "missing (a TaskCompleted event has one)")) {
            try HistoryArchive(data: Data(json.utf8), file: "a.json")
        }
        let badTime = json.replacingOccurrences(of: "2026-01-01T00:00:00Z", with: "yesterday")
        #expect(throws: HistoryArchiveError.invalidEvent(file: "a.json", index: 1, field: "timestamp", reason: "'yesterday' is not an ISO 8601 time")) {
            try HistoryArchive(data: Data(badTime.utf8), file: "a.json")
        }
        let unknown = json.replacingOccurrences(of: "TaskCompleted", with: "TaskExploded")
        #expect(throws: HistoryArchiveError.invalidEvent(file: "a.json", index: 1, field: "type", reason: "'TaskExploded' is not an event type this build knows")) {
            try HistoryArchive(data: Data(unknown.utf8), file: "a.json")
        }
    }

    @Test func anotherFormatOrVersionOrNonJSONIsRefusedByName() throws {
        #expect(throws: HistoryArchiveError.unsupportedFormat(file: "b.json", format: "durable-history", version: 2)) {
            try HistoryArchive(data: Data(#"{"format":"durable-history","version":2,"instanceId":"x","events":[]}"#.utf8), file: "b.json")
        }
        #expect {
            try HistoryArchive(data: Data("not json".utf8), file: "c.json")
        } throws: { error in
            guard case .invalidFile(let file, _)? = error as? HistoryArchiveError else { return false }
            return file == "c.json"
        }
    }

    @Test func historiesSavedFromAClientAndFromAHeldJournalRoundTripThroughAFolder() async throws {
        let journal = ArchiveTemporaryDirectory()
        let folder = ArchiveTemporaryDirectory()
        let runtime = try await DurableRuntime(storage: .directory(journal.path)) {
            Greeting.self
            Greet()
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(Greeting.self, input: "ada", instanceId: "g1")
        _ = try await runtime.client.waitForCompletion(of: id)
        let saved = try await HistoryArchive.save(id, from: runtime.client)
        #expect(saved.events.map(\.kind.name).contains("TaskCompleted"))
        // The runtime still holds the journal.
        let fromJournal = try HistoryArchive.all(inJournal: journal.path)
        #expect(fromJournal == [saved])
        let paths = try HistoryArchive.write(fromJournal, toFolder: folder.path)
        #expect(paths == [folder.path + "/g1.json"])
        let read = try HistoryArchive.read(folder: folder.path)
        #expect(read.map(\.archive) == [saved])
        #expect(read.map(\.file) == paths)
    }
}
