// Built with `.defaultIsolation(MainActor.self)` (Package.swift), the default of new Xcode app
// targets since Swift 6.2: every declaration here not marked otherwise is isolated to the main actor.
import Durable
import Testing

nonisolated struct Greet: Activity {
    func run(_ name: String, context: ActivityContext) async throws -> String { "hello \(name)" }
}

/// A helper as such a target writes it: isolated to the main actor without saying so.
func greet(_ context: OrchestrationContext, _ name: String) async throws -> String {
    try await context.call(Greet.self, name)
}

/// The same helper, marked as the error message says.
nonisolated func greetNonisolated(_ context: OrchestrationContext, _ name: String) async throws -> String {
    try await context.call(Greet.self, name)
}

nonisolated struct UsesAMainActorHelper: Orchestration {
    func run(_ name: String, context: OrchestrationContext) async throws -> String {
        try await greet(context, name)
    }
}

nonisolated struct UsesANonisolatedHelper: Orchestration {
    func run(_ name: String, context: OrchestrationContext) async throws -> String {
        try await greetNonisolated(context, name)
    }
}

@Suite struct DefaultIsolationTests {
    /// Before: it failed with only "Task.detached or Task {} inside an orchestration?", which is wrong
    /// here; and the target did not compile at all (`DurableRuntime.init` took a non-Sendable builder
    /// closure across isolation: it is `nonisolated(nonsending)` now, running on the caller's actor).
    @Test func aMainActorHelperFailsWithAnErrorThatNamesDefaultIsolationAndTheFix() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            UsesAMainActorHelper.self
            Greet()
        }
        let id = try await runtime.client.start(UsesAMainActorHelper.self, input: "ada")
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(30))
        #expect(status.runtimeStatus == .failed)
        let message = status.failure?.message ?? ""
        #expect(message.contains("default MainActor isolation"), "\(message)")
        #expect(message.contains("nonisolated"), "\(message)")
    }

    @Test func aNonisolatedHelperWorks() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            UsesANonisolatedHelper.self
            Greet()
        }
        let id = try await runtime.client.start(UsesANonisolatedHelper.self, input: "ada")
        #expect(try await runtime.client.result(of: id, as: UsesANonisolatedHelper.self, timeout: .seconds(30)) == "hello ada")
    }
}
