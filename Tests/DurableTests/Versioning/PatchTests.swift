import Durable
import Foundation
import Testing

@Suite struct PatchTests {
    private typealias Fixtures = VersioningFixtures

    private func markers(_ history: [HistoryEvent]) -> [String] {
        history.compactMap { if case .patchMarker(let id) = $0.kind { id } else { nil } }
    }

    /// The fixture was recorded by ShipParcelV1 and waits on its timer; the patched code resumes it:
    /// the patch it went past before the change replays the old branch, the one it reaches now is new.
    @Test func anInstanceRecordedWithOldCodeResumesWithThePatchedCode() async throws {
        let clock = ManualClock(now: Fixtures.recordedAt)
        let runtime = try await Fixtures.runtime(clock) {
            ShipParcelPatched.self
            Pack(); Insure(); Track(); Send()
        }
        defer { runtime.shutdown() }

        let (status, fired) = try await runtime.drive(Fixtures.oldInstanceId, on: clock)

        #expect(status.runtimeStatus == .completed)
        #expect(try status.output(as: String.self) == "packed,tracked,sent")
        #expect(fired == 1)
        let history = try await runtime.client.history(of: Fixtures.oldInstanceId)
        #expect(markers(history) == ["track-after-wait"])
        #expect(history.count(of: "PatchMarker") == 1)
    }

    @Test func aNewInstanceTakesEveryNewBranchAndRecordsItsMarkers() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            ShipParcelPatched.self
            Pack(); Insure(); Track(); Send()
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ShipParcelPatched.self, input: "p-2")

        let (status, _) = try await runtime.drive(id, on: clock)

        #expect(try status.output(as: String.self) == "packed,insured,tracked,sent")
        let history = try await runtime.client.history(of: id)
        #expect(markers(history) == ["insure-before-wait", "track-after-wait"])
        // A marker takes no sequence number: the commands are numbered as without patches.
        let sequences = history.compactMap { event -> Int? in
            if case .taskScheduled(let sequence, _, _, _) = event.kind { sequence } else { nil }
        }
        #expect(sequences == [0, 1, 3, 4])
        #expect(history.map(\.description).contains("PatchMarker insure-before-wait"))
    }

    /// Markers are in the file journal (kind 23): a restart replays a patched instance on its new branch.
    @Test func markersSurviveARestartOnTheFileJournal() async throws {
        let directory = TemporaryDirectory()
        let clock = ManualClock()
        let id: String
        do {
            let runtime = try await DurableRuntime.manual(clock, storage: .directory(directory.path)) {
                ShipParcelPatched.self
                Pack(); Insure(); Track(); Send()
            }
            id = try await runtime.client.start(ShipParcelPatched.self, input: "p-3")
            await clock.waitForSleepers()
            runtime.shutdown()
        }
        let runtime = try await DurableRuntime.manual(clock, storage: .directory(directory.path)) {
            ShipParcelPatched.self
            Pack(); Insure(); Track(); Send()
        }
        defer { runtime.shutdown() }

        let (status, _) = try await runtime.drive(id, on: clock)

        #expect(try status.output(as: String.self) == "packed,insured,tracked,sent")
        #expect(markers(try await runtime.client.history(of: id)) == ["insure-before-wait", "track-after-wait"])
    }

    /// Replaying a finished patched history adds nothing; replaying the old one takes the old branch.
    @Test func replayReportsTheOldBranchesAHistoryTook() async throws {
        let clock = ManualClock(now: Fixtures.recordedAt)
        let runtime = try await DurableRuntime.manual(clock) {
            ShipParcelPatched.self
            Pack(); Insure(); Track(); Send()
        }
        defer { runtime.shutdown() }

        let replay = try await runtime.replay(try Fixtures.history(Fixtures.shipParcelV1Waiting))

        #expect(replay.outcome == .waiting)
        #expect(replay.oldBranchPatches == ["insure-before-wait"])
        #expect(replay.newEvents.isEmpty)
    }

    /// Retiring the insurance patch is checked against histories: the old instance took its old
    /// branch and is reported; a new one recorded its marker and is not.
    @Test func retiringAPatchIsCheckedAgainstTheHistoriesThatStillNeedIt() async throws {
        let clock = ManualClock(now: Fixtures.recordedAt)
        let runtime = try await Fixtures.runtime(clock) {
            ShipParcelPatched.self
            Pack(); Insure(); Track(); Send()
        }
        defer { runtime.shutdown() }
        await clock.waitForSleepers()  // the recovered instance waits on its timer
        let fresh = try await runtime.client.start(ShipParcelPatched.self, input: "p-4", instanceId: "parcel-new")
        await clock.waitForSleepers(2)

        #expect(try await runtime.instancesNeedingOldBranch(of: "insure-before-wait") == [Fixtures.oldInstanceId])
        // Nobody went past the tracking patch without it: the old instance reaches it only after its timer.
        #expect(try await runtime.instancesNeedingOldBranch(of: "track-after-wait") == [])

        let (_, _) = try await runtime.drive(Fixtures.oldInstanceId, on: clock)
        _ = try await runtime.client.waitForCompletion(of: fresh, timeout: .seconds(10))
        // Finished instances hold nothing back.
        #expect(try await runtime.instancesNeedingOldBranch(of: "insure-before-wait") == [])
    }

    /// Code with the patch retired meets a history that took the old branch: a nondeterminism
    /// error naming the patch, never the new branch run silently against it.
    @Test func retiredPatchCodeRefusesAHistoryThatTookTheOldBranch() async throws {
        let clock = ManualClock(now: Fixtures.recordedAt)
        let runtime = try await DurableRuntime.manual(clock) {
            ShipParcelRetired.self
            Pack(); Insure(); Track(); Send()
        }
        defer { runtime.shutdown() }

        let replay = try await runtime.replay(try Fixtures.history(Fixtures.shipParcelV1Waiting))

        guard case .failed(let failure) = replay.outcome else {
            Issue.record("expected a failure, got \(replay.outcome)")
            return
        }
        #expect(failure.errorType == String(reflecting: NondeterminismError.self))
        #expect(failure.message.contains("insure-before-wait"))
        #expect(!replay.commands.contains { if case .taskScheduled(_, "Insure", _, _) = $0 { true } else { false } })
    }

    /// Retired code still runs new instances, and still records the marker.
    @Test func retiredPatchCodeRunsNewInstancesOnTheNewBranch() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.manual(clock) {
            ShipParcelRetired.self
            Pack(); Insure(); Track(); Send()
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ShipParcelRetired.self, input: "p-5")

        let (status, _) = try await runtime.drive(id, on: clock)

        #expect(try status.output(as: String.self) == "packed,insured,tracked,sent")
        #expect(markers(try await runtime.client.history(of: id)) == ["insure-before-wait", "track-after-wait"])
    }
}
