import DurableTesting
import Foundation

/// Says hello; the flows below call it through a retry policy.
struct SimHello: Activity {
    func run(_ name: String, context: ActivityContext) async throws -> String { "hello \(name)" }
}

/// One activity with 5 s retries, then a 60 s timer raced against an event: the shape of a flow
/// whose real-time run would take minutes.
struct SimGreeting: Orchestration {
    func run(_ name: String, context: OrchestrationContext) async throws -> String {
        let greeting = try await context.call(
            SimHello.self, name, retry: .exponential(first: .seconds(5), attempts: 6, coefficient: 1))
        let answer = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { try await context.waitForEvent("reply", as: String.self) }
            group.addTask {
                try await context.sleep(for: .seconds(60))
                return "no reply"
            }
            defer { group.cancelAll() }
            return try await group.next() ?? "no reply"
        }
        return "\(greeting): \(answer)"
    }
}

/// The body most tests share: one greeting, a reply at a seeded moment either side of its
/// timeout. Its outcome races virtual time against work a crash repeats, so runs with crashes
/// may legitimately end otherwise than the crash-free run: compare with ``steadyBody``.
let greetingBody: Simulation.Body = { sim in
    try await greet(sim, replyWithin: 1...120)
}

/// A greeting whose reply comes before its timer can start (the event waits in history): every
/// run of a seed must come to the same result, crashes or not.
let steadyBody: Simulation.Body = { sim in
    try await greet(sim, replyWithin: 1...30)
}

private func greet(_ sim: Simulation, replyWithin range: ClosedRange<Int>) async throws {
    let runtime = try await sim.runtime {
        SimGreeting.self
        SimHello()
    }
    let id = try await runtime.client.start(SimGreeting.self, input: "ada", instanceId: "greeting")
    let replyAt = Int.random(in: range, using: &sim.random)
    sim.at(.seconds(replyAt)) {
        do {
            try await runtime.client.raiseEvent(id, name: "reply", payload: "hi at \(replyAt)")
        } catch DurableError.invalidStatus {
            // Finished already: the timeout won.
        }
    }
    _ = try await sim.result(of: id, as: SimGreeting.self)
}
