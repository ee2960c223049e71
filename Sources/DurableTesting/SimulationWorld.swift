@_spi(Simulation) import Durable
import Foundation

/// Everything one seeded run holds: the loop, the disk, the current process and runtime, the
/// faults still to inject, and what the run has seen (its trace, results, acknowledgements).
/// Touched only on the loop thread.
final class SimulationWorld: @unchecked Sendable {
    let seed: UInt64
    let faults: Faults
    let options: SimulationOptions
    let loop: SimulationLoop
    let epoch: Date
    var random: SeededRandom
    /// Journal operations at which the process crashes, ascending, counted over the whole run.
    var crashPoints: [Int]
    var operations = 0
    var trace: [String] = []
    var crashes: [String] = []
    var failures: [String] = []
    var results: [String] = []
    var acknowledgedStarts: [String] = []
    var acknowledgedEvents: [(instance: String, name: String)] = []
    /// Real executions of each activity call, by "name instance#sequence".
    var executions: [String: Int] = [:]
    var disk = SimulatedDiskContents(histories: [:], marker: nil)
    var process: SimulatedProcess?
    var runtime: DurableRuntime?
    var isOver = false
    /// A crash is posted and has not happened yet: callers wait for the next runtime.
    var isCrashPending = false
    private var appendAttempts = 0
    private var processes = 0
    private var ids: UInt64 = 0
    private var registrations: [Registration] = []
    private var configuration = DurableRuntime.Configuration()
    private var runtimeWaiters: [CheckedContinuation<DurableRuntime, any Error>] = []
    private var startFailure: (any Error)?

    init(seed: UInt64, faults: Faults, options: SimulationOptions, crashPoints: [Int]) {
        self.seed = seed
        self.faults = faults
        self.options = options
        self.crashPoints = crashPoints
        epoch = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01: every run starts at the same instant
        loop = SimulationLoop(start: epoch)
        random = SeededRandom(seed: SeededRandom.mix(seed ^ 0x5EED))
    }

    // MARK: Trace

    /// Virtual time since the run began, in milliseconds, for the trace.
    var stamp: String {
        let ms = (loop.now.timeIntervalSince(epoch) * 1000).rounded()
        guard let value = Int64(exactly: ms) else { return "+?" }
        return "+\(value / 1000).\(String(value % 1000 + 1000).dropFirst())s"
    }

    func note(_ line: String) {
        trace.append("\(stamp) \(line)")
    }

    // MARK: Processes

    func startRuntime(_ registrations: [Registration], configuration: DurableRuntime.Configuration) async throws -> DurableRuntime {
        self.registrations = registrations
        self.configuration = configuration
        startProcess()
        return try await currentRuntime()
    }

    /// The runtime of the live process, once it has recovered.
    func currentRuntime() async throws -> DurableRuntime {
        if isOver { throw DurableError.runtimeShutDown }
        if let runtime, !isCrashPending { return runtime }
        if let startFailure { throw startFailure }
        return try await withCheckedThrowingContinuation { runtimeWaiters.append($0) }
    }

