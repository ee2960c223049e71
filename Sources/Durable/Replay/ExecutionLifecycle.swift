/// The lifecycle of one execution, as its mailbox sees it: claimed (visible, its `ExecutionStarted`
/// not yet recorded), start recorded, running (its code started), ended — and whether a client
/// terminated it.
///
/// A value type in the style of swift-nio's state machines: every input is a transition that
/// returns what the owner (``InstanceExecutor``, under its lock) must do, so the races between a
/// start, a delivered event, a termination and the code's own end are settled here, by the state,
/// not by call order — and are unit-tested without threads or I/O (`ExecutionLifecycleTests`).
///
/// The rules it keeps:
/// - An execution's history starts with its `ExecutionStarted`: a delivery that comes first
///   records the start before its own event (``delivery()``).
/// - Raised events and lifecycle changes wait for the code's first drain (``handles(_:)``), so the
///   code sees the same `now` and the same events live and on replay.
/// - After a recorded termination nothing else is recorded for the execution (``mayRecord``), and
///   the termination is its end (``end()``).
struct ExecutionLifecycle {
    /// A new execution's first records, appended by whoever records for it first.
    struct PendingStart {
        let started: HistoryEvent
        /// Events a continue-as-new carries in, recorded right after the start.
        let carried: [HistoryEvent]

        var events: [HistoryEvent] { [started] + carried }
    }

    enum Phase {
        /// Visible to deliveries, its first records not appended yet.
        case claimed(PendingStart)
        /// Its history starts with its `ExecutionStarted`; its code has not started.
        case startRecorded
        /// Its code started: its first drain ran or is running.
        case running
        /// Its code ended (or it stopped): it takes no more deliveries.
        case ended
    }

    private(set) var phase: Phase
    /// The reason of the termination recorded for this execution, once one is.
    private(set) var termination: String??
    /// Where its start was recorded, by whoever recorded it (the launcher waits for it).
    private(set) var startPosition: JournalPosition?
    /// Messages that arrived before the code started and must wait for its first drain.
    private var held: [InstanceMessage] = []

    /// A new execution (`pendingStart`), or one whose history is stored already (`nil`).
    init(pendingStart: PendingStart?) {
        phase = pendingStart.map(Phase.claimed) ?? .startRecorded
    }

    /// What to do with an event a client or another instance wants recorded and delivered.
    enum Delivery {
        /// The execution ended, or was terminated: record nothing.
        case refuse
        /// Record the pending start first (then ``startRecorded(at:)``), then the event.
        case recordStartFirst(PendingStart)
        /// Record the event.
        case record
    }

    func delivery() -> Delivery {
        if termination != nil { return .refuse }
        switch phase {
        case .ended: return .refuse
        case .claimed(let start): return .recordStartFirst(start)
        case .startRecorded, .running: return .record
        }
    }

    /// What the launcher does to record the execution's start.
    enum LaunchRecord {
        case record(PendingStart)
        /// A delivery recorded it first, at this position (`nil` only if the execution stopped first).
        case recorded(JournalPosition?)
    }

    func launchRecord() -> LaunchRecord {
        if case .claimed(let start) = phase { return .record(start) }
        return .recorded(startPosition)
    }

    mutating func startRecorded(at position: JournalPosition) {
        guard case .claimed = phase else { return }
        phase = .startRecorded
        startPosition = position
    }

    /// A delivered message was recorded: a termination makes the execution terminated.
    mutating func recorded(_ message: InstanceMessage) {
        if case .event(let event) = message, case .executionTerminated(let reason, _) = event.kind {
            termination = .some(reason)
        }
    }

    /// Whether the execution may record its own events (commands, custom status, its end).
    var mayRecord: Bool { termination == nil }

    /// The code starts; returns the messages held for it, older than anything queued since.
    mutating func codeStarts() -> [InstanceMessage] {
        switch phase {
        case .claimed, .startRecorded: phase = .running
        case .running, .ended: break
        }
        defer { held = [] }
        return held
    }

    /// Whether the draining executor hands `message` to the instance now; if not, it is held
    /// until ``codeStarts()``. Everything but a termination waits for the code's first drain.
    mutating func handles(_ message: InstanceMessage) -> Bool {
        switch phase {
        case .running, .ended: return true
        case .claimed, .startRecorded:
            guard message.waitsForStart else { return true }
            held.append(message)
            return false
        }
    }

    /// The code ended, or the instance stops: no more deliveries. Returns the held messages (for
    /// a successor to take over).
    mutating func end() -> [InstanceMessage] {
        phase = .ended
        defer { held = [] }
        return held
    }
}

extension InstanceMessage {
    /// Handled only once the code has started: everything but a termination, a failure or a stop.
    fileprivate var waitsForStart: Bool {
        guard case .event(let event) = self else { return false }
        if case .executionTerminated = event.kind { return false }
        return true
    }
}
