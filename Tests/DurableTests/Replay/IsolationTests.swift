import Durable
import Foundation
import Testing

enum RequestMarker {
    @TaskLocal static var value: String?
}

/// Returns the task-local it sees.
struct ReadsTaskLocal: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        RequestMarker.value ?? "none"
    }
}

@Suite struct IsolationTests {
    /// A replay after a restart would not see the client's task-locals, so the first run must not either.
    @Test func orchestrationCodeDoesNotInheritTheStartingTasksLocals() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { ReadsTaskLocal.self }
        let id = try await RequestMarker.$value.withValue("client") {
            try await runtime.client.start(ReadsTaskLocal.self, input: 0)
        }
        #expect(try await runtime.client.result(of: id, as: ReadsTaskLocal.self, timeout: .seconds(10)) == "none")
    }
}
