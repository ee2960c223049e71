// A child process for the poison-instance test: one instance whose orchestration code crashes
// the process every time it is replayed, among others that must recover regardless.
//
//     DurablePoisonHarness <journal-directory> seed
//     DurablePoisonHarness <journal-directory> run <crash>      (crash: recursion | trap | sigkill)
//     DurablePoisonHarness <journal-directory> fixed
//
// `seed` starts six workers and the poison instance with code that does not crash yet (the
// build before the bad deploy), takes each to a point its history records, and exits.
// `run` is the bad build: replaying the poison instance's history crashes the process — by
// synchronous recursion ~10 million deep (a stack overflow, SIGSEGV), by a trap (`fatalError`)
// or by SIGKILL (which is not a crash of its own: the runtime must not blame it). If the
// runtime comes up anyway, it finishes every worker and prints each one's result, then the
// poison instance's status and failure, then raises an event to it and waits for its end (which
// its replay crashes, unless it is quarantined), then "UP". `fixed` is the build with the code
// fixed: it prints the poison instance's status, resumes it if it is quarantined, lets it finish
// and prints its result.

import Durable
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: DurablePoisonHarness <journal-dir> seed|run <crash>|fixed\n".utf8))
    exit(2)
}
let journalPath = arguments[1]
let mode = arguments[2]

enum CrashKind: String {
    case none, recursion, trap, sigkill
}

/// How this build's poison code crashes; `none` in the builds before and after the bad one.
let crash = mode == "run" ? CrashKind(rawValue: arguments.count > 3 ? arguments[3] : "recursion") ?? .recursion : .none

/// Descends `depth` frames, doing work after each call so it cannot become a loop.
@inline(never)
func descend(_ depth: Int, _ trail: inout [Int]) -> Int {
    if depth == 0 { return trail.count }
    var frame = (depth, depth &* 3, depth &+ 7)
    let below = descend(depth - 1, &trail)
    withUnsafeMutablePointer(to: &frame) { _ in }
    return below &+ frame.1 &- frame.0
}

struct Doubler: Activity {
    func run(_ input: Int, context: ActivityContext) async throws -> Int { input * 2 }
}

/// Calls an activity, waits for "go", calls another: an ordinary instance with some history.
struct Worker: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> Int {
        let first = try await context.call(Doubler.self, input)
        let go = try await context.waitForEvent("go", as: Int.self)
        return try await context.call(Doubler.self, first + go)
    }
}

/// Waits for "depth", then (in the bad build) crashes, then waits for "finish".
struct Poison: Orchestration {
    func run(_ input: Int, context: OrchestrationContext) async throws -> String {
        let depth = try await context.waitForEvent("depth", as: Int.self)
        switch crash {
        case .none:
            break
        case .recursion:
            var trail: [Int] = []
            context.setCustomStatus(descend(depth, &trail))  // never returns: the stack overflows first
        case .trap:
            // Deliberate: this harness is the poison the quarantine test needs, a build whose
            // orchestration code traps on every replay. Never library code: an executable target
            // only the tests launch (no product ships it), and only with the `trap` switch.
            if depth > 0 { fatalError("poison: the bad build's code traps on replay") }
        case .sigkill:
            kill(getpid(), SIGKILL)
        }
        context.setCustomStatus("past the crash")
        let finish = try await context.waitForEvent("finish", as: String.self)
        return "poison finished: \(finish)"
    }
}

let workers = (0..<6).map { "worker-\($0)" }
let runtime = try await DurableRuntime(storage: .directory(journalPath)) {
    Worker.self
    Poison.self
    Doubler()
}
let client = runtime.client

switch mode {
case "seed":
    for (index, id) in workers.enumerated() {
        try await client.start(Worker.self, input: index, instanceId: id)
    }
    try await client.start(Poison.self, input: 0, instanceId: "poison")
    try await client.raiseEvent("poison", name: "depth", payload: 10_000_000)
    // Each worker's first activity result and the poison instance's step past the event recorded.
    for id in workers + ["poison"] {
        while try await client.history(of: id).count < 3 {
            try await Task.sleep(for: .milliseconds(5))
        }
    }
    runtime.shutdown()
    print("SEEDED")
case "run":
    for (index, id) in workers.enumerated() {
        do {
            try await client.raiseEvent(id, name: "go", payload: 100 + index)
        } catch DurableError.invalidStatus(_, .completed, _) {
            // It had the event before a crash, and has finished since.
        }
        print("\(id) completed \(try await client.result(of: id, as: Worker.self))")
    }
    let status = try await client.status(of: "poison")
    print("poison \(status.runtimeStatus)")
    print("poison failure: \(status.failure?.message ?? "none")")
    for listed in await client.list(InstanceQuery(statuses: [status.runtimeStatus])).instances {
        print("listed \(listed.instanceId)")
    }
    // Unless it is quarantined, the poison instance takes the event once its code has replayed,
    // and that replay crashes this build: waiting for its end makes the crash certain.
    do {
        try await client.raiseEvent("poison", name: "finish", payload: "too early")
        print("poison raise accepted")
        print("poison \(try await client.result(of: "poison", as: Poison.self))")
    } catch {
        print("poison raise refused: \(error)")
    }
    runtime.shutdown()
    print("UP")
case "fixed":
    let before = try await client.status(of: "poison").runtimeStatus
    print("poison was \(before)")
    if before == .quarantined { try await client.resume("poison") }
    do {
        try await client.raiseEvent("poison", name: "finish", payload: "fixed")
    } catch DurableError.invalidStatus(_, .completed, _) {
        // A bad build's run had its "finish" acknowledged before the replay crashed: the resumed
        // code took that one and finished.
    }
    print("poison \(try await client.result(of: "poison", as: Poison.self))")
    runtime.shutdown()
    print("FIXED")
default:
    FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
    exit(2)
}
