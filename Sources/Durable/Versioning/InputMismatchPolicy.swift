/// What the runtime does when a replayed command matches its recorded one by name but carries a
/// different input (its ``InputFingerprint`` differs): two calls of one activity swapped, say,
/// which a name-only replay would accept, handing each call the other's result.
public enum InputMismatchPolicy: Sendable, Hashable {
    /// Replay by name only, as without the option (the default): a different input is not looked at.
    case ignore
    /// Treat the difference as a ``NondeterminismError`` and fail the instance with it (as
    /// ``NondeterminismPolicy/fail`` does).
    case fail
    /// Treat the difference as a ``NondeterminismError`` and hold the instance, recording nothing
    /// (as ``NondeterminismPolicy/hold`` does), for fixed code and a `resume` to continue it.
    case hold

    /// The nondeterminism policy a mismatch is handled under; `nil` for ``ignore``.
    var nondeterminismPolicy: NondeterminismPolicy? {
        switch self {
        case .ignore: nil
        case .fail: .fail
        case .hold: .hold
        }
    }
}

extension NondeterminismError {
    /// The error for `command`, replayed at `sequence` over `recorded` of the same name, if its
    /// input differs from the recorded one; `nil` if it carries none or the same bytes.
    static func inputMismatch(instanceId: String, sequence: Int, command: Command, recorded: Command) -> NondeterminismError? {
        guard let then = recorded.payload, let now = command.payload, then != now else { return nil }
        return NondeterminismError(
            instanceId: instanceId, sequence: sequence,
            recorded: "\(recorded) with input fingerprint \(InputFingerprint(then))",
            attempted: "\(command) with input fingerprint \(InputFingerprint(now)) (a different input: calls swapped or reordered?)")
    }
}
