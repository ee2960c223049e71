/// The runtime's own lifecycle, running → draining → closing → closed, as a value whose
/// transitions say what the caller must do (swift-nio style): the engine keeps it in its table,
/// under the table's lock, and carries the actions out after the lock is released.
///
/// Settling every shutdown request here — graceful or immediate, first or repeated, concurrent —
/// means exactly one caller drains, exactly one closes, and every graceful caller hears when the
/// storage is closed. `Waiter` is what a graceful caller parks until then (a continuation in the
/// engine, a plain value in the unit tests).
struct RuntimeLifecycle<Waiter> {
    enum State {
        /// Starts are taken and work is dispatched.
        case running
        /// A graceful shutdown waits for the running activities: no start is taken and no new
        /// work leaves; `waiters` are the graceful callers that did not begin it.
        case draining(waiters: [Waiter])
        /// One caller is closing the storage and stopping the instances; `waiters` hear when it is done.
        case closing(waiters: [Waiter])
        /// The storage is closed.
        case closed
    }

    private(set) var state: State = .running

    /// What a graceful shutdown request must do.
    enum GracefulAction: Equatable {
        /// This caller began the shutdown: it drains, then calls ``finishDraining()``.
        case drain
        /// Another caller shuts down: park with ``addCloseWaiter(_:)`` until the storage is closed.
        case awaitClose
        /// The storage is closed already.
        case done
    }

    /// A graceful shutdown was asked for.
    mutating func requestGracefulShutdown() -> GracefulAction {
        switch state {
        case .running:
            state = .draining(waiters: [])
            return .drain
        case .draining, .closing:
            return .awaitClose
        case .closed:
            return .done
        }
    }

    /// What an immediate shutdown request must do.
    enum ImmediateAction: Equatable {
        /// This caller closes now (cutting a drain short), then calls ``finishClosing()``.
        case close
        /// Another caller is closing, or has closed.
        case none
    }

    /// An immediate shutdown (``DurableRuntime/shutdown()``, or the runtime's deinit) was asked for.
    mutating func requestImmediateShutdown() -> ImmediateAction {
        switch state {
        case .running:
            state = .closing(waiters: [])
            return .close
        case .draining(let waiters):
            state = .closing(waiters: waiters)
            return .close
        case .closing, .closed:
            return .none
        }
    }

    /// The drain is over (the activities finished or their grace ran out); returns whether this
    /// caller closes now. `false` if an immediate shutdown took over meanwhile and closes instead.
    mutating func finishDraining() -> Bool {
        guard case .draining(let waiters) = state else { return false }
        state = .closing(waiters: waiters)
        return true
    }

    /// The storage is closed; returns the graceful callers to resume.
    mutating func finishClosing() -> [Waiter] {
        switch state {
        case .draining(let waiters), .closing(let waiters):
            state = .closed
            return waiters
        case .running, .closed:
            state = .closed
            return []
        }
    }

    /// Parks `waiter` until the storage is closed; `false` if it is closed already (or no shutdown
    /// began), and the caller goes on at once.
    mutating func addCloseWaiter(_ waiter: Waiter) -> Bool {
        switch state {
        case .draining(var waiters):
            waiters.append(waiter)
            state = .draining(waiters: waiters)
            return true
        case .closing(var waiters):
            waiters.append(waiter)
            state = .closing(waiters: waiters)
            return true
        case .running, .closed:
            return false
        }
    }

    /// Whether a client may start an instance: only while running.
    var acceptsStarts: Bool {
        if case .running = state { return true }
        return false
    }

    /// Whether new work (timers, sub-orchestrations, activities) may leave: only while running.
    /// While draining it stays journaled, and the next runtime on the storage dispatches it.
    var dispatchesWork: Bool { acceptsStarts }

    /// Whether instances stop and nothing more may be launched or awaited: closing or closed.
    var isShutDown: Bool {
        switch state {
        case .running, .draining: false
        case .closing, .closed: true
        }
    }
}
