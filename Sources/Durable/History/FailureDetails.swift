/// What went wrong, in a form that survives the journal: the error's type name and message.
///
/// Swift errors are not `Codable`, so Durable records these two strings and rebuilds typed
/// errors (``ActivityFailure``, ``SubOrchestrationFailure``) from them on every replay.
public struct FailureDetails: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The fully qualified type name of the original error, such as `MyApp.PaymentError`.
    public var errorType: String
    /// A human-readable message: the error's `description`, or its `localizedDescription`.
    public var message: String

    /// Creates details from their parts.
    public init(errorType: String, message: String) {
        self.errorType = errorType
        self.message = message
    }

    /// Captures `error`, keeping the type name and message of failures that already carry them.
    public init(_ error: any Error) {
        switch error {
        case let failure as ActivityFailure:
            self = failure.details
        case let failure as SubOrchestrationFailure:
            self = failure.details
        case let failure as OrchestrationFailure:
            self = failure.details
        default:
            self.errorType = String(reflecting: type(of: error))
            self.message = String(describing: error)
        }
    }

    public var description: String { "\(errorType): \(message)" }
}
