import Durable
import Foundation
import Testing

/// Kills the crash harness's --lifecycle workload (Sources/DurableCrashHarness/Lifecycle.swift) with
/// SIGKILL at seeded random moments: continue-as-new with and without carried events, sendEvent
/// across continue-as-new, purge and terminate-tree. Generation g adds wave g, so kills keep
/// landing on fresh work. Then it checks: no acknowledgement lost, no effect doubled, every
/// instance finished.
@Suite struct LifecycleCrashTests {
    @Test(.timeLimit(.minutes(5)))
    func killingTheLifecycleWorkloadLosesNoAcknowledgementAndDoublesNoEffect() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: CrashCampaign.harness.path), "build the DurableCrashHarness target")
        let campaigns = (0..<4).map {
            CrashCampaign(seed: 0x11FE_C7C1 &+ UInt64($0), kills: 200, flags: ["--lifecycle"], delays: 5...150)
        }
        let outcomes = try await CrashCampaign.runAll(campaigns)
        for (campaign, outcome) in zip(campaigns, outcomes) {
            try check(campaign, outcome)
        }
        let killed = outcomes.map(\.killed).reduce(0, +)
        let interrupted = outcomes.map(\.interrupted).reduce(0, +)
        print("lifecycle crash test: \(killed) kills, \(interrupted) before the work was done")
    }

    private func check(_ campaign: CrashCampaign, _ outcome: CrashCampaign.Outcome) throws {
        let seed = "seed \(String(campaign.seed, radix: 16))"
        #expect(outcome.survivors.isEmpty, "\(seed): runs not killed: \(outcome.survivors.prefix(3))")
        #expect(outcome.finalOutput.contains("ALL DONE"), "\(seed): the final run did not finish: \(outcome.finalOutput)")
        // Every run has a fresh wave to do: most kills land before it is done.
        #expect(outcome.interrupted * 2 >= campaign.kills, "\(seed): only \(outcome.interrupted) kills landed mid-work")

        let histories = try campaign.histories()
        let waves = 0...campaign.kills  // the final run's generation number is `kills`: it has them all
        let generations = 0...campaign.kills
        let acks = generations.map { campaign.lines("lifecycle-acks-\($0).log") }
        // What each run found in the journal before it ran anything; nil for a run killed before it logged.
        let present = generations.map { generation -> Set<String>? in
            let lines = campaign.lines("present-before-\(generation).log")
            return lines.last == "#end" ? Set(lines) : nil
        }

        // Every instance finished once, as its workload says; purged ones are gone.
        var expected: [String: String] = [:]
        var trees: [String] = []
        for wave in waves {
            let keeping = "can-keep-\(wave)"
            expected[keeping] = "rounds=0,1,2,3 events=" + (0..<8).map { "\(keeping)/e\($0)" }.sorted().joined(separator: ",")
            let sending = "can-send-\(wave)"
            expected[sending] = "rounds=0,1,2 events=" + (0..<3).map { "\(sending)/go\($0)" }.joined(separator: ",")
            trees += ["tree-\(wave)", "tree-\(wave)/c0", "tree-\(wave)/c0/g", "tree-\(wave)/c1", "tree-\(wave)/c1/g"]
        }
        let inboxes = waves.map { "inbox-\($0)" }
        #expect(Set(histories.keys) == Set(expected.keys).union(trees).union(inboxes), "\(seed): instances in the journal")
        for (id, value) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(recordedOutputs(histories[id]) == [value], "\(seed): \(id)")
        }
        // Each round's send arrived once, across the sender's continue-as-new and any kill (a send
        // still waiting for durability is delivered before the continue-as-new replaces the history
        // that records it). The harness reports an inbox that never got one as "LOST".
        #expect(!outcome.finalOutput.contains("LOST"), "\(seed): \(outcome.finalOutput)")
        for wave in waves {
            let expectedSends = (0..<3).map { "can-send-\(wave)/r\($0)" }.joined(separator: ",")
            #expect(recordedOutputs(histories["inbox-\(wave)"]) == [expectedSends], "\(seed): inbox-\(wave)")
        }

        // Every member of every tree ended terminated, and nothing was recorded for it after that.
        for id in trees {
            let kinds = (histories[id] ?? []).map(\.kind)
            let ends = kinds.filter { kind in
                switch kind {
                case .executionTerminated, .executionCompleted, .executionFailed: true
                default: false
                }
            }
            #expect(ends.count == 1 && ends.first == kinds.last, "\(seed): \(id) ended \(ends), last \(String(describing: kinds.last))")
            if case .executionTerminated = kinds.last {} else { Issue.record("\(seed): \(id) was not terminated") }
        }

        // An acknowledged event is never raised again: the harness raises only events it finds neither
        // held nor consumed, so a second acknowledgement means the first was lost.
        let eventAcks = acks.joined().filter { $0.hasPrefix("event ") }
        let repeated = Dictionary(grouping: eventAcks, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        #expect(repeated.isEmpty, "\(seed): events acknowledged twice (the first was lost): \(repeated.prefix(5))")

        for wave in waves {
            let id = "purge-\(wave)"
            #expect(histories[id] == nil, "\(seed): \(id) came back")
            // Acknowledged purges hold: no later run finds the instance.
            for (generation, lines) in acks.enumerated() where lines.contains("purged \(id)") {
                let back = generations.filter { $0 > generation && present[$0]?.contains(id) == true }
                #expect(back.isEmpty, "\(seed): \(id), purged in generation \(generation), is back in \(back)")
            }
            // Gone once, gone for good (a purge cut short by a kill is repeated, never undone).
            let presence = present.compactMap { $0?.contains(id) }
            let firstSeen = presence.firstIndex(of: true) ?? presence.count
            let goneAgain = presence[firstSeen...].firstIndex(of: false) ?? presence.count
            #expect(!presence[goneAgain...].contains(true), "\(seed): \(id) was purged and came back: \(presence)")

            // An acknowledged terminate holds: no member of the tree runs a step in a later run.
            let tree = "tree-\(wave)"
            if let generation = acks.firstIndex(where: { $0.contains("terminated \(tree)") }) {
                let later = generations.filter { $0 > generation }.flatMap { campaign.lines("invocations-\($0).log") }
                    .filter { $0.hasPrefix("\(tree)/") }
                #expect(later.isEmpty, "\(seed): \(tree), terminated in generation \(generation), ran \(later)")
            } else {
                Issue.record("\(seed): no run acknowledged terminating \(tree)")
            }
        }

        // No activity ran again once its completion was in the journal, and no continue-as-new round
        // ran again once a later round's execution was.
        let reruns = campaign.reruns()
        #expect(reruns.isEmpty, "\(seed): re-run after completion: \(reruns.prefix(10))")
    }
}
