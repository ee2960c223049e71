// The benchmark suite. Speed is shown here, never asserted in tests.
//
//     swift run -c release DurableBenchmarks [--quick] [--filter B1] [--storage memory|journal|journal-strict|all] [--json out.json]
//     swift run -c release DurableBenchmarks --durability-lag 2000   # the crash windows of Docs/Durability.md

import Durable
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let quick = arguments.contains("--quick")
let filter = option("--filter")
let jsonPath = option("--json")
let storageFilter = option("--storage") ?? "all"
guard storageFilter == "all" || StorageKind(rawValue: storageFilter) != nil else {
    FileHandle.standardError.write(Data("--storage takes memory, journal, journal-strict or all\n".utf8))
    exit(2)
}
let runs = 3

if let count = option("--measure-idle-memory").flatMap(Int.init) {
    let storage = StorageKind(rawValue: storageFilter) ?? .memory
    print(format(try await measureIdleMemory(storage, count: count)))
    exit(0)
}

if let samples = option("--durability-lag").flatMap(Int.init) {
    print(try await measureDurabilityLag(samples: samples))
    exit(0)
}

let environment = Environment(quick: quick, fsyncLatency: measureFsyncLatency())
print(machineDescription())
print(String(
    format: "journal fsync latency on this disk: median %.3f ms, mean %.3f ms (400 × 128-byte append + fdatasync; strict's limit is 1 / mean)",
    environment.fsyncLatency.median * 1_000, environment.fsyncLatency.mean * 1_000))
print(quick ? "mode: quick" : "mode: full", "· each figure is the median of \(runs) runs (min–max)\n")

let header = ["#", "scenario", "storage", "median", "min–max", "unit", "target", ""]
var rows: [[String]] = []
var results: [[String: Any]] = []
print(header.joined(separator: " | "))

// `--filter B5` runs B5 alone; `--filter B` (no such id) runs every id starting with it.
let exact = scenarios.contains { $0.id == filter }
for scenario in scenarios where filter.map({ exact ? scenario.id == $0 : scenario.id.hasPrefix($0) }) ?? true {
    for storage in scenario.storages where storageFilter == "all" || storage.rawValue == storageFilter {
        var values: [Double] = []
        do {
            for _ in 0..<runs { values.append(try await scenario.measure(storage, environment)) }
        } catch {
            print("\(scenario.id) | \(scenario.name) | \(storage.rawValue) | failed: \(error)")
            continue
        }
        values.sort()
        let median = values[values.count / 2]
        let goal = scenario.goal(storage, environment)
        let met = goal.map { $0.met(by: median) }
        let row = [
            scenario.id, scenario.name, storage.rawValue, format(median),
            "\(format(values.first ?? 0))–\(format(values.last ?? 0))", scenario.unit, goal?.text ?? "—",
            met.map { $0 ? "✓" : "✗" } ?? "",
        ]
        print(row.joined(separator: " | "))
        rows.append(row)
        results.append([
            "id": scenario.id, "scenario": scenario.name, "storage": storage.rawValue, "unit": scenario.unit,
            "median": median, "min": values.first ?? 0, "max": values.last ?? 0, "runs": values,
            "target": goal?.text ?? "", "met": met as Any,
        ])
    }
}

if let jsonPath {
    let document: [String: Any] = ["machine": machineDescription(), "fsyncLatencySeconds": ["median": environment.fsyncLatency.median, "mean": environment.fsyncLatency.mean], "quick": quick, "results": results]
    do {
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: jsonPath))
    } catch {
        FileHandle.standardError.write(Data("could not write \(jsonPath): \(error)\n".utf8))
        exit(1)
    }
}
