import Durable
import Foundation
import Testing

/// Greeter as first released: waits for "go", then greets.
struct GreeterV1: Orchestration {
    static var name: String { "Greeter" }
    static var version: String { "1" }

    func run(_ who: String, context: OrchestrationContext) async throws -> String {
        let go = try await context.waitForEvent("go", as: Int.self)
        return "v1 hello \(who) \(go)"
    }
}

/// Greeter's second version: a different first step, so it cannot replay a V1 history.
struct GreeterV2: Orchestration {
    static var name: String { "Greeter" }
    static var version: String { "2" }

    func run(_ who: String, context: OrchestrationContext) async throws -> String {
        let shout = try await context.call(Shout.self, who)
        let go = try await context.waitForEvent("go", as: Int.self)
        return "v2 hello \(shout) \(go)"
    }
}

/// Greeter's tenth version, which sorts after "2" (numerically, not as text).
struct GreeterV10: Orchestration {
    static var name: String { "Greeter" }
    static var version: String { "10" }

    func run(_ who: String, context: OrchestrationContext) async throws -> String { "v10 hello \(who)" }
}

struct Shout: Activity {
    func run(_ text: String, context: ActivityContext) async throws -> String { text.uppercased() }
}

/// A monitor that continues as new: version 1 moves to the latest when its input says so.
struct MonitorV1: Orchestration {
    static var name: String { "Monitor" }
    static var version: String { "1" }

    func run(_ round: Int, context: OrchestrationContext) async throws -> String {
        if round == 0 { try context.continueAsNew(with: 1) }  // stays on version 1
        if round == 1 { try context.continueAsNewOnLatestVersion(with: 2) }
        return "v1 finished round \(round)"
    }
}

struct MonitorV2: Orchestration {
    static var name: String { "Monitor" }
    static var version: String { "2" }

    func run(_ round: Int, context: OrchestrationContext) async throws -> String {
        "v2 (context says \(context.version)) finished round \(round)"
    }
}

@Suite(.timeLimit(.minutes(1))) struct VersionTests {
    private func both(_ storage: DurableRuntime.Storage = .memory) async throws -> DurableRuntime {
        try await DurableRuntime(storage: storage) {
            GreeterV1.self
            GreeterV2.self
            Shout()
        }
    }

    @Test func newInstancesStartOnTheLatestVersionOrTheOneNamed() async throws {
        let runtime = try await both()
        defer { runtime.shutdown() }

        let latest = try await runtime.client.start(GreeterV1.self, input: "ann", instanceId: "latest")
        let named = try await runtime.client.start(GreeterV1.self, input: "bob", version: "1", instanceId: "named")
        try await runtime.client.raiseEvent(latest, name: "go", payload: 1)
        try await runtime.client.raiseEvent(named, name: "go", payload: 2)

        let onLatest = try await runtime.client.waitForCompletion(of: latest, timeout: .seconds(10))
        let onNamed = try await runtime.client.waitForCompletion(of: named, timeout: .seconds(10))
        #expect(onLatest.version == "2")
        #expect(try onLatest.output(as: String.self) == "v2 hello ANN 1")
        #expect(onNamed.version == "1")
        #expect(try onNamed.output(as: String.self) == "v1 hello bob 2")
        let started = try await runtime.client.history(of: named).first
        #expect(started?.description.contains("Greeter version=1") == true)
        let listed = await runtime.client.list().instances.map { "\($0.instanceId)@\($0.version)" }.sorted()
        #expect(listed == ["latest@2", "named@1"])
    }

    @Test func versionsCompareAsNumbers() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            GreeterV10.self
            GreeterV2.self
            Shout()
        }
        defer { runtime.shutdown() }
        let id = try await runtime.client.start(GreeterV2.self, input: "cy")
        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.version == "10")
    }

    /// Each instance keeps its version across a restart (kind 25 in the file journal).
    @Test func anInstanceKeepsItsVersionAcrossARestart() async throws {
        let directory = TemporaryDirectory()
        do {
            let first = try await both(.directory(directory.path))
            try await first.client.start(GreeterV1.self, input: "ann", version: "1", instanceId: "old")
            try await first.client.start(GreeterV2.self, input: "bob", instanceId: "new")
            _ = try await first.client.waitForStart(of: "new", timeout: .seconds(10))
            first.shutdown()
        }
        let second = try await both(.directory(directory.path))
        defer { second.shutdown() }
        #expect(try await second.client.status(of: "old").version == "1")
        try await second.client.raiseEvent("old", name: "go", payload: 3)
        try await second.client.raiseEvent("new", name: "go", payload: 4)

        let old = try await second.client.waitForCompletion(of: "old", timeout: .seconds(10))
        let new = try await second.client.waitForCompletion(of: "new", timeout: .seconds(10))
        #expect(try old.output(as: String.self) == "v1 hello ann 3")
        #expect(try new.output(as: String.self) == "v2 hello BOB 4")
    }

    /// A build without an instance's version reports it as not registered, naming the version;
    /// instances of the versions it has run on.
    @Test func anInstanceWhoseVersionIsMissingIsReportedNotRegistered() async throws {
        let directory = TemporaryDirectory()
        do {
            let first = try await both(.directory(directory.path))
            try await first.client.start(GreeterV1.self, input: "ann", version: "1", instanceId: "old")
            try await first.client.start(GreeterV2.self, input: "bob", instanceId: "new")
            _ = try await first.client.waitForStart(of: "new", timeout: .seconds(10))
            first.shutdown()
        }
        let onlyV2 = try await DurableRuntime(storage: .directory(directory.path)) {
            GreeterV2.self
            Shout()
        }
        defer { onlyV2.shutdown() }

        let old = try await onlyV2.client.status(of: "old")
        #expect(old.runtimeStatus == .notRegistered)
        #expect(old.failure?.message.contains("Greeter version 1") == true)
        await #expect(throws: DurableError.self) { try await onlyV2.client.waitForCompletion(of: "old", timeout: .seconds(5)) }
        try await onlyV2.client.raiseEvent("new", name: "go", payload: 5)
        #expect(try await onlyV2.client.waitForCompletion(of: "new", timeout: .seconds(10)).runtimeStatus == .completed)
        // Starting the missing version is refused with its name and version.
        await #expect(throws: DurableError.unknownOrchestration("Greeter version 1")) {
            try await onlyV2.client.start(GreeterV1.self, input: "cy", version: "1")
        }
    }

    @Test func continueAsNewKeepsTheVersionUnlessTheCodeMovesToTheLatest() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            MonitorV1.self
            MonitorV2.self
        }
        defer { runtime.shutdown() }

        let kept = try await runtime.client.start(MonitorV1.self, input: 3, version: "1")
        let moved = try await runtime.client.start(MonitorV1.self, input: 0, version: "1")

        let keptStatus = try await runtime.client.waitForCompletion(of: kept, timeout: .seconds(10))
        #expect(try keptStatus.output(as: String.self) == "v1 finished round 3")
        let movedStatus = try await runtime.client.waitForCompletion(of: moved, timeout: .seconds(10))
        #expect(movedStatus.version == "2")
        #expect(try movedStatus.output(as: String.self) == "v2 (context says 2) finished round 2")
    }

    @Test func oneNameAndVersionRegisteredTwiceIsRefused() async throws {
        await #expect(throws: DurableError.duplicateRegistration(kind: "orchestration", name: "Greeter version 2")) {
            _ = try await DurableRuntime(storage: .memory) {
                GreeterV2.self
                GreeterV2.self
            }
        }
    }
}
