/// The event waits a history records as still open, compared with what new code waits for: an
/// instance parked on an event the new code no longer waits for would never wake.
extension CompatibilityCheck {
    /// The names of the event waits `history` leaves open, in the order they began: each
    /// ``HistoryEvent/Kind/eventWaitStarted(name:)`` marker not yet answered by an event of that
    /// name raised after it. Histories written before markers existed have none.
    ///
    /// A wait that ended without its event (a `waitForEvent` timeout, a lost race) leaves its
    /// marker open too: the history does not say which waits were cancelled.
    static func openEventWaits(_ history: [HistoryEvent]) -> [String] {
        var open: [String] = []
        for event in history {
            switch event.kind {
            case .eventWaitStarted(let name):
                open.append(name)
            case .eventRaised(let name, _, _):
                // An event with no open wait of its name was buffered; a later wait takes it without a marker.
                if let index = open.firstIndex(of: name) { open.remove(at: index) }
            default:
                continue
            }
        }
        return open
    }

    /// The divergence of an unfinished instance whose recorded open waits the new code does not
    /// all make, naming both sides; `nil` if the new code waits for each of them (or none is recorded).
    static func waitDivergence(history: [HistoryEvent], awaitedNow: [String], step: Int) -> CompatibilityReport.Divergence? {
        let recorded = openEventWaits(history)
        guard recorded.contains(where: { !awaitedNow.contains($0) }) else { return nil }
        func quoted(_ names: [String]) -> String { names.map { "'\($0)'" }.joined(separator: ", ") }
        return .init(
            step: step, recorded: "waits for event \(quoted(recorded))",
            now: awaitedNow.isEmpty ? "waits for no event" : "waits for event \(quoted(awaitedNow))")
    }
}
