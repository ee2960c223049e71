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

    /// Creates a policy. Values below their minimum are raised to it: `maxAttempts` to 1, the
    /// intervals and `retryTimeout` to zero, a coefficient below 1 (or not a number) to 1.
    ///
    /// A coefficient of `.infinity` makes every retry after the first wait `maxRetryInterval`.
    public init(
        maxAttempts: Int, firstRetryInterval: Duration, backoffCoefficient: Double = 1,
        maxRetryInterval: Duration? = nil, retryTimeout: Duration? = nil,
        shouldRetry: @escaping @Sendable (FailureDetails) -> Bool = { _ in true }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.firstRetryInterval = max(.zero, firstRetryInterval)
        self.backoffCoefficient = backoffCoefficient.isNaN ? 1 : max(1, backoffCoefficient)
        self.maxRetryInterval = maxRetryInterval.map { max(.zero, $0) }
        self.retryTimeout = retryTimeout.map { max(.zero, $0) }
        self.shouldRetry = shouldRetry
    }

    /// Waits `first`, then twice as long each time, for `attempts` attempts in all.
    public static func exponential(first: Duration, attempts: Int, coefficient: Double = 2) -> RetryPolicy {
        RetryPolicy(maxAttempts: attempts, firstRetryInterval: first, backoffCoefficient: coefficient)
    }

    /// Why the policy cannot be used, or `nil` if it can. The initializer never makes such a
    /// policy; its properties can be set out of range afterwards.
    var invalidity: String? {
        if maxAttempts < 1 { return "maxAttempts is \(maxAttempts); it must be at least 1" }
        if firstRetryInterval < .zero { return "firstRetryInterval is \(firstRetryInterval); it must not be negative" }
        if !(backoffCoefficient >= 1) {
            return "backoffCoefficient is \(backoffCoefficient); it must be at least 1 (.infinity is allowed)"
        }
        if let maxRetryInterval, maxRetryInterval < .zero {
            return "maxRetryInterval is \(maxRetryInterval); it must not be negative"
        }
        if let retryTimeout, retryTimeout < .zero { return "retryTimeout is \(retryTimeout); it must not be negative" }
        return nil
    }

    /// The wait before the attempt after `attempt`, or `nil` if there should be none.
    ///
    /// Computed in seconds as a `Double` and capped before it becomes a `Duration`: the raw
    /// `first × coefficient^(attempt−1)` leaves `Duration`'s range (and traps) by the 79th
    /// attempt of a millisecond doubling, long before any sane cap applies.
    func delay(after attempt: Int, failure: FailureDetails, elapsed: Duration) -> Duration? {
        guard attempt < maxAttempts, shouldRetry(failure) else { return nil }
        let first = max(0, firstRetryInterval.timeInterval)
        let growth = pow(max(1, backoffCoefficient), Double(max(0, attempt - 1)))  // may be +infinity
        let cap = maxRetryInterval.map { max(0, $0.timeInterval) } ?? Duration.foreverSeconds
        // `first == 0` waits nothing, however fast it would grow; otherwise `first × growth` is
        // compared with the cap by division, so an infinite growth is no problem.
        let seconds = first == 0 ? 0 : (growth >= cap / first ? cap : first * growth)
        let delay = Duration.clamping(seconds: seconds)
        if let retryTimeout, elapsed + delay > retryTimeout { return nil }
        return delay
    }
}
