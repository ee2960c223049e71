import Durable
import Foundation

// What the stress test asserts about the executions a batch left: each replays to itself, the
// lifecycle invariants hold, and a random prefix of each resumes live to the same end.

enum StressChecks {
    /// Replays every execution of `id` and checks its outcome, commands and carried events.
    static func replay(_ id: String, _ executions: [RecordedExecution], on runtime: DurableRuntime) async -> [String] {
        var problems: [String] = []
        for (index, execution) in executions.enumerated() {
            let events = execution.events
            let name = "\(id) execution \(index + 1)/\(executions.count)"
            guard case .executionStarted(_, let input, _, _, _, _)? = events.first?.kind else {
                problems.append("\(name) starts with \(events.first.map(\.description) ?? "nothing")")
                continue
            }
            if let end = events.firstIndex(where: \.kind.isEnd), end != events.count - 1 {
                problems.append("\(name) records \(events[end + 1]) after \(events[end])")
            }
            let next = executions.dropFirst(index + 1).first
            guard let expected = outcome(of: events, next: next) else {
                problems.append("\(name) did not finish: it ends with \(events.last?.description ?? "-")")
                continue
            }
            do {
                let replay = try await runtime.replay(events, instanceId: id)
                let recorded = events.map(\.kind).filter(\.isCommand)
                if replay.outcome != expected { problems.append("\(name) replays to \(replay.outcome), not \(expected)") }
                // Live, a termination refuses what the code issues after it lands; a replay
                // meets the termination only after the step it landed in, so it may issue more.
                let terminated = if case .terminated = expected { true } else { false }
                if terminated ? !replay.commands.starts(with: recorded) : replay.commands != recorded {
                    problems.append("\(name) replays to commands \(replay.commands), not \(recorded)")
                }
                if !replay.newEvents.isEmpty { problems.append("\(name) replays to new events \(replay.newEvents)") }
            } catch {
                problems.append("\(name) does not replay: \(error)")
            }
            if let next { problems += checkCarried(from: execution, input: input, into: next, name: name) }
        }
        return problems
    }

    /// The outcome a replay of `events` must report: its end, or the continue-as-new into `next`.
    private static func outcome(of events: [HistoryEvent], next: RecordedExecution?) -> ReplayResult.Outcome? {
        switch events.last?.kind {
        case .executionCompleted(let output)?: return .completed(output)
        case .executionFailed(let failure)?: return .failed(failure)
        case .executionTerminated(let reason, _)?: return .terminated(reason: reason)
        default:
            guard case .executionStarted(_, let input, _, _, _, _)? = next?.events.first?.kind else { return nil }
            return .continuedAsNew(input)
        }
    }

    /// A reused id starts with nothing carried; a continue-as-new carries only events the
    /// execution before recorded, and only if it asked to keep them.
    private static func checkCarried(
        from previous: RecordedExecution, input: Payload, into next: RecordedExecution, name: String
    ) -> [String] {
        let carried = next.carried.map(\.kind)
        guard !carried.isEmpty else { return [] }
        let continued = previous.events.last.map { !$0.kind.isEnd } ?? false
        guard continued, let shape = (try? input.decode(StressInput.self)).map(StressShape.init), shape.keepsEvents else {
            return ["\(name) was followed by an execution carrying \(carried) it did not keep"]
        }
        let raised = previous.events.map(\.kind).filter { if case .eventRaised = $0 { true } else { false } }
        return carried.filter { !raised.contains($0) }.map { "\(name) carried \($0), which it never recorded" }
    }

    /// Acknowledged events are recorded once; an acknowledged termination is the end.
    static func lifecycle(_ record: RunRecord, _ executions: [RecordedExecution]) -> [String] {
        var problems: [String] = []
        for payload in record.acknowledged {
            let count = executions.flatMap(\.appended).filter {
                if case .eventRaised(_, let input, _) = $0.kind { input == payload } else { false }
            }.count
            if count != 1 { problems.append("\(record.id): acknowledged event \(payload) recorded \(count) times") }
        }
        if record.terminated {
            let events = executions.last?.events ?? []
            let terminations = events.filter { if case .executionTerminated = $0.kind { true } else { false } }
            let endsTerminated = if case .executionTerminated? = events.last?.kind { true } else { false }
            if !endsTerminated || terminations.count != 1 {
                problems.append("\(record.id) was terminated, but its history ends \(events.suffix(2))")
            }
        }
        return problems
    }
}

extension HistoryEvent.Kind {
    /// Whether the event ends an execution.
    var isEnd: Bool {
        switch self {
        case .executionCompleted, .executionFailed, .executionTerminated: true
        default: false
        }
    }

    var isChildEvent: Bool {
        switch self {
        case .subOrchestrationCreated, .subOrchestrationCompleted, .subOrchestrationFailed: true
        default: false
        }
    }

    var isClientLifecycleCall: Bool {
        switch self {
        case .executionSuspended, .executionResumed, .executionTerminated: true
        default: false
        }
    }
}

// MARK: A random prefix, resumed live

