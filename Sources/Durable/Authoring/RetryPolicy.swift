import Foundation

/// How `call` and `callSubOrchestration` retry a failure: how often, how long to wait between
/// attempts, and which failures are worth another try.
///
/// The waits are durable timers in history, so a crash during a backoff resumes the wait.
///
/// ```swift
/// try await context.call(ProcessPayment.self, order, retry: .exponential(first: .seconds(5), attempts: 3))
/// ```
public struct RetryPolicy: Sendable {
    /// How many attempts in all, the first included. At least 1.
    public var maxAttempts: Int
    /// The wait before the second attempt.
    public var firstRetryInterval: Duration
    /// Each wait is the previous one times this. At least 1.
    public var backoffCoefficient: Double
    /// No wait is longer than this.
    public var maxRetryInterval: Duration?
    /// No retry starts later than this after the first attempt.
    public var retryTimeout: Duration?
    /// Whether a failure is worth another attempt; return `false` for non-retriable errors.
    public var shouldRetry: @Sendable (FailureDetails) -> Bool

    /// Creates a policy. Values below their minimum are raised to it.
    public init(
        maxAttempts: Int, firstRetryInterval: Duration, backoffCoefficient: Double = 1,
        maxRetryInterval: Duration? = nil, retryTimeout: Duration? = nil,
        shouldRetry: @escaping @Sendable (FailureDetails) -> Bool = { _ in true }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.firstRetryInterval = max(.zero, firstRetryInterval)
        self.backoffCoefficient = backoffCoefficient.isFinite ? max(1, backoffCoefficient) : 1
        self.maxRetryInterval = maxRetryInterval
        self.retryTimeout = retryTimeout
        self.shouldRetry = shouldRetry
    }

    /// Waits `first`, then twice as long each time, for `attempts` attempts in all.
    public static func exponential(first: Duration, attempts: Int, coefficient: Double = 2) -> RetryPolicy {
        RetryPolicy(maxAttempts: attempts, firstRetryInterval: first, backoffCoefficient: coefficient)
    }

    /// The wait before the attempt after `attempt`, or `nil` if there should be none.
    func delay(after attempt: Int, failure: FailureDetails, elapsed: Duration) -> Duration? {
        guard attempt < maxAttempts, shouldRetry(failure) else { return nil }
        var delay = firstRetryInterval * pow(backoffCoefficient, Double(attempt - 1))
        if let maxRetryInterval { delay = min(delay, maxRetryInterval) }
        if let retryTimeout, elapsed + delay > retryTimeout { return nil }
        return delay
    }
}
