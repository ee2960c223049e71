import Durable
import Foundation
import Synchronization

/// Echoes its input after a one-minute durable nap, with a custom status: a running instance the test drives by ManualClock.
struct MgmtNapThenEcho: Orchestration {
    static var name: String { "NapThenEcho" }
    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        context.setCustomStatus("napping")
        try await context.sleep(for: .seconds(60))
        return "echo \(input)"
    }
}

/// Waits for "go" and adds its value to the input.
struct MgmtWaitsForGo: Orchestration {
    static var name: String { "WaitsForGo" }
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        try await context.waitForEvent("go", as: Int.self) + input
    }
}

/// Calls an activity that fails its first run: a failed instance that rewinding fixes.
struct MgmtFlakyOnce: Orchestration {
    static var name: String { "FlakyOnce" }
    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        try await context.call(MgmtFlakyActivity.self, input)
    }
}

struct MgmtFlakyActivity: Activity {
    struct Outage: Error {}
    let runs: MgmtRunCounter
    func run(_ input: String, context: ActivityContext) async throws -> String {
        let run = runs.next()
        if run == 0 { throw Outage() }
        return "done \(input)"
    }
}

/// A shared run counter: `next()` returns the run's number from 0.
final class MgmtRunCounter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { value in defer { value += 1 }; return value } }
}

/// A runtime on a ManualClock with the management API in front of it, key "s3cret".
struct ManagementHarness {
    let clock = ManualClock()
    let runtime: DurableRuntime
    let api: DurableHTTPAPI
    static let key = "s3cret"
    static let prefix = "/runtime/webhooks/durabletask"

    init() async throws {
        let runs = MgmtRunCounter()
        runtime = try await DurableRuntime.manual(clock) {
            MgmtNapThenEcho.self
            MgmtWaitsForGo.self
            MgmtFlakyOnce.self
            MgmtFlakyActivity(runs: runs)
        }
        api = DurableHTTPAPI(
            client: runtime.client, baseURL: "https://ops.example.com", authorize: DurableHTTPAPI.requireKey(Self.key))
    }

    /// Sends `method target` (relative to the prefix) with the key.
    func send(_ method: String, _ target: String, body: String? = nil, headers: [String: String] = [:]) async
        -> ManagementResponse
    {
        var headers = headers
        headers["x-functions-key"] = headers["x-functions-key"] ?? Self.key
        return await api.handle(
            ManagementRequest(
                method: method, target: Self.prefix + target, headers: headers, body: Data((body ?? "").utf8)))
    }
}

extension ManagementResponse {
    /// The body as a JSON object; empty if it is not one.
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    /// The body as a JSON array; empty if it is not one.
    var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? [] }
    var errorName: String? { object["error"] as? String }
}
