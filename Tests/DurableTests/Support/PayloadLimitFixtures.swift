import Durable
import Foundation

// Orchestrations and helpers for PayloadLimitTests: each tries a value one byte over a small
// limit, then one exactly at it.

/// The limit most tests configure: small, so oversize values are cheap to make.
let smallLimit = 1024

/// Text whose JSON encoding is exactly `bytes` bytes: plain letters between two quotes.
func json(bytes: Int) -> String {
    String(repeating: "x", count: bytes - 2)
}

extension DurableRuntime {
    /// An in-memory runtime on `clock` that takes payloads of up to ``smallLimit`` bytes.
    static func limited(
        _ clock: ManualClock = ManualClock(), @RegistrationBuilder _ registrations: () -> [Registration]
    ) async throws -> DurableRuntime {
        try await DurableRuntime(
            storage: .memory, configuration: Configuration(clock: clock, maxPayloadSize: smallLimit), registrations)
    }
}

extension Array where Element == HistoryEvent {
    /// The byte count of every payload and reason the history holds, for "nothing oversize was recorded".
    var largestValue: Int {
        map { event -> Int in
            switch event.kind {
            case .executionStarted(_, let payload, _, _, _, _), .taskScheduled(_, _, let payload, _),
                .taskCompleted(_, let payload), .subOrchestrationCreated(_, _, _, let payload),
                .subOrchestrationCompleted(_, let payload), .eventRaised(_, let payload, _), .eventSent(_, _, _, let payload, _),
                .customStatusSet(let payload), .executionCompleted(let payload):
                payload.data.count
            case .executionSuspended(let reason), .executionResumed(let reason), .executionTerminated(let reason, _):
                reason?.utf8.count ?? 0
            case .taskFailed, .subOrchestrationFailed, .timerCreated, .timerFired, .executionFailed, .patchMarker, .eventWaitStarted, .executionRepaired:
                0
            }
        }.max() ?? 0
    }
}

struct EchoText: Orchestration {
    func run(_ text: String, context: OrchestrationContext) async throws -> String { text }
}

/// Waits for the event `note` and returns how many bytes of text it brought.
struct AwaitNote: Orchestration {
    func run(_ input: String, context: OrchestrationContext) async throws -> Int {
        try await context.waitForEvent("note", as: String.self).utf8.count
    }
}

/// Returns text of `sizes[attempt - 1]` JSON bytes (the last size for later attempts).
struct ProduceText: Activity {
    func run(_ sizes: [Int], context: ActivityContext) async throws -> String {
        json(bytes: sizes[min(context.attempt, sizes.count) - 1])
    }
}

/// Retries `ProduceText` while its result is over the payload limit; returns the result's length.
struct RetriesOversizeResult: Orchestration {
    func run(_ sizes: [Int], context: OrchestrationContext) async throws -> Int {
        let policy = RetryPolicy(maxAttempts: 3, firstRetryInterval: .seconds(1)) { failure in
            failure.errorType == "Durable.DurableError" && failure.message.contains("payload limit")
        }
        return try await context.call(ProduceText.self, sizes, retry: policy).utf8.count
    }
}

/// Catches `ProduceText`'s failure and returns its message.
struct CatchesOversizeResult: Orchestration {
    func run(_ sizes: [Int], context: OrchestrationContext) async throws -> String {
        do {
            return "no failure: \(try await context.call(ProduceText.self, sizes).utf8.count)"
        } catch let failure as ActivityFailure {
            return "\(failure.errorType) \(failure.attempt): \(failure.message)"
        }
    }
}

/// The fields of a ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` that orchestration
/// code caught, returned as output so the test can check them.
struct Refusal: Codable, Sendable, Equatable {
    var instanceId: String
    var step: String
    var size: Int
    var limit: Int

    init(instanceId: String, step: String, size: Int, limit: Int) {
        self.instanceId = instanceId
        self.step = step
        self.size = size
        self.limit = limit
    }

    /// `nil` unless `error` is a payload refusal.
    init?(_ error: any Error) {
        guard case DurableError.payloadTooLarge(let instanceId, let step, let size, let limit) = error else { return nil }
        self.init(instanceId: instanceId, step: step, size: size, limit: limit)
    }
}

/// What an orchestration saw when it tried a value one byte over the limit, then one at it.
struct SizedOutcome: Codable, Sendable, Equatable {
    var refusal: Refusal?
    var accepted: Int
}

struct MeasureText: Activity {
    func run(_ text: String, context: ActivityContext) async throws -> Int { text.utf8.count }
}

