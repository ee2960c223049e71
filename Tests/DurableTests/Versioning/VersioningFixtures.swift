import Durable
import Foundation
import Testing

/// The parcel activities: each returns what it did, so an output lists the steps taken.
struct Pack: Activity {
    func run(_ parcel: String, context: ActivityContext) async throws -> String { "packed" }
}

struct Insure: Activity {
    func run(_ parcel: String, context: ActivityContext) async throws -> String { "insured" }
}

struct Track: Activity {
    func run(_ parcel: String, context: ActivityContext) async throws -> String { "tracked" }
}

struct Send: Activity {
    func run(_ parcel: String, context: ActivityContext) async throws -> String { "sent" }
}

/// ShipParcel as first released: pack, wait an hour, send. The fixture was recorded with it.
struct ShipParcelV1: Orchestration {
    static var name: String { "ShipParcel" }

    func run(_ parcel: String, context: OrchestrationContext) async throws -> String {
        let packed = try await context.call(Pack.self, parcel)
        try await context.sleep(for: .seconds(3600))
        let sent = try await context.call(Send.self, parcel)
        return [packed, sent].joined(separator: ",")
    }
}

/// ShipParcel with two patches: insurance before the wait, tracking after it.
struct ShipParcelPatched: Orchestration {
    static var name: String { "ShipParcel" }

    func run(_ parcel: String, context: OrchestrationContext) async throws -> String {
        var steps = [try await context.call(Pack.self, parcel)]
        if context.patched("insure-before-wait") { steps.append(try await context.call(Insure.self, parcel)) }
        try await context.sleep(for: .seconds(3600))
        if context.patched("track-after-wait") { steps.append(try await context.call(Track.self, parcel)) }
        steps.append(try await context.call(Send.self, parcel))
        return steps.joined(separator: ",")
    }
}

/// ShipParcel once the insurance patch is retired: only its new branch is left.
struct ShipParcelRetired: Orchestration {
    static var name: String { "ShipParcel" }

    func run(_ parcel: String, context: OrchestrationContext) async throws -> String {
        var steps = [try await context.call(Pack.self, parcel)]
        context.deprecatePatch("insure-before-wait")
        steps.append(try await context.call(Insure.self, parcel))
        try await context.sleep(for: .seconds(3600))
        if context.patched("track-after-wait") { steps.append(try await context.call(Track.self, parcel)) }
        steps.append(try await context.call(Send.self, parcel))
        return steps.joined(separator: ",")
    }
}

enum VersioningFixtures {
    /// Where the fixtures live in the source tree (they are excluded from the test bundle).
    static func path(_ name: String, file: String = #filePath) -> String {
        URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/Versioning/\(name)").path
    }

    /// The instance id and start time of the recorded ShipParcel V1 instance.
    static let oldInstanceId = "parcel-old"
    static let recordedAt = Date(timeIntervalSince1970: 1_800_000_000)
    static let shipParcelV1Waiting = "ship-parcel-v1-waiting-on-timer.json"

    static func history(_ name: String) throws -> [HistoryEvent] {
        try JSONDecoder().decode([HistoryEvent].self, from: Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// Records ShipParcelV1 up to its timer and writes that history as a fixture.
    static func recordShipParcelV1() async throws {
        let clock = ManualClock(now: recordedAt)
        let runtime = try await DurableRuntime.manual(clock) {
            ShipParcelV1.self
            Pack()
            Send()
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ShipParcelV1.self, input: "p-1", instanceId: oldInstanceId)
        await clock.waitForSleepers()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(try await runtime.client.history(of: id))
            .write(to: URL(fileURLWithPath: path(shipParcelV1Waiting)))
    }

    /// A runtime that recovers the fixture instance (and any `more` histories) with the given code.
    static func runtime(
        _ clock: ManualClock, histories more: [String: [HistoryEvent]] = [:],
        @RegistrationBuilder _ registrations: () -> [Registration]
    ) async throws -> DurableRuntime {
        var histories = more
        histories[oldInstanceId] = try history(shipParcelV1Waiting)
        return try await DurableRuntime.manual(clock, storage: .store(InMemoryHistoryStore(histories: histories)), registrations)
    }
}

@Suite struct VersioningFixtureRecorder {
    /// Rewrites the fixtures with the old code: `DURABLE_RECORD_FIXTURES=1`, then commit the files.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DURABLE_RECORD_FIXTURES"] != nil))
    func recordFixtures() async throws {
        try await VersioningFixtures.recordShipParcelV1()
    }
}
