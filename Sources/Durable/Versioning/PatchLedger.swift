/// What an execution's code learned about its patches: the markers its history holds, and the
/// answer each `patched` gave, so that one change id answers the same all through an execution.
///
/// The rule (see Docs/Versioning.md): a marker in history means live code took the new branch
/// there; no marker while history still holds steps the code has not re-run means the recorded
/// run went past that point with the code from before the patch, so the old branch replays;
/// beyond history the code is live, records a marker and takes the new branch.
struct PatchLedger: Sendable {
    /// The change ids whose markers the history holds.
    private let recorded: Set<String>
    /// The answer given to each change id so far in this execution.
    private var answers: [String: Bool] = [:]

    init(recorded: Set<String>) {
        self.recorded = recorded
    }

    /// What `patched(changeId)` answers, and whether a marker is to be recorded now.
    ///
    /// `isPastHistory`: nothing of the stored history is left for the code to re-run.
    mutating func decide(_ changeId: String, isPastHistory: Bool) -> (newBranch: Bool, recordMarker: Bool) {
        if let answer = answers[changeId] { return (answer, false) }
        let decision: (newBranch: Bool, recordMarker: Bool) =
            if recorded.contains(changeId) { (true, false) } else if isPastHistory { (true, true) } else { (false, false) }
        answers[changeId] = decision.newBranch
        return decision
    }
}
