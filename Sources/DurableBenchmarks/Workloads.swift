import Durable
import Foundation

struct Noop: Activity {
    func run(_ input: Int, context: ActivityContext) async throws -> Int { input }
}

/// B1: one orchestration, `count` activities one after another.
struct Chain: Orchestration {
    func run(_ count: Int, context: OrchestrationContext) async throws -> Int {
        var sum = 0
        for index in 0..<count { sum += try await context.call(Noop.self, index) }
        return sum
    }
}

/// B2: one orchestration, `count` activities at once, gathered.
struct FanOut: Orchestration {
    func run(_ count: Int, context: OrchestrationContext) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count { group.addTask { try await context.call(Noop.self, index) } }
            var sum = 0
            for try await value in group { sum += value }
            return sum
        }
    }
}

/// B3: three activities in a row.
struct ThreeSteps: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        var value = input
        for _ in 0..<3 { value = try await context.call(Noop.self, value) }
        return value
    }
}

/// B4: waits for one event.
struct WaitOne: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        try await context.waitForEvent("go", as: Int.self)
    }
}

/// B5: sleeps `milliseconds` on a durable timer.
struct Nap: Orchestration {
    func run(_ milliseconds: Int, context: OrchestrationContext) async throws -> Int {
        try await context.sleep(for: .milliseconds(milliseconds))
        return milliseconds
    }
}

/// B8: children of three steps each.
struct Parent: Orchestration {
    func run(_ count: Int, context: OrchestrationContext) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<count { group.addTask { try await context.callSubOrchestration(ThreeSteps.self, index) } }
            var sum = 0
            for try await value in group { sum += value }
            return sum
        }
    }
}

/// Everything the scenarios run.
func makeRuntime(
    _ storage: StorageKind, directory: String, configuration: DurableRuntime.Configuration = .init()
) async throws -> DurableRuntime {
    try await DurableRuntime(storage: storage.storage(directory), configuration: configuration) {
        Chain.self
        FanOut.self
        ThreeSteps.self
        WaitOne.self
        Nap.self
        Parent.self
        Noop()
    }
}

enum StorageKind: String, CaseIterable {
    case memory, journal, journalStrict = "journal-strict"

    func storage(_ directory: String) -> DurableRuntime.Storage {
        switch self {
        case .memory: .memory
        case .journal: .directory(directory)
        case .journalStrict: .directory(directory, options: .init(durability: .strict))
        }
    }
}

/// A fresh directory for one run's journal.
func scratchDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("durable-bench-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Starts `count` instances at once and returns their ids.
func startAll<O: Orchestration>(_ runtime: DurableRuntime, _ type: O.Type, count: Int, input: @escaping @Sendable (Int) -> O.Input, prefix: String = "i") async throws -> [String] {
    try await withThrowingTaskGroup(of: String.self) { group in
        for index in 0..<count {
            group.addTask { try await runtime.client.start(type, input: input(index), instanceId: "\(prefix)-\(index)") }
        }
        var ids: [String] = []
        for try await id in group { ids.append(id) }
        return ids
    }
}

func waitAll(_ runtime: DurableRuntime, _ ids: [String]) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for id in ids { group.addTask { _ = try await runtime.client.waitForCompletion(of: id) } }
        try await group.waitForAll()
    }
}

func residentMemory() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }
    return 0
}
