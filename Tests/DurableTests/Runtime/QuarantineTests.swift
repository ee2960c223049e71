import Foundation
import Testing

@testable import Durable

/// The recovery marker and the plan it leads to, and a quarantined instance as clients see it.
/// The crashes themselves are real in `PoisonInstanceTests`; here a marker written as a crash
/// would leave it stands in for them.
@Suite(.timeLimit(.minutes(1))) struct QuarantineTests {
    private let sample = RecoveryMarker.sample

    @Test func aMarkerRoundTripsAndAnyDamageReadsAsNoMarker() {
        let bytes = sample.encoded
        #expect(RecoveryMarker(decoding: bytes) == sample)
        #expect(RecoveryMarker(decoding: RecoveryMarker().encoded) == RecoveryMarker())
        for length in 0..<bytes.count {
            #expect(RecoveryMarker(decoding: Array(bytes.prefix(length))) == nil, "torn at \(length)")
        }
        for offset in bytes.indices {
            var damaged = bytes
            damaged[offset] ^= 0x5A
            #expect(RecoveryMarker(decoding: damaged) == nil, "flipped at \(offset)")
        }
        #expect(RecoveryMarker(decoding: bytes + [0]) == nil)
        #expect(RecoveryMarker(decoding: Array("garbage that is no marker at all".utf8)) == nil)
    }

    @Test func thePlanIsolatesTheSuspectsOfACrashAndQuarantinesAtTheSecondStrike() {
        let runnable = ["a": "ea", "b": "eb", "c": "ec", "new": "en"]
        // A clean start: everyone together.
        let clean = RecoveryPlan(previous: nil, runnable: runnable, crashed: false)
        #expect(clean.isolated.isEmpty && clean.together == ["a", "b", "c", "new"] && clean.marker == RecoveryMarker())
        // Died while a, b, c and a finished one recovered together: those still unfinished recover
        // alone, the one started since (new) together after them.
        var crashedTogether = RecoveryMarker()
        crashedTogether.inFlight = ["c", "a", "b", "finished"]
        let first = RecoveryPlan(previous: crashedTogether, runnable: runnable, crashed: true)
        #expect(first.isolated == ["a", "b", "c"] && first.together == ["new"])
        // Died while b recovered alone: b's first strike, b goes first.
        var crashedAlone = RecoveryMarker()
        crashedAlone.inFlight = ["b"]
        crashedAlone.isIsolating = true
        crashedAlone.suspects = ["a", "b", "c"]
        let second = RecoveryPlan(previous: crashedAlone, runnable: runnable, crashed: true)
        #expect(second.isolated == ["b", "a", "c"] && second.together == ["new"])
        #expect(second.marker.strikes == ["b": 1] && second.marker.quarantined.isEmpty)
        // Died while b recovered alone again: quarantined; the rest recover together.
        var again = second.marker
        again.inFlight = ["b"]
        again.isIsolating = true
        again.suspects = second.isolated
        let third = RecoveryPlan(previous: again, runnable: runnable, crashed: true)
        #expect(third.isolated.isEmpty && third.together == ["a", "c", "new"])
        #expect(third.marker.quarantined.map(\.instanceId) == ["b"] && third.marker.quarantined.first?.executionId == "eb")
        #expect(third.marker.strikes.isEmpty && third.marker.inFlight.isEmpty)
        // Killed from outside (no crash note): no strike and no isolation of a together phase;
        // an isolation goes on with the same suspects.
        let killedTogether = RecoveryPlan(previous: crashedTogether, runnable: runnable, crashed: false)
        #expect(killedTogether.isolated.isEmpty && killedTogether.together == ["a", "b", "c", "new"])
        let killedAlone = RecoveryPlan(previous: again, runnable: runnable, crashed: false)
        #expect(killedAlone.isolated == ["b", "a", "c"] && killedAlone.marker.strikes == ["b": 1])
        #expect(killedAlone.marker.quarantined.isEmpty)
        // The quarantine holds while that execution is unfinished, and only for it.
        #expect(RecoveryPlan(previous: third.marker, runnable: runnable, crashed: false).marker.quarantined.count == 1)
        #expect(RecoveryPlan(previous: third.marker, runnable: ["b": "another"], crashed: false).marker.quarantined.isEmpty)
        #expect(RecoveryPlan(previous: third.marker, runnable: ["a": "ea"], crashed: false).marker.quarantined.isEmpty)
    }

    private func runtime(_ directory: TemporaryDirectory) async throws -> DurableRuntime {
        try await DurableRuntime(storage: .directory(directory.path)) {
            ParkedUntilGo.self
            ParentOfParked.self
        }
    }

    /// Leaves the marker a second crash with `id` recovering alone would leave.
    private func crashTwice(on id: String, in directory: TemporaryDirectory) throws {
        let journal = try FileJournal(directory: directory.path)
        var marker = try journal.recoveryMarker().flatMap(RecoveryMarker.init(decoding:)) ?? RecoveryMarker()
        marker.inFlight = [id]
        marker.isIsolating = true
        marker.suspects = [id]
        marker.strikes = [id: 1]
        try journal.replaceRecoveryMarker(marker.encoded)
        journal.close()
        // The note a crash of the process's own leaves (a SIGKILL leaves none).
        try Data("C".utf8).write(to: URL(fileURLWithPath: "\(directory.path)/RECOVERY.crash"))
    }

    @Test func aQuarantinedInstanceIsListedRefusedTerminableAndResumable() async throws {
        let directory = TemporaryDirectory()
        let first = try await runtime(directory)
        for id in ["poison", "other", "doomed"] { try await first.client.start(ParkedUntilGo.self, input: 1, instanceId: id) }
        first.shutdown()
        try crashTwice(on: "poison", in: directory)

        let second = try await runtime(directory)
        let status = try await second.client.status(of: "poison")
        #expect(status.runtimeStatus == .quarantined)
        #expect(status.failure?.message.contains("its code was the only code replaying") == true)
        #expect(await second.client.list(InstanceQuery(statuses: [.quarantined])).instances.map(\.instanceId) == ["poison"])
        let quarantined = try #require(second.engine.recovery.quarantine(of: "poison"))
        let refusal = DurableError.instanceQuarantined(instanceId: "poison", reason: quarantined.reason)
        await #expect(throws: refusal) { try await second.client.raiseEvent("poison", name: "go", payload: 1) }
        await #expect(throws: refusal) { try await second.client.suspend("poison") }
        await #expect(throws: refusal) { try await second.client.result(of: "poison", as: ParkedUntilGo.self) }
        await #expect(throws: DurableError.self) { try await second.client.purge("other") }  // running: not purgeable
        // Every other instance recovered.
        try await second.client.raiseEvent("other", name: "go", payload: 5)
        #expect(try await second.client.result(of: "other", as: ParkedUntilGo.self) == 11)
        second.shutdown()

        // Still quarantined at the next start, with no crash since; purge works on it.
        try crashTwice(on: "doomed", in: directory)
        let third = try await runtime(directory)
        #expect(try await third.client.status(of: "poison").runtimeStatus == .quarantined)
        #expect(try await third.client.status(of: "doomed").runtimeStatus == .quarantined)
        try await third.client.purge("doomed")
        await #expect(throws: DurableError.unknownInstance("doomed")) { try await third.client.status(of: "doomed") }
        // Resume lifts the quarantine and runs the code, which finishes.
        try await third.client.resume("poison")
        #expect(try await third.client.status(of: "poison").runtimeStatus == .running)
        try await third.client.raiseEvent("poison", name: "go", payload: 2)
        #expect(try await third.client.result(of: "poison", as: ParkedUntilGo.self) == 5)
        #expect(third.engine.recovery.quarantine(of: "poison") == nil)
        third.shutdown()
    }

    @Test func terminatingAQuarantinedChildTellsItsParent() async throws {
        let directory = TemporaryDirectory()
        let first = try await runtime(directory)
        try await first.client.start(ParentOfParked.self, input: 1, instanceId: "parent")
        let child = try await waitForChild(of: "parent", in: first)
        first.shutdown()
        try crashTwice(on: child, in: directory)

        let second = try await runtime(directory)
        #expect(try await second.client.status(of: child).runtimeStatus == .quarantined)
        try await second.client.terminate(child, reason: "poisoned")
        let result = try await second.client.result(of: "parent", as: ParentOfParked.self)
        #expect(result.hasPrefix("child failed:") && result.contains("poisoned"), "\(result)")
        second.shutdown()
    }

    @Test func aCleanRecoveryLeavesAMarkerWithNothingInFlight() async throws {
        let directory = TemporaryDirectory()
        let first = try await runtime(directory)
        for index in 0..<3 { try await first.client.start(ParkedUntilGo.self, input: index, instanceId: "p\(index)") }
        first.shutdown()
        let second = try await runtime(directory)
        for index in 0..<3 {
            try await second.client.raiseEvent("p\(index)", name: "go", payload: 1)
            #expect(try await second.client.result(of: "p\(index)", as: ParkedUntilGo.self) == index + 2)
        }
        // Every replay is over (each instance finished); the marker saying so follows its last drain.
        var marker = second.engine.recovery.readMarker()
        for _ in 0..<1_000 where marker?.inFlight.isEmpty != true {
            try await Task.sleep(for: .milliseconds(2))
            marker = second.engine.recovery.readMarker()
        }
        #expect(marker == RecoveryMarker())
        second.shutdown()
    }

    private func waitForChild(of parent: String, in runtime: DurableRuntime) async throws -> String {
        for _ in 0..<5_000 {
            let children = await runtime.client.list().instances.filter { $0.parent?.instanceId == parent }
            if let child = children.first, child.runtimeStatus == .running { return child.instanceId }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw DurableError.unknownInstance("child of \(parent)")
    }
}

extension RecoveryMarker {
    static var sample: RecoveryMarker {
        var marker = RecoveryMarker()
        marker.inFlight = ["b"]
        marker.isIsolating = true
        marker.suspects = ["a", "b", "c"]
        marker.strikes = ["b": 1, "a": 1]
        marker.quarantined = [.init(instanceId: "q", executionId: "e1", reason: "why")]
        return marker
    }
}