/// Calls `MeasureText` with input one byte over `limit`, catches the refusal, then calls it at the limit.
struct CallsActivityWithSizedInput: Orchestration {
    func run(_ limit: Int, context: OrchestrationContext) async throws -> SizedOutcome {
        var refusal: Refusal?
        do {
            _ = try await context.call(MeasureText.self, json(bytes: limit + 1))
        } catch {
            refusal = Refusal(error)
        }
        return SizedOutcome(refusal: refusal, accepted: try await context.call(MeasureText.self, json(bytes: limit)))
    }
}

/// Starts `EchoText` children with input one byte over `limit`, then at it.
struct CallsChildWithSizedInput: Orchestration {
    func run(_ limit: Int, context: OrchestrationContext) async throws -> SizedOutcome {
        var refusal: Refusal?
        do {
            _ = try await context.callSubOrchestration(EchoText.self, json(bytes: limit + 1), instanceId: "child-over")
        } catch {
            refusal = Refusal(error)
        }
        let echoed = try await context.callSubOrchestration(EchoText.self, json(bytes: limit), instanceId: "child-exact")
        return SizedOutcome(refusal: refusal, accepted: echoed.utf8.count)
    }
}

/// Sends `note` to the instance `receiver` with a payload one byte over `limit`, then at it.
struct SendsSizedNote: Orchestration {
    func run(_ limit: Int, context: OrchestrationContext) async throws -> SizedOutcome {
        var refusal: Refusal?
        do {
            try await context.sendEvent(to: "receiver", name: "note", payload: json(bytes: limit + 1))
        } catch {
            refusal = Refusal(error)
        }
        try await context.sendEvent(to: "receiver", name: "note", payload: json(bytes: limit))
        return SizedOutcome(refusal: refusal, accepted: limit)
    }
}

/// Returns text of `bytes` JSON bytes.
struct ReturnsSizedText: Orchestration {
    func run(_ bytes: Int, context: OrchestrationContext) async throws -> String { json(bytes: bytes) }
}

/// Sets a custom status at the limit, then one of `bytes` bytes, then calls an activity.
struct SetsSizedStatus: Orchestration {
    func run(_ bytes: Int, context: OrchestrationContext) async throws -> String {
        context.setCustomStatus(json(bytes: smallLimit))
        context.setCustomStatus(json(bytes: bytes))
        _ = try await context.call(MeasureText.self, "after the status")
        return "done"
    }
}

/// The input of each execution of `ContinuesWithSizedInput`: empty padding in the first.
struct Generation: Codable, Sendable {
    var padding = ""
    var refusal: Refusal?
}

/// Tries to continue as new with an input over the limit, catches the refusal, and carries it
/// into the next execution in an input padded to exactly the limit.
struct ContinuesWithSizedInput: Orchestration {
    func run(_ generation: Generation, context: OrchestrationContext) async throws -> SizedOutcome {
        guard generation.padding.isEmpty else {
            return SizedOutcome(refusal: generation.refusal, accepted: try Payload(encoding: generation).data.count)
        }
        var refusal: Refusal?
        do {
            try context.continueAsNew(with: Generation(padding: json(bytes: smallLimit)))
        } catch let error as DurableError {  // not the signal that ends the execution
            refusal = Refusal(error)
        }
        let unpadded = try Payload(encoding: Generation(padding: "", refusal: refusal)).data.count
        try context.continueAsNew(
            with: Generation(padding: String(repeating: "x", count: smallLimit - unpadded), refusal: refusal))
    }
}

/// An error whose description is whatever the test makes it, such as a whole response body.
struct VerboseError: Error, CustomStringConvertible {
    var description: String
}

/// Text of `bytes` UTF-8 bytes built from "a€" (1 + 3 bytes), so a cut can fall inside a character.
func verboseText(bytes: Int) -> String {
    let unit = "a€"
    return String(repeating: unit, count: bytes / 4) + String(repeating: "a", count: bytes % 4)
}

struct FailsVerbosely: Activity {
    func run(_ bytes: Int, context: ActivityContext) async throws -> Int {
        throw VerboseError(description: verboseText(bytes: bytes))
    }
}

/// Lets the activity's failure escape, so the instance fails with the same details.
struct CallsVerboseActivity: Orchestration {
    func run(_ bytes: Int, context: OrchestrationContext) async throws -> Int {
        try await context.call(FailsVerbosely.self, bytes)
    }
}

struct ThrowsVerbosely: Orchestration {
    func run(_ bytes: Int, context: OrchestrationContext) async throws -> Int {
        throw VerboseError(description: verboseText(bytes: bytes))
    }
}
