import Durable
import Foundation
import Testing

/// How many runs of a batch exercised each feature the stress test promises, so a change to the
/// generator cannot quietly drop one.
struct StressFeatures: CustomStringConvertible {
    private(set) var counts: [String: Int] = [:]

    /// The least share of runs (in percent) each feature must appear in.
    static let minimumShares: [String: Int] = [
        "task group": 30, "nested task group": 20, "async let": 25, "race": 40, "race lost by a timer": 3,
        "sub-orchestration": 30, "continue-as-new": 25, "carried events": 5, "id reuse": 8, "terminated": 5,
        "suspended": 5, "resumed by a racing call": 3, "event raised with start": 8, "event consumed": 20, "timer fired": 40, "retry": 12,
    ]

    init(_ records: [RunRecord], _ executions: [String: [RecordedExecution]]) {
        for record in records {
            var seen = Set<String>()
            let runExecutions = executions[record.id] ?? []
            for execution in runExecutions {
                if case .executionStarted(_, let payload, _, _, _, _)? = execution.events.first?.kind,
                    let input = try? payload.decode(StressInput.self)
                {
                    Self.collect(StressShape(input).steps, nesting: 0, into: &seen)
                }
                if !execution.carried.isEmpty { seen.insert("carried events") }
                for event in execution.events {
                    switch event.kind {
                    case .timerFired: seen.insert("timer fired")
                    case .taskScheduled(_, _, _, let attempt) where attempt > 1: seen.insert("retry")
                    default: break
                    }
                }
            }
            if runExecutions.count > (record.plan.isReuse ? 2 : 1) { seen.insert("continue-as-new") }
            if record.plan.isReuse { seen.insert("id reuse") }
            if record.terminated { seen.insert("terminated") }
            if record.suspended { seen.insert("suspended") }
            if record.resumed { seen.insert("resumed by a racing call") }
            if record.acknowledgedWithStart > 0 { seen.insert("event raised with start") }
            let output = runExecutions.last?.events.last.flatMap { event -> [String]? in
                guard case .executionCompleted(let output) = event.kind else { return nil }
                return try? output.decode([String].self)
            } ?? []
            if output.contains(where: { $0.hasPrefix("e") && $0.contains("=") || $0.contains("event ") }) {
                seen.insert("event consumed")
            }
            if output.contains(where: { $0.hasPrefix("won timer") }) { seen.insert("race lost by a timer") }
            for feature in seen { counts[feature, default: 0] += 1 }
        }
    }

    private static func collect(_ steps: [StressStep], nesting: Int, into seen: inout Set<String>) {
        for step in steps {
            switch step {
            case .group(_, let branches, _):
                seen.insert(nesting > 0 ? "nested task group" : "task group")
                for branch in branches { collect(branch, nesting: nesting + 1, into: &seen) }
            case .pair(let left, let right):
                seen.insert("async let")
                collect(left, nesting: nesting + 1, into: &seen)
                collect(right, nesting: nesting + 1, into: &seen)
            case .race: seen.insert("race")
            case .child: seen.insert("sub-orchestration")
            case .call, .timer, .event, .uuid: break
            }
        }
    }

    var description: String {
        counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    func expectMeaningfulShares(of runs: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        for (feature, percent) in Self.minimumShares {
            let count = counts[feature] ?? 0
            #expect(count * 100 >= percent * runs, "\(feature): \(count) of \(runs) runs", sourceLocation: sourceLocation)
        }
    }
}

extension RunPlan {
    var isReuse: Bool {
        if case .reuse = self { return true }
        return false
    }
}
