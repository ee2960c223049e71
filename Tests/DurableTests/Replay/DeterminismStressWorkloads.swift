import Durable
import Foundation

// The orchestration the randomized stress runs: a seed picks a small random "program" (calls,
// timers, event waits, nested task groups, `async let`, races, a sub-orchestration, a
// continue-as-new) and the orchestration interprets it. The shape is a pure function of the
// input, so replay rebuilds it; the interleaving is not, so every run takes its own path.

/// SplitMix64: a tiny generator that gives the same numbers for the same seed in every process.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &self) < percent }
}

/// One step of a generated program. `site` numbers every step that waits on a timer, so each
/// timer of one execution has a deadline of its own (see ``StressInput/duration(site:)``).
indirect enum StressStep: Sendable {
    case call(site: Int, failsFirst: Bool, retries: Bool)
    case timer(site: Int)
    case event(name: String, site: Int)
    /// A task group of branches; with `reacts`, the parent calls an activity named after every
    /// other arrival, so its commands depend on the order results came in.
    case group(site: Int, branches: [[StressStep]], reacts: Bool)
    case pair([StressStep], [StressStep])
    /// The first arm to finish wins; the others are cancelled.
    case race(site: Int, arms: [RaceArm])
    case child(seed: UInt64)
    case uuid
}

/// An arm of a race: an activity, a timer or an event without a timeout of its own.
enum RaceArm: Sendable {
    case call(site: Int)
    case timer(site: Int)
    case event(name: String)
}

/// What one execution does: its steps, and whether it then continues as new.
struct StressShape: Sendable {
    var steps: [StressStep] = []
    var continues = false
    var keepsEvents = false

    /// The names of the events programs wait for; the tests raise these.
    static let eventNames = ["a", "b", "c"]

    init(_ input: StressInput) {
        var builder = ShapeBuilder(
            rng: SplitMix(state: input.seed &+ UInt64(input.generation) &* 0x5851_F42D_4C95_7F2D),
            site: input.depth * 128, depth: input.depth)
        var roots = SplitMix(state: input.seed)  // the same in every generation of the run
        let generations = roots.generations(depth: input.depth)
        // A child's program is shorter: a parent waits for its children, so they set its length.
        steps = builder.steps(count: Int.random(in: input.depth == 0 ? 2...4 : 1...2, using: &builder.rng), nesting: 0)
        continues = input.generation < generations
        keepsEvents = builder.rng.chance(50)
    }
}

extension SplitMix {
    /// How many continue-as-new rounds a program makes: none in most, up to two.
    fileprivate mutating func generations(depth: Int) -> Int {
        let roll = Int.random(in: 0..<100, using: &self)
        if depth > 0 { return roll < 20 ? 1 : 0 }
        return roll < 55 ? 0 : roll < 85 ? 1 : 2
    }
}

private struct ShapeBuilder {
    var rng: SplitMix
    var site: Int
    let depth: Int

    /// Sites stay below the next depth's 128 (a child numbers its own from 128).
    mutating func nextSite() -> Int? {
        guard site % 128 < 120 else { return nil }
        site += 1
        return site
    }

    mutating func steps(count: Int, nesting: Int) -> [StressStep] {
        (0..<count).compactMap { _ in step(nesting: nesting) }
    }

    mutating func step(nesting: Int) -> StressStep? {
        let roll = Int.random(in: 0..<100, using: &rng)
        guard let site = nextSite() else { return nil }
        switch roll {
        case 0..<26:
            return .call(site: site, failsFirst: rng.chance(20), retries: rng.chance(50))
        case 26..<34:
            return .timer(site: site)
        case 34..<44:
            return .event(name: StressShape.eventNames.randomElement(using: &rng) ?? "a", site: site)
        case 44..<60 where nesting < 2:
            let branches = (0..<Int.random(in: 2...3, using: &rng)).map { _ in
                steps(count: Int.random(in: 1...2, using: &rng), nesting: nesting + 1)
            }
            return .group(site: site, branches: branches, reacts: rng.chance(60))
        case 60..<70 where nesting < 2:
            return .pair(
                steps(count: Int.random(in: 1...2, using: &rng), nesting: nesting + 1),
                steps(count: Int.random(in: 1...2, using: &rng), nesting: nesting + 1))
        case 70..<86:
            var arms = [RaceArm.call(site: site)]
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                guard let armSite = nextSite() else { break }
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: arms.append(.call(site: armSite))
                case 1: arms.append(.timer(site: armSite))
                default: arms.append(.event(name: StressShape.eventNames.randomElement(using: &rng) ?? "a"))
                }
            }
            arms.shuffle(using: &rng)
            return .race(site: site, arms: arms)
        case 86..<94 where depth == 0:
            return .child(seed: rng.next())
        default:
            return rng.chance(50) ? .uuid : .call(site: site, failsFirst: false, retries: false)
        }
    }
}

