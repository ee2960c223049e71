import Foundation
import Synchronization
import Testing

@testable import Durable

/// Keeps every event it is given, in order.
private final class RecordingObserver: DurableObserver {
    let events = Mutex<[RuntimeEvent]>([])
    func observe(_ event: RuntimeEvent) { events.withLock { $0.append(event) } }
}

private struct ObservedDouble: Activity {
    static var name: String { "ObservedDouble" }
    func run(_ input: Int, context: ActivityContext) async throws -> Int { input * 2 }
}

private struct ObservedFlow: Orchestration {
    static var name: String { "ObservedFlow" }
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        context.log("calling", level: .info)
        return try await context.call(ObservedDouble.self, input)
    }
}

@Suite struct ObserverTests {
    /// A start, its activity and its log line are reported once each, in order, and the end last.
    @Test func aRunReportsItsStartActivityLogAndEnd() async throws {
        let recorder = RecordingObserver()
        var configuration = DurableRuntime.Configuration()
        configuration.observers = [recorder]
        let runtime = try await DurableRuntime(storage: .memory, configuration: configuration) {
            ObservedFlow.self
            ObservedDouble()
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(ObservedFlow.self, input: 21)
        #expect(try await runtime.client.result(of: id, as: ObservedFlow.self) == 42)
        let names = recorder.events.withLock { $0 }.compactMap { event -> String? in
            switch event {
            case .instanceStarted: "started"
            case .orchestrationLog(_, .info, "calling"): "log"
            case .activityScheduled(_, "ObservedDouble", 1): "scheduled"
            case .activityStarted(_, "ObservedDouble", 1): "activityStarted"
            case .activityFinished(_, "ObservedDouble", 1, _, false): "activityFinished"
            case .instanceFinished(_, "ObservedFlow", .completed, _): "finished"
            default: nil
            }
        }
        #expect(names == ["started", "log", "scheduled", "activityStarted", "activityFinished", "finished"])
    }
}