    private func startProcess() {
        processes += 1
        let process = SimulatedProcess(world: self, number: processes)
        let store = SimulatedStore(contents: disk, world: self, strict: options.strictDurability)
        process.store = store
        self.process = process
        var configuration = self.configuration
        configuration.clock = SimulatedClock(loop: loop)
        configuration.environment = RuntimeEnvironment(simulation: process)
        configuration.stalledStepLimit = nil  // a watchdog thread would sample real time
        configuration.retention = nil
        let registrations = self.registrations
        note("process \(process.number) starts, recovering \(disk.histories.count) histories")
        Task(executorPreference: loop) { [self] in
            do {
                let runtime = try await DurableRuntime(storage: .store(store), configuration: configuration) {
                    registrations
                }
                guard process.isAlive else { return runtime.shutdown() }
                note("process \(process.number) recovered")
                self.runtime = runtime
                let waiters = runtimeWaiters
                runtimeWaiters = []
                for waiter in waiters { waiter.resume(returning: runtime) }
            } catch {
                guard process.isAlive else { return }
                startFailure = error
                failures.append("the runtime failed to start in process \(process.number): \(error)")
                let waiters = runtimeWaiters
                runtimeWaiters = []
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
    }

    /// Called by the store after each journal operation: the run's crash points count these.
    func storeOperation(_ store: SimulatedStore) {
        operations += 1
        if let next = crashPoints.first, operations >= next {
            crashPoints.removeFirst()
            let point = operations
            isCrashPending = true
            loop.post { [self] in crash(because: "after journal operation #\(point)") }
        }
    }

    func shouldFailAppend(to instanceId: String) -> Bool {
        guard faults.appendFailureRate > 0, !isCrashPending else { return false }
        appendAttempts += 1
        guard SeededRandom.unit(seed: seed, key: "append \(appendAttempts)") < faults.appendFailureRate else { return false }
        note("FAULT append #\(operations + 1) for \(instanceId) fails; the process restarts")
        let point = operations
        isCrashPending = true
        loop.post { [self] in crash(because: "after a failed append (operation #\(point))") }
        return true
    }

    func afterSyncLatency(_ step: @escaping @Sendable () -> Void) {
        let latency = seconds(faults.syncLatency) * Double(random.next() % 1_000) / 1_000
        loop.schedule(at: loop.now.addingTimeInterval(latency), step)
    }

    /// The process dies: what was not durable is lost (but a torn prefix of it, if the seed says
    /// so), and a new process recovers from the disk with the same registrations.
    func crash(because reason: String) {
        isCrashPending = false
        guard !isOver, let process, process.isAlive, let store = process.store else { return }
        let tail = store.tailCount
        let torn = tail > 0 && random.next() % 2 == 0 ? Int(random.next() % UInt64(tail + 1)) : 0
        store.crash(keepingTornPrefix: torn)
        process.isAlive = false
        var contents = store.contents
        options.damageOnCrash?(&contents)
        disk = contents
        crashes.append("crash \(crashes.count + 1) at \(stamp) \(reason)")
        note("CRASH \(reason): \(tail) journal operations not durable, \(torn) of them written torn and kept")
        let old = runtime
        runtime = nil
        old?.shutdown()
        startProcess()
    }

    /// Ends the run: the live process stops (nothing it does afterwards counts).
    func finish() {
        isOver = true
        process?.isAlive = false
        runtime?.shutdown()
        let waiters = runtimeWaiters
        runtimeWaiters = []
        for waiter in waiters { waiter.resume(throwing: DurableError.runtimeShutDown) }
    }

    // MARK: Activities and ids

    func dispatch(_ call: SimulatedActivityCall, in process: SimulatedProcess) {
        let key = "\(call.instanceId)#\(call.sequence)#\(call.attempt)"
        let low = seconds(faults.activityLatency.lowerBound)
        let high = seconds(faults.activityLatency.upperBound)
        let latency = low + (high - low) * SeededRandom.unit(seed: seed, key: "latency " + key)
        var failure: String?
        let fault: ActivityFault? = faults.activities[call.name]
        switch fault {
        case .some(.failFirstAttempt): if call.attempt == 1 { failure = "first attempts fail" }
        case .some(.fail(let message)): failure = message
        case .some(.hang):
            note("activity \(call.name) \(key) hangs (fault)")
            return
        case .none:
            if faults.activityFailureRate > 0,
                SeededRandom.unit(seed: seed, key: "fail " + key) < faults.activityFailureRate
            {
                failure = "injected at rate \(faults.activityFailureRate)"
            }
        }
        note("dispatch \(call.name) \(key)")
        let injected = failure
        loop.schedule(at: loop.now.addingTimeInterval(latency)) { [self] in
            guard process.isAlive else { return }
            if let failure = injected {
                note("FAULT \(call.name) \(key) fails: \(failure)")
                call.report(call.failure(SimulatedActivityFailure(activity: call.name, attempt: call.attempt, message: failure)))
                return
            }
            loop.outstanding.add(1, ordering: .releasing)
            Task(executorPreference: loop) { [self] in
                let outcome = await call.run()
                loop.outstanding.subtract(1, ordering: .releasing)
                executions["\(call.name) \(call.instanceId)#\(call.sequence)", default: 0] += 1
                guard process.isAlive else { return note("\(call.name) \(key) finished in a dead process: dropped") }
                note("\(call.name) \(key) \(outcome.isSuccess ? "completed" : "failed")")
                call.report(outcome)
            }
        }
    }

    func nextID(prefix: String) -> String {
        ids += 1
        let bits = SeededRandom.mix(seed &+ ids &* 0x9E37_79B9_7F4A_7C15)
        let hex = String(bits, radix: 16)
        return prefix + String(repeating: "0", count: 16 - hex.count) + hex
    }

    private func seconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return Double(whole) + Double(fraction) / 1e18
    }
}
