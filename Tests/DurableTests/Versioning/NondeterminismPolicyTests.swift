import Durable
import Foundation
import Synchronization
import Testing

/// Which activity `FlagDependent` calls second: code that reads something outside history, the
/// other way code diverges from its history.
private let callsInsureSecond = Mutex(false)

/// Packs, waits an hour, then sends or insures as the flag says; serialized with its suite.
struct FlagDependent: Orchestration {
    func run(_ parcel: String, context: OrchestrationContext) async throws -> String {
        let packed = try await context.call(Pack.self, parcel)
        let second = callsInsureSecond.withLock { $0 }
            ? try await context.call(Insure.self, parcel) : try await context.call(Send.self, parcel)
        try await context.sleep(for: .seconds(60))
        return [packed, second].joined(separator: ",")
    }
}

@Suite(.serialized, .timeLimit(.minutes(1))) struct NondeterminismPolicyTests {
    private typealias Fixtures = VersioningFixtures

    @Test func theDefaultPolicyHolds() {
        #expect(DurableRuntime.Configuration().onNondeterminism == .hold)
    }

    /// The fixture, recorded with ShipParcelV1, meets code whose patch was retired too early: it
    /// is held, recording nothing; the build with the patch, started on the same storage,
    /// continues it from where it was.
    @Test func aHeldInstanceContinuesWhenCodeThatReplaysItIsDeployed() async throws {
        let store = InMemoryHistoryStore(histories: [Fixtures.oldInstanceId: try Fixtures.history(Fixtures.shipParcelV1Waiting)])
        let clock = ManualClock(now: Fixtures.recordedAt)
        let wrong = try await DurableRuntime.manual(clock, storage: .store(store)) {
            ShipParcelRetired.self
            Pack(); Insure(); Track(); Send()
        }
        await #expect(throws: DurableError.self) {
            try await wrong.client.waitForCompletion(of: Fixtures.oldInstanceId, timeout: .seconds(10))
        }
        let held = try await wrong.client.status(of: Fixtures.oldInstanceId)
        #expect(held.runtimeStatus == .quarantined)
        #expect(held.failure?.errorType == String(reflecting: NondeterminismError.self))
        #expect(held.failure?.message.contains("insure-before-wait") == true)
        #expect(try await wrong.client.history(of: Fixtures.oldInstanceId) == (try Fixtures.history(Fixtures.shipParcelV1Waiting)))
        wrong.shutdown()

        let fixed = try await DurableRuntime.manual(clock, storage: .store(store)) {
            ShipParcelPatched.self
            Pack(); Insure(); Track(); Send()
        }
        defer { fixed.shutdown() }
        let (status, _) = try await fixed.drive(Fixtures.oldInstanceId, on: clock)

        #expect(status.runtimeStatus == .completed)
        #expect(try status.output(as: String.self) == "packed,tracked,sent")
    }

    /// `resume` runs a held instance's code from its history again, in the same process: here
    /// the code read a flag that changed, and was put back.
    @Test func resumeRunsAHeldInstanceAgain() async throws {
        callsInsureSecond.withLock { $0 = false }
        let store = InMemoryHistoryStore()
        let clock = ManualClock()
        let first = try await DurableRuntime.manual(clock, storage: .store(store)) {
            FlagDependent.self
            Pack(); Insure(); Send()
        }
        let id = try await first.client.start(FlagDependent.self, input: "p", instanceId: "flag-1")
        await clock.waitForSleepers()
        first.shutdown()

        callsInsureSecond.withLock { $0 = true }
        let second = try await DurableRuntime.manual(clock, storage: .store(store)) {
            FlagDependent.self
            Pack(); Insure(); Send()
        }
        defer { second.shutdown() }
        await #expect(throws: DurableError.self) { try await second.client.waitForCompletion(of: id, timeout: .seconds(10)) }
        #expect(try await second.client.status(of: id).runtimeStatus == .quarantined)

        callsInsureSecond.withLock { $0 = false }
        try await second.client.resume(id)
        let (status, _) = try await second.drive(id, on: clock)

        #expect(status.runtimeStatus == .completed)
        #expect(try status.output(as: String.self) == "packed,sent")
        #expect(try await second.client.history(of: id).count(of: "ExecutionFailed") == 0)
    }

    /// Under `.fail` the same divergence is the instance's recorded end.
    @Test func theFailPolicyRecordsTheFailure() async throws {
        let clock = ManualClock(now: Fixtures.recordedAt)
        var configuration = DurableRuntime.Configuration(clock: clock)
        configuration.onNondeterminism = .fail
        let store = InMemoryHistoryStore(histories: [Fixtures.oldInstanceId: try Fixtures.history(Fixtures.shipParcelV1Waiting)])
        let runtime = try await DurableRuntime(storage: .store(store), configuration: configuration) {
            ShipParcelRetired.self
            Pack(); Insure(); Track(); Send()
        }
        defer { runtime.shutdown() }

        let status = try await runtime.client.waitForCompletion(of: Fixtures.oldInstanceId, timeout: .seconds(10))

        #expect(status.runtimeStatus == .failed)
        #expect(status.failure?.errorType == String(reflecting: NondeterminismError.self))
        #expect(try await runtime.client.history(of: Fixtures.oldInstanceId).last?.kind.name == "ExecutionFailed")
    }
}
