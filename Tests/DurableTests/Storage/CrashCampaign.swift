import Durable
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// `SplitMix` (Replay/DeterminismStressWorkloads.swift) seeds the kills, so a failing run can be repeated.

/// One journal and one log directory that the crash harness (Sources/DurableCrashHarness) runs on
/// generation after generation: each run is killed with SIGKILL at a seeded random moment, then a
/// last run is let finish. The tests run several campaigns at once (their own journals) to reach
/// many kill points in little wall time.
final class CrashCampaign: Sendable {
    let journal = TemporaryDirectory()
    let logs = TemporaryDirectory()
    let seed: UInt64
    let kills: Int
    let flags: [String]
    let delays: ClosedRange<Int>

    /// - Parameter delays: The range, in milliseconds after the start, each kill is drawn from.
    init(seed: UInt64, kills: Int, flags: [String] = [], delays: ClosedRange<Int> = 5...110) {
        self.seed = seed
        self.kills = kills
        self.flags = flags
        self.delays = delays
    }

    /// What the kills did.
    struct Outcome: Sendable {
        /// Runs that died by the SIGKILL the test sent (a run that exited by itself is not counted).
        var killed = 0
        /// Kills that landed before the run printed "ALL DONE": in the middle of the work.
        var interrupted = 0
        /// Runs that were not killed, with their output.
        var survivors: [String] = []
        /// The output of the last run, which is let finish (killed only if it hangs for a minute).
        var finalOutput = ""
    }

    static var harness: URL { ChildProcess.harness("DurableCrashHarness") }

    func run() async throws -> Outcome {
        var random = SplitMix(state: seed)
        var outcome = Outcome()
        for generation in 0..<kills {
            let delay = Duration.milliseconds(Int.random(in: delays, using: &random))
            let (output, killed) = try await Self.run(
                [journal.path, logs.path, "\(generation)", "--linger"] + flags, killAfter: delay)
            if killed { outcome.killed += 1 } else { outcome.survivors.append("generation \(generation): \(output)") }
            if !output.contains("ALL DONE") { outcome.interrupted += 1 }
        }
        // A final run that hangs (an instance never resumed) is killed after a minute; its output says so.
        outcome.finalOutput = try await Self.run([journal.path, logs.path, "\(kills)"] + flags, killAfter: .seconds(60)).output
        return outcome
    }

    /// Runs every campaign at once and returns their outcomes in order.
    static func runAll(_ campaigns: [CrashCampaign]) async throws -> [Outcome] {
        try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
            for (index, campaign) in campaigns.enumerated() { group.addTask { (index, try await campaign.run()) } }
            var outcomes = [Outcome](repeating: Outcome(), count: campaigns.count)
            for try await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
    }

    /// The journal the campaign left, read without the runtime.
    func histories() throws -> [String: [HistoryEvent]] {
        try FileJournal(directory: journal.path, options: .init(log: { _ in })).allHistories()
    }

    /// The lines of one of the harness's logs.
    func lines(_ name: String) -> [String] {
        ((try? String(contentsOfFile: "\(logs.path)/\(name)", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Activity calls that ran in a generation although that generation's journal held them as
    /// completed before it started.
    func reruns() -> [String] {
        (0...kills).flatMap { generation in
            let completed = Set(lines("completed-before-\(generation).log"))
            return lines("invocations-\(generation).log").filter(completed.contains)
        }
    }

    /// Starts the harness and kills it with SIGKILL after `delay` unless it exited first.
    static func run(_ arguments: [String], killAfter delay: Duration) async throws -> (output: String, killed: Bool) {
        let outcome = try await ChildProcess.run(harness, arguments, killAfter: delay)
        return (outcome.output, outcome.killed)
    }
}

/// The outputs an instance's history records (more than one means it completed twice).
func recordedOutputs(_ history: [HistoryEvent]?) -> [String] {
    (history ?? []).compactMap { event in
        if case .executionCompleted(let output) = event.kind { return (try? output.decode(String.self)) ?? "?" }
        return nil
    }
}