/// The input of every execution of ``StressProgram``; `trail` is what earlier executions returned.
struct StressInput: Codable, Sendable, Hashable {
    var run: Int
    var seed: UInt64
    var depth = 0
    var generation = 0
    var trail: [String] = []

    /// A timer's duration: unique per run and site, so within one runtime a deadline names one timer.
    func duration(site: Int) -> Duration { .seconds(run * 256 + site) }
}

/// What ``StressWork`` is asked to do: its label is unique within an execution.
struct WorkInput: Codable, Sendable, Hashable {
    var label: String
    var failsFirst = false
}

struct StressWorkFailed: Error, CustomStringConvertible {
    var label: String
    var description: String { "work \(label) failed" }
}

/// Returns its label and attempt, after a few random yields so results arrive in a random order.
/// With a ``ScriptBook`` (a resumed run) it instead waits for its turn in the original order.
struct StressWork: Activity {
    var book: ScriptBook?

    func run(_ input: WorkInput, context: ActivityContext) async throws -> String {
        if let book {
            await book.scripts[context.instanceId]?.waitForActivity(input.label, attempt: context.attempt)
        } else {
            // A race's arm (labelled `a`) takes longer, so its timers win a fair share.
            for _ in 0..<Int.random(in: input.label.hasPrefix("a") ? 0...12 : 0...3) { await Task.yield() }
        }
        if input.failsFirst, context.attempt == 1 { throw StressWorkFailed(label: input.label) }
        return "\(input.label)#\(context.attempt)"
    }
}

/// Interprets a generated program; see ``StressShape``.
struct StressProgram: Orchestration {
    func run(_ input: StressInput, context: OrchestrationContext) async throws -> [String] {
        let shape = StressShape(input)
        var trail = input.trail
        trail.append("g\(input.generation)")
        trail += try await Self.perform(shape.steps, input, context)
        if shape.continues {
            var next = input
            next.generation += 1
            next.trail = trail
            try context.continueAsNew(with: next, keepUnprocessedEvents: shape.keepsEvents)
        }
        return trail
    }

    static func perform(_ steps: [StressStep], _ input: StressInput, _ context: OrchestrationContext) async throws
        -> [String]
    {
        var trail: [String] = []
        for step in steps {
            trail += try await perform(step, input, context)
        }
        return trail
    }

    private static func perform(_ step: StressStep, _ input: StressInput, _ context: OrchestrationContext) async throws
        -> [String]
    {
        switch step {
        case .call(let site, let failsFirst, let retries):
            let retry = retries ? RetryPolicy(maxAttempts: 2, firstRetryInterval: input.duration(site: site)) : nil
            do {
                return [try await context.call(StressWork.self, WorkInput(label: "c\(site)", failsFirst: failsFirst), retry: retry)]
            } catch let failure as ActivityFailure {
                return ["failed \(failure.activityName) \(failure.attempt)"]
            }
        case .timer(let site):
            try await context.sleep(for: input.duration(site: site))
            return ["t\(site)"]
        case .event(let name, let site):
            do {
                return ["e\(name)=" + (try await context.waitForEvent(name, as: String.self, timeout: input.duration(site: site)))]
            } catch is EventTimeout {
                return ["e\(name) timed out"]
            }
        case .group(let site, let branches, let reacts):
            return try await withThrowingTaskGroup(of: [String].self) { group in
                for branch in branches {
                    group.addTask { try await perform(branch, input, context) }
                }
                var trail: [String] = []
                var arrivals = 0
                for try await result in group {
                    arrivals += 1
                    trail += result
                    if reacts, arrivals % 2 == 1 {
                        let label = "r\(site).\(arrivals).\(result.first ?? "-")"
                        trail.append(try await context.call(StressWork.self, WorkInput(label: label)))
                    }
                }
                return trail
            }
        case .pair(let left, let right):
            async let first = perform(left, input, context)
            async let second = perform(right, input, context)
            return try await first + second
        case .race(_, let arms):
            let winner = try await withThrowingTaskGroup(of: String.self) { group in
                for arm in arms {
                    group.addTask { try await run(arm, input, context) }
                }
                defer { group.cancelAll() }
                return try await group.next() ?? "none"
            }
            return ["won " + winner]
        case .child(let seed):
            do {
                return try await context.callSubOrchestration(
                    StressProgram.self, StressInput(run: input.run, seed: seed, depth: input.depth + 1))
            } catch let failure as SubOrchestrationFailure {
                return ["child failed: \(failure)"]
            }
        case .uuid:
            return [context.newUUID().uuidString]
        }
    }

    private static func run(_ arm: RaceArm, _ input: StressInput, _ context: OrchestrationContext) async throws -> String {
        switch arm {
        case .call(let site):
            return try await context.call(StressWork.self, WorkInput(label: "a\(site)"))
        case .timer(let site):
            try await context.sleep(for: input.duration(site: site))
            return "timer \(site)"
        case .event(let name):
            return "event \(name)=" + (try await context.waitForEvent(name, as: String.self))
        }
    }
}
