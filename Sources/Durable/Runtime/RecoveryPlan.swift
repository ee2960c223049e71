/// How a start recovers its instances, decided from the marker the last start left: together, or
/// — after the process died during recovery — the suspects one at a time, so the next death names
/// the instance that caused it.
///
/// 1. No marker, or one whose recovery finished: every instance recovers at once (the marker names
///    them all while their replay runs).
/// 2. The process died while instances recovered together: those of them still unfinished are the
///    suspects. They recover one at a time, in turn, each named alone in the marker while its
///    replay runs; the others (started since) recover together after them.
/// 3. It died while one suspect recovered alone: that suspect gets a strike, and the suspects
///    recover one at a time again, those with a strike first. At its second strike the suspect
///    is quarantined, and the rest recover together again.
///
///
/// Only a crash of the process's own counts (``CrashNote``): if it was killed from outside
/// (SIGKILL, a power loss), the start recovers as the one before it did — together, or isolating
/// the same suspects — and nobody gets a strike.
///
/// One poison instance is so quarantined after three crashes; each further one costs three more.
struct RecoveryPlan: Equatable {
    /// The marker to write as recovery begins: the quarantine and strikes, without `inFlight`.
    var marker: RecoveryMarker
    /// Instances to recover one at a time, in this order, before the others.
    var isolated: [String]
    /// Instances to recover together once the isolated ones have.
    var together: [String]

    /// What a quarantine's failure details say.
    static func quarantineReason(strikes: Int) -> String {
        "the process died \(strikes + 1) times while this instance was being recovered, \(strikes) of them while "
            + "its code was the only code replaying (a crash in its code, such as a stack overflow from deep "
            + "recursion). Fix the code and resume it, or terminate or purge it"
    }

    /// - Parameters:
    ///   - previous: The marker the last start left, if any could be read.
    ///   - runnable: Every unfinished instance this start would run, with its execution id, by id.
    ///   - crashed: Whether the process that wrote `previous` died of a crash of its own.
    init(previous: RecoveryMarker?, runnable: [String: String], crashed: Bool) {
        var marker = previous ?? RecoveryMarker()
        // A quarantine holds only for the very execution it was made for, while it is unfinished.
        marker.quarantined.removeAll { runnable[$0.instanceId] != $0.executionId }
        var suspects: [String] = []
        if !marker.inFlight.isEmpty, !crashed {
            suspects = marker.isIsolating ? marker.suspects : []  // killed from outside: as before, no strike
        } else if !marker.inFlight.isEmpty {
            if marker.isIsolating, let culprit = marker.inFlight.first {
                let strikes = marker.strikes[culprit, default: 0] + 1
                if strikes >= RecoveryMarker.strikesToQuarantine, let executionId = runnable[culprit] {
                    marker.quarantined.append(
                        .init(instanceId: culprit, executionId: executionId, reason: Self.quarantineReason(strikes: strikes)))
                    marker.strikes = [:]  // found: the others recover together again
                } else {
                    marker.strikes[culprit] = strikes
                    suspects = marker.suspects
                }
            } else {
                suspects = marker.inFlight
            }
        }
        let quarantined = Set(marker.quarantined.map(\.instanceId))
        var seen = Set<String>()
        suspects = suspects.filter { runnable[$0] != nil && !quarantined.contains($0) && seen.insert($0).inserted }
        let strikes = marker.strikes
        suspects.sort { (strikes[$0, default: 0], $1) > (strikes[$1, default: 0], $0) }  // struck first, then by id
        marker.strikes = strikes.filter { seen.contains($0.key) && $0.value > 0 }
        marker.inFlight = []
        marker.isIsolating = false
        marker.suspects = []
        isolated = suspects
        together = runnable.keys.filter { !seen.contains($0) && !quarantined.contains($0) }.sorted()
        self.marker = marker
    }
}
