/// Thrown by `waitForEvent(_:as:timeout:)` when the timeout passed before the event arrived.
public struct EventTimeout: Error, Sendable, Hashable, CustomStringConvertible {
    /// The event that did not arrive.
    public var name: String
    /// How long the code waited.
    public var timeout: Duration

    /// Creates the error.
    public init(name: String, timeout: Duration) {
        self.name = name
        self.timeout = timeout
    }

    public var description: String { "Event '\(name)' did not arrive within \(timeout)." }
}

/// Thrown through the code by `continueAsNew`; the instance starts over when the code unwinds.
struct ContinueAsNewSignal: Error, CustomStringConvertible {
    var description: String { "The orchestration continued as new." }
}
