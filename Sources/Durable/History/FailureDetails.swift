/// What went wrong, in a form that survives the journal: the error's type name and message.
///
/// Swift errors are not `Codable`, so Durable records these two strings and rebuilds typed
/// errors (``ActivityFailure``, ``SubOrchestrationFailure``) from them on every replay.
public struct FailureDetails: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The fully qualified type name of the original error, such as `MyApp.PaymentError`.
    public var errorType: String
    /// A human-readable message: the error's `description`, or its `localizedDescription`.
    /// Details captured from an error hold at most ``maximumTextLength`` bytes of it.
    public var message: String

    /// The most UTF-8 bytes of an error's type name or message that details captured from the
    /// error keep; a longer one is cut, ending in `… (truncated, N bytes)`.
    ///
    /// An error's description is whatever its code makes it (a whole response body, say), and
    /// every failure is recorded in history: uncut, one enormous message could make a journal
    /// record too large to read back. 64 KiB keeps any real message whole.
    public static let maximumTextLength = 64 << 10

    /// Creates details from their parts, as given.
    public init(errorType: String, message: String) {
        self.errorType = errorType
        self.message = message
    }

    /// Captures `error`, keeping the type name and message of failures that already carry them.
    /// Either is cut to ``maximumTextLength`` bytes.
    public init(_ error: any Error) {
        let details: FailureDetails
        switch error {
        case let failure as ActivityFailure:
            details = failure.details
        case let failure as SubOrchestrationFailure:
            details = failure.details
        case let failure as OrchestrationFailure:
            details = failure.details
        default:
            details = FailureDetails(errorType: String(reflecting: type(of: error)), message: String(describing: error))
        }
        // Carried-over details are cut too: their fields are public and may have been set to anything.
        self.errorType = Self.bounded(details.errorType)
        self.message = Self.bounded(details.message)
    }

    public var description: String { "\(errorType): \(message)" }

    /// The details an instance fails with when its code throws `error`.
    ///
    /// An activity's or a sub-orchestration's failure that the code did not catch is named ahead
    /// of the original type and message, as in `activity 'ChargeCard' (attempt 3) failed:
    /// MyApp.PaymentError: declined` (the attempt only when it is not the first) or
    /// `sub-orchestration 'Payment' ('order-1:0') failed: …`; the type name stays the original
    /// error's. A child's details that name their step already are not given the type again, so a
    /// chain reads `sub-orchestration 'Payment' ('order-1:0') failed: activity 'ChargeCard' failed:
    /// MyApp.PaymentError: declined`. Any other error is captured as ``init(_:)`` does. The failure
    /// the code catches (``ActivityFailure/details``, ``SubOrchestrationFailure/details``) is not changed.
    init(failingInstanceWith error: any Error) {
        let step: String
        let cause: FailureDetails
        switch error {
        case let failure as ActivityFailure:
            step = "activity '\(failure.activityName)'" + (failure.attempt > 1 ? " (attempt \(failure.attempt))" : "")
            cause = failure.details
        case let failure as SubOrchestrationFailure:
            step = "sub-orchestration '\(failure.name)' ('\(failure.instanceId)')"
            cause = failure.details
        default:
            self.init(error)
            return
        }
        let head = "\(step) failed: " + (cause.namesItsStep ? "" : "\(cause.errorType): ")
        self.init(errorType: Self.bounded(cause.errorType), message: Self.bounded(head, then: cause.message))
    }

    /// Whether the message is one ``init(failingInstanceWith:)`` wrote: it names an activity or a
    /// sub-orchestration, then the original type and message.
    private var namesItsStep: Bool {
        (message.hasPrefix("activity '") || message.hasPrefix("sub-orchestration '"))
            && message.contains(" failed: \(errorType): ")
    }

    /// `text` if it fits in ``maximumTextLength`` bytes; else its start, cut on a Unicode scalar
    /// boundary (so it stays valid UTF-8), and a marker naming the original length, in that many bytes.
    static func bounded(_ text: String) -> String {
        let length = text.utf8.count  // O(1) for native strings: the common case costs one comparison
        guard length > maximumTextLength else { return text }
        let marker = "… (truncated, \(length) bytes)"
        let utf8 = text.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: maximumTextLength - marker.utf8.count)
        while end.samePosition(in: text.unicodeScalars) == nil { utf8.formIndex(before: &end) }
        return String(text.unicodeScalars[..<end]) + marker
    }

    /// `head` then `text`, held to ``maximumTextLength`` bytes as ``bounded(_:)`` holds one text.
    /// A `text` cut already keeps its marker, which names the original message's length: what
    /// makes room for `head` is cut from before it.
    static func bounded(_ head: String, then text: String) -> String {
        let whole = head + text
        guard whole.utf8.count > maximumTextLength else { return whole }
        guard text.hasSuffix(" bytes)"), let markerStart = text.lastIndex(of: "…"),
            text[markerStart...].hasPrefix("… (truncated, ")
        else { return bounded(whole) }
        let room = maximumTextLength - head.utf8.count - text[markerStart...].utf8.count
        guard room >= 0 else { return bounded(whole) }
        let utf8 = text.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: min(room, utf8.distance(from: utf8.startIndex, to: markerStart)))
        while end.samePosition(in: text.unicodeScalars) == nil { utf8.formIndex(before: &end) }
        return head + String(text.unicodeScalars[..<end]) + String(text[markerStart...])
    }
}
