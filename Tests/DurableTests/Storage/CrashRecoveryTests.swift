import Durable
import Foundation
import Testing

/// Kills the crash harness (Sources/DurableCrashHarness) with SIGKILL at seeded random moments,
/// restarts it each time, then lets it finish and checks the journal it left. Several campaigns
/// (each its own journal and seed) run at once; LifecycleCrashTests has the lifecycle workloads.
@Suite struct CrashRecoveryTests {
    @Test(.timeLimit(.minutes(5)))
    func killingTheProcessAtRandomMomentsLosesNothing() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: CrashCampaign.harness.path), "build the DurableCrashHarness target")
        let campaigns = (0..<3).map { CrashCampaign(seed: 0x0D0_7AB1E &+ UInt64($0), kills: 50) }
        let outcomes = try await CrashCampaign.runAll(campaigns)
        for (campaign, outcome) in zip(campaigns, outcomes) {
            try check(campaign, outcome)
        }
        let killed = outcomes.map(\.killed).reduce(0, +)
        let interrupted = outcomes.map(\.interrupted).reduce(0, +)
        print("crash test: \(killed) kills, \(interrupted) before the work was done")
    }

    private func check(_ campaign: CrashCampaign, _ outcome: CrashCampaign.Outcome) throws {
        let seed = "seed \(String(campaign.seed, radix: 16))"
        #expect(outcome.survivors.isEmpty, "\(seed): runs not killed: \(outcome.survivors.prefix(3))")
        #expect(outcome.finalOutput.contains("ALL DONE"), "\(seed): the final run did not finish: \(outcome.finalOutput)")
        // About 0.7 s of work: the first 10–15 kills of a campaign land in it.
        #expect(outcome.interrupted >= 8, "\(seed): only \(outcome.interrupted) kills landed before the work was done")

        let histories = try campaign.histories()
        func keys(_ prefix: String, _ range: Range<Int>) -> String { range.map { "\(prefix)/\($0)" }.joined(separator: ",") }

        var expected: [String: String] = [:]
        for index in 0..<40 { expected["chain-\(index)"] = keys("chain-\(index)", 0..<5) }
        for index in 0..<10 { expected["fan-\(index)"] = "50" }
        for index in 0..<20 {
            expected["parent-\(index)"] = "parent:" + keys("parent-\(index)/child", 0..<3)
            expected["parent-\(index):0"] = keys("parent-\(index)/child", 0..<3)
        }
        for index in 0..<15 { expected["retry-\(index)"] = "retry-\(index)@3" }
        for index in 0..<15 { expected["timer-\(index)"] = "timer-\(index)/after" }
        for index in 0..<10 { expected["events-\(index)"] = keys("events-\(index)", 0..<3) }
        // Every sent event arrived exactly once: no repeat after a kill between send and delivery, no loss.
        for index in 0..<4 { expected["send-\(index)"] = "sent" }
        expected["inbox-0"] = (0..<4).flatMap { sender in (0..<3).map { "send-\(sender)/m\($0)" } }.sorted()
            .joined(separator: ",")

        // Every orchestration completed exactly once, with the right output.
        #expect(Set(histories.keys) == Set(expected.keys), "\(seed)")
        for (id, value) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(recordedOutputs(histories[id]) == [value], "\(seed): \(id)")
        }

        // Every acknowledged event was recorded once and consumed once.
        for event in campaign.lines("acknowledged.log") {
            let id = String(event.split(separator: "/")[0])
            let payload = try Payload(encoding: event)
            let raised = (histories[id] ?? []).filter { $0.kind == .eventRaised(name: "e", input: payload) }
            #expect(raised.count == 1, "\(seed): \(event)")
            #expect(recordedOutputs(histories[id]).first?.split(separator: ",").filter { $0 == event }.count == 1, "\(seed): \(event)")
        }

        // No activity ran again once its completion was in the journal.
        let reruns = campaign.reruns()
        #expect(reruns.isEmpty, "\(seed): re-run after completion: \(reruns.prefix(10))")
    }

    /// Strict durability: once an effect of an activity's result has left the instance (here the
    /// custom status set right after it, which an observer in the harness logs as it sees it),
    /// the activity never runs again, whatever the kill interrupts.
    @Test(.timeLimit(.minutes(5)))
    func killingAStrictProcessNeverRunsAnActivityAgainOnceAnEffectOfItsResultWasSeen() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: CrashCampaign.harness.path), "build the DurableCrashHarness target")
        let campaigns = (0..<2).map { CrashCampaign(seed: 0x57_71C7 &+ UInt64($0), kills: 40, flags: ["--strict"]) }
        let outcomes = try await CrashCampaign.runAll(campaigns)
        var seenTotal = 0
        for (campaign, outcome) in zip(campaigns, outcomes) {
            seenTotal += try checkStrict(campaign, outcome)
        }
        let killed = outcomes.map(\.killed).reduce(0, +)
        let interrupted = outcomes.map(\.interrupted).reduce(0, +)
        print("strict crash test: \(killed) kills, \(interrupted) before the work was done, \(seenTotal) results seen in effect")
    }

    /// Checks one strict campaign; returns how many results the observer saw in effect.
    private func checkStrict(_ campaign: CrashCampaign, _ outcome: CrashCampaign.Outcome) throws -> Int {
        let seed = "seed \(String(campaign.seed, radix: 16))"
        #expect(outcome.survivors.isEmpty, "\(seed): runs not killed: \(outcome.survivors.prefix(3))")
        #expect(outcome.finalOutput.contains("ALL DONE"), "\(seed): the final run did not finish: \(outcome.finalOutput)")
        // About 0.5 s of work: 11–16 of the first 20 kills land in it on this VM, more on a slower one.
        #expect(outcome.interrupted >= 8, "\(seed): only \(outcome.interrupted) kills landed before the work was done")

        let histories = try campaign.histories()
        func keys(_ id: String, _ range: Range<Int>) -> String { range.map { "\(id)/\($0)" }.joined(separator: ",") }
        var expected: [String: String] = [:]
        for index in 0..<16 { expected["strict-sleep-\(index)"] = keys("strict-sleep-\(index)", 0..<10) }
        for index in 0..<4 { expected["strict-fan-\(index)"] = "6" }
        for index in 0..<8 { expected["strict-wait-\(index)"] = keys("strict-wait-\(index)", 0..<3) }
        #expect(Set(histories.keys) == Set(expected.keys), "\(seed)")
        for (id, value) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(recordedOutputs(histories[id]) == [value], "\(seed): \(id)")
        }

        // No activity ran in a later generation once a custom status after its result was seen.
        var seen = Set<String>()
        var reruns: [String] = []
        var seenCount = 0
        for generation in 0...campaign.kills {
            reruns += campaign.lines("invocations-\(generation).log").filter(seen.contains)
            let seenNow = campaign.lines("effects-seen-\(generation).log")
            seenCount += seenNow.count
            seen.formUnion(seenNow)
        }
        #expect(seenCount > 0, "\(seed): the observer saw no custom status")
        #expect(reruns.isEmpty, "\(seed): re-run after an effect of its result was seen: \(reruns.prefix(10))")
        return seen.count
    }
}