enum PrefixResumption {
    /// How long a resumed run may take: far more than any needs, so only a stuck one hits it.
    static let timeout: Duration = .seconds(30)

    private struct Original {
        var cut: Int
        var output: Payload
        var commands: [HistoryEvent.Kind]
        var events: [HistoryEvent]
    }

    /// Resumes a random prefix of the last execution of every run that completed without a
    /// client's lifecycle call, on a fresh runtime, taking the original's inputs in the original
    /// order; each must end with the original's output and commands. Returns how many it resumed.
    static func check(_ records: [RunRecord], _ store: ArchivingStore) async throws -> (resumed: Int, problems: [String]) {
        let executions = store.executions()
        var histories: [String: [HistoryEvent]] = [:]
        var scripts: [String: TurnScript] = [:]
        var originals: [String: Original] = [:]
        for record in records where !record.plan.isLifecycle {
            guard let events = executions[record.id]?.last?.events,
                case .executionCompleted(let output)? = events.last?.kind,
                !events.contains(where: \.kind.isClientLifecycleCall)
            else { continue }
            // A child's end comes when the child ends, which no script orders: cut after the last.
            let earliest = max(1, (events.lastIndex(where: \.kind.isChildEvent) ?? 0) + 1)
            guard earliest < events.count else { continue }
            let cut = Int.random(in: earliest..<events.count)
            guard let script = TurnScript(instanceId: record.id, execution: events, cut: cut) else { continue }
            histories[record.id] = Array(events.prefix(cut))
            for case .subOrchestrationCreated(_, _, let child, _) in events.map(\.kind) {
                histories[child] = store.history(of: child)
            }
            scripts[record.id] = script
            originals[record.id] = Original(
                cut: cut, output: output, commands: events.map(\.kind).filter(\.isCommand), events: events)
        }
        let book = ScriptBook(scripts: scripts)
        let clock = SteppingClock()
        let resumedStore = ArchivingStore(histories: histories) { event, id in book.scripts[id]?.recorded(event.kind) }
        // Activities wait for their turn, some until the end: they must not use up the workers.
        let configuration = DurableRuntime.Configuration(maxConcurrentActivities: 1 << 20, clock: clock)
        let runtime = try await DurableRuntime(storage: .store(resumedStore), configuration: configuration) {
            StressProgram.self
            StressWork(book: book)
        }
        defer { runtime.shutdown() }
        let problems = await withTaskGroup(of: [String].self) { group in
            for (id, script) in scripts {
                guard let original = originals[id] else { continue }
                group.addTask {
                    await resume(id, script, original, clock, runtime, resumedStore)
                }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        return (scripts.count, problems)
    }

    private static func resume(
        _ id: String, _ script: TurnScript, _ original: Original, _ clock: SteppingClock, _ runtime: DurableRuntime,
        _ store: ArchivingStore
    ) async -> [String] {
        async let driving: Void = drive(script, clock, runtime.client)
        let name = "\(id) resumed from \(original.cut) events"
        let status: InstanceStatus
        do {
            status = try await runtime.client.waitForCompletion(of: id, timeout: Self.timeout)
        } catch {
            let progress = script.progress + " status \((try? await runtime.client.status(of: id)).map { "\($0)" } ?? "-")"
            script.finish()
            clock.poke()
            await driving
            let recorded = (store.history(of: id) ?? []).dropFirst(original.cut).map(\.description)
            return ["\(name): \(error) at \(progress); \(script.mismatch ?? "") after the cut: \(recorded); original: \(original.events.dropFirst(original.cut).map(\.description))"]
        }
        script.finish()
        clock.poke()
        await driving
        var problems: [String] = []
        if let mismatch = script.mismatch { problems.append("\(name): \(mismatch)") }
        if status.runtimeStatus != .completed || status.output != original.output {
            problems.append("\(name) ended \(status.runtimeStatus) with \(status.output.map(\.description) ?? "-"), not \(original.output)")
        }
        let commands = (store.history(of: id) ?? []).map(\.kind).filter(\.isCommand)
        if commands != original.commands {
            problems.append("\(name) issued \(commands), not \(original.commands)")
        }
        return problems
    }

    /// Takes the script's turns that are not an activity's: fires its timers, raises its events.
    private static func drive(_ script: TurnScript, _ clock: SteppingClock, _ client: DurableClient) async {
        for (index, turn) in script.turns.enumerated() {
            guard await script.waitForTurn(index) else { return }
            switch turn {
            case .activity:
                continue  // the activity takes its own turn
            case .timer(let deadline):
                while true {
                    let version = clock.version
                    if let fired = clock.fire(deadline: deadline) {
                        if !fired { script.skip(index) }
                        break
                    }
                    if script.isFinished { return }
                    await clock.waitForChange(after: version, at: deadline)
                }
            case .event(let name, let payload):
                guard let text = try? payload.decode(String.self),
                    (try? await client.raiseEvent(script.instanceId, name: name, payload: text)) != nil
                else { return script.finish() }
            }
        }
    }
}
