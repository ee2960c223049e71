import Foundation

/// A deterministic simulation of your orchestrations on Durable: engine, journal, clock, activity
/// timing, faults and crashes all run on one thread, decided by a seed.
///
/// ```swift
/// try await Simulation.check(seeds: 0..<1_000, faults: Faults(activityFailureRate: 0.05, crashes: 0...3)) { sim in
///     let runtime = try await sim.runtime { OrderFlow.self; Pay() }
///     let id = try await runtime.client.start(OrderFlow.self, input: order)
///     sim.at(.seconds(30)) { try await runtime.client.raiseEvent(id, name: "paid", payload: "txn") }
///     _ = try await sim.result(of: id, as: OrderFlow.self)  // virtual time skips to each timer
/// }
/// ```
///
/// Keep the body's work on the simulation: await the simulated client, not other actors, threads
/// or `Task.sleep`, or the run stops being a function of its seed (the check reports that).
public final class Simulation: @unchecked Sendable {
    // @unchecked: used only by the body, which runs on the simulation's one thread.

    /// The run's seed.
    public let seed: UInt64
    /// Random numbers for the body, from the seed: draw inputs and moments from it.
    public var random: SeededRandom
    let world: SimulationWorld

    init(world: SimulationWorld) {
        self.world = world
        seed = world.seed
        random = SeededRandom(seed: world.seed)
    }

    /// The virtual time.
    public var now: Date { world.loop.now }

    /// Builds the runtime under test on the simulated journal, clock and threads. After each
    /// simulated crash a fresh runtime with the same registrations recovers from what was durable.
    ///
    /// The configuration's clock, retention and stalled-step watchdog are replaced: the
    /// simulation owns time.
    public func runtime(
        configuration: DurableRuntime.Configuration = DurableRuntime.Configuration(),
        @RegistrationBuilder _ registrations: () -> [Registration]
    ) async throws -> SimulatedRuntime {
        _ = try await world.startRuntime(registrations(), configuration: configuration)
        return SimulatedRuntime(world: world)
    }

    /// Runs `input` once `delay` of virtual time has passed: a webhook, a user's click. An error
    /// it throws fails the run.
    public func at(_ delay: Duration, _ input: @escaping @Sendable () async throws -> Void) {
        let world = self.world
        let (whole, fraction) = delay.components
        let seconds = max(0, Double(whole) + Double(fraction) / 1e18)
        world.loop.schedule(at: world.loop.now.addingTimeInterval(seconds)) {
            world.note("input scheduled at +\(delay) runs")
            Task(executorPreference: world.loop) {
                do {
                    try await input()
                } catch where world.isOver {
                } catch {
                    world.failures.append("the input scheduled after \(delay) threw: \(error)")
                }
            }
        }
    }

    /// Waits (virtual time skipping ahead) for the instance to finish and returns its output; the
    /// outcome is part of what a run with crashes must reproduce.
    public func result<O: Orchestration>(of instanceId: String, as orchestration: O.Type) async throws -> O.Output {
        try await SimulatedClient(world: world).result(of: instanceId, as: O.self)
    }

    /// Adds a line to the run's trace.
    public func note(_ line: String) {
        world.note("note: \(line)")
    }
}

/// The runtime under test, across crashes: its ``client`` always talks to the live process.
public struct SimulatedRuntime: Sendable {
    let world: SimulationWorld

    /// The client; calls cut short by a crash are repeated on the recovered runtime.
    public var client: SimulatedClient { SimulatedClient(world: world) }

    /// The live process's runtime, once it has recovered (for `replay` and anything the client lacks).
    public var current: DurableRuntime {
        get async throws { try await world.currentRuntime() }
    }
}

/// A ``DurableClient`` that survives simulated crashes: a call that a crash cut short is made
/// again on the recovered runtime (as a real caller retries), so an unacknowledged call may take
/// effect twice, and an acknowledged one must never be lost.
public struct SimulatedClient: Sendable {
    let world: SimulationWorld

    /// Runs `call` on the live runtime's client, again on the next runtime if a crash cuts it short.
    nonisolated(nonsending) public func perform<T>(_ call: (DurableClient) async throws -> T) async throws -> T {
        while true {
            let runtime = try await world.currentRuntime()
            do {
                return try await call(runtime.client)
            } catch {
                guard !world.isOver, world.isCrashPending || world.runtime !== runtime else { throw error }
                world.note("a call cut short by the crash is repeated: \(error)")
            }
        }
    }

    /// Starts an instance (see ``DurableClient/start(_:input:instanceId:startAt:reuse:)``).
    @discardableResult
    public func start<O: Orchestration>(_ orchestration: O.Type, input: O.Input, instanceId: String? = nil)
        async throws -> String
    {
        var attempts = 0
        let id = try await perform { client -> String in
            attempts += 1
            do {
                return try await client.start(O.self, input: input, instanceId: instanceId)
            } catch DurableError.instanceAlreadyExists(let existing, _) where attempts > 1 {
                return existing  // the start cut short by the crash had been recorded after all
            }
        }
        world.acknowledgedStarts.append(id)
        world.note("start of \(O.name) acknowledged: \(id)")
        return id
    }

    /// Raises an event (see ``DurableClient/raiseEvent(_:name:payload:)``); the faults may raise it twice.
    public func raiseEvent(_ instanceId: String, name: String, payload: some Codable & Sendable) async throws {
        try await perform { try await $0.raiseEvent(instanceId, name: name, payload: payload) }
        world.acknowledgedEvents.append((instanceId, name))
        world.note("event '\(name)' for \(instanceId) acknowledged")
        if world.faults.duplicateEvents > 0,
            SeededRandom.unit(seed: world.seed, key: "duplicate \(instanceId) \(name) \(world.acknowledgedEvents.count)")
                < world.faults.duplicateEvents
        {
            world.note("FAULT event '\(name)' for \(instanceId) raised again")
            try await perform { try await $0.raiseEvent(instanceId, name: name, payload: payload) }
        }
    }

    /// The instance's status (see ``DurableClient/status(of:)``).
    public func status(of instanceId: String) async throws -> InstanceStatus {
        try await perform { try await $0.status(of: instanceId) }
    }

    /// Terminates an instance (see ``DurableClient/terminate(_:reason:includeSubOrchestrations:)``).
    public func terminate(_ instanceId: String, reason: String? = nil) async throws {
        try await perform { try await $0.terminate(instanceId, reason: reason) }
    }

    /// Waits for the instance to finish and returns its output (see ``Simulation/result(of:as:)``).
    public func result<O: Orchestration>(of instanceId: String, as orchestration: O.Type) async throws -> O.Output {
        do {
            let output = try await perform { try await $0.result(of: instanceId, as: O.self) }
            world.results.append("\(instanceId): \(String(describing: output))")
            world.note("result of \(instanceId): \(output)")
            return output
        } catch {
            world.results.append("\(instanceId): threw \(error)")
            world.note("result of \(instanceId): threw \(error)")
            throw error
        }
    }
}
