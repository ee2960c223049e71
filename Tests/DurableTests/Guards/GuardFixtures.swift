import Durable

/// Opens `gate` when it runs: tells a test that an orchestration got this far.
struct ReachedBottom: Activity {
    let gate: Gate
    func run(_ level: Int, context: ActivityContext) async throws -> Bool {
        gate.open()
        return true
    }
}
