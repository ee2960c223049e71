import Foundation
import Logging

/// The command line: `OrderServiceHTTP [--host H] [--port N] [--journal DIR] [--key KEY]
/// [--payment-timeout SECONDS] [--step-latency MS] [--grace SECONDS] [--log-level LEVEL]`.
struct Options: Sendable {
    /// Loopback by default: the management plane must not face a network by accident.
    var host = "127.0.0.1"
    /// 0 asks the system for a free port; the one bound is printed at startup.
    var port = 8080
    var journal = ".durable"
    /// Empty: the management API answers 401 to everything.
    var key = ""
    var paymentTimeout: Double = 300
    var stepLatency: Duration = .milliseconds(100)
    /// How long a SIGTERM lets running activities finish before the journal closes.
    var grace: Duration = .seconds(5)
    /// `info` shows each order's progress lines (the orchestrations' replay-safe `context.log`).
    var logLevel: Logger.Level = .info

    static let usage = """
        usage: OrderServiceHTTP [--host ADDRESS] [--port N] [--journal DIR] [--key KEY]
                                [--payment-timeout SECONDS] [--step-latency MS] [--grace SECONDS]
                                [--log-level LEVEL]
          --host             address to bind (default 127.0.0.1)
          --port             port to bind, 0 for any free one (default 8080)
          --journal          the file journal's directory (default .durable)
          --key              the management API's key (or DURABLE_MANAGEMENT_KEY); without one it answers 401
          --payment-timeout  how long an order waits for the payment provider (default 300)
          --step-latency     simulated latency of each activity in milliseconds (default 100)
          --grace            how long shutdown lets running activities finish (default 5)
          --log-level        trace, debug, info, notice, warning, error or critical (default info:
                             a line per order step; notice and above leave them out)
        """

    /// Parses `arguments` (without the program name); a message for the user when they do not parse.
    static func parse(_ arguments: [String], environment: [String: String]) -> Result<Options, UsageError> {
        var options = Options()
        options.key = environment["DURABLE_MANAGEMENT_KEY"] ?? ""
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            if flag == "--help" || flag == "-h" { return .failure(UsageError(message: usage, isHelp: true)) }
            guard let value = rest.popFirst() else { return .failure(UsageError(message: "\(flag) needs a value")) }
            switch flag {
            case "--host":
                options.host = value
            case "--port":
                guard let port = Int(value), (0...65_535).contains(port) else { return .invalid(flag, value) }
                options.port = port
            case "--journal":
                guard !value.isEmpty else { return .invalid(flag, value) }
                options.journal = value
            case "--key":
                options.key = value
            case "--payment-timeout":
                // Bounded so a typo cannot arm a timer centuries away or a negative one.
                guard let seconds = Double(value), seconds.isFinite, seconds > 0, seconds <= 30 * 86_400 else {
                    return .invalid(flag, value)
                }
                options.paymentTimeout = seconds
            case "--step-latency":
                guard let milliseconds = Int(value), (0...3_600_000).contains(milliseconds) else {
                    return .invalid(flag, value)
                }
                options.stepLatency = .milliseconds(milliseconds)
            case "--grace":
                guard let seconds = Int(value), (0...3_600).contains(seconds) else { return .invalid(flag, value) }
                options.grace = .seconds(seconds)
            case "--log-level":
                guard let level = Logger.Level(rawValue: value) else { return .invalid(flag, value) }
                options.logLevel = level
            default:
                return .failure(UsageError(message: "unknown flag \(flag)\n\(usage)"))
            }
        }
        return .success(options)
    }
}

/// Why the command line was refused, or the help text asked for.
struct UsageError: Error {
    var message: String
    var isHelp = false
}

extension Result where Success == Options, Failure == UsageError {
    static func invalid(_ flag: String, _ value: String) -> Self {
        .failure(UsageError(message: "\(flag): '\(value)' is not a valid value\n\(Options.usage)"))
    }
}
