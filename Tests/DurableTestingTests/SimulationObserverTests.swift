import Durable
import DurableTesting
import Foundation
import Synchronization
import Testing

/// Keeps the activity events it hears, as "started SimHello #1" / "finished SimHello #1 failed".
final class ActivityEventLog: DurableObserver {
    let lines = Mutex<[String]>([])
    func observe(_ event: RuntimeEvent) {
        switch event {
        case .activityStarted(_, let activity, let attempt):
            lines.withLock { $0.append("started \(activity) #\(attempt)") }
        case .activityFinished(_, let activity, let attempt, _, let failed):
            lines.withLock { $0.append("finished \(activity) #\(attempt)\(failed ? " failed" : "")") }
        default:
            break
        }
    }
}

@Suite struct SimulationObserverTests {
    @Test func observersHearTheActivitiesASimulationRuns() async throws {
        let log = ActivityEventLog()
        var configuration = DurableRuntime.Configuration()
        configuration.observers = [log]
        _ = try await Simulation.replay(seed: 3) { [configuration] sim in
            let runtime = try await sim.runtime(configuration: configuration) { SimGreeting.self; SimHello() }
            let id = try await runtime.client.start(SimGreeting.self, input: "ada")
            _ = try await sim.result(of: id, as: SimGreeting.self)
        }
        // `replay` runs the seed more than once (to check it replays the same), each run hearing the pair.
        let lines = log.lines.withLock { $0 }
        let pair = ["started SimHello #1", "finished SimHello #1"]
        #expect(!lines.isEmpty && lines == Array(repeating: pair, count: lines.count / 2).flatMap { $0 })
    }
}
