import DurableTesting
import Testing

/// The product re-exports `Durable`: a test target imports one module.
struct EchoForProductTest: Activity {
    func run(_ input: String, context: ActivityContext) async throws -> String { input }
}

@Suite struct ProductTests {
    @Test func importingDurableTestingIsEnoughToBuildARuntime() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { EchoForProductTest() }
        runtime.shutdown()
    }
}
