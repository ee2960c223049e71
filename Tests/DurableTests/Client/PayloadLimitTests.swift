import Durable
import Foundation
import Testing

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
            case .executionStarted(_, let payload, _, _), .taskScheduled(_, _, let payload, _),
                .taskCompleted(_, let payload), .subOrchestrationCreated(_, _, _, let payload),
                .subOrchestrationCompleted(_, let payload), .eventRaised(_, let payload), .eventSent(_, _, _, let payload),
                .customStatusSet(let payload), .executionCompleted(let payload):
                payload.data.count
            case .executionSuspended(let reason), .executionResumed(let reason), .executionTerminated(let reason):
                reason?.utf8.count ?? 0
            case .taskFailed, .subOrchestrationFailed, .timerCreated, .timerFired, .executionFailed:
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

@Suite struct PayloadLimitTests {
    // MARK: Configuration

    @Test func aLimitOutsideOneByteTo64MiBIsATypedErrorAtInit() async throws {
        #expect(DurableRuntime.Configuration().maxPayloadSize == 16 << 20)
        #expect(DurableRuntime.Configuration.payloadSizeCeiling == 64 << 20)
        for size in [0, -1, 1 << 30, (64 << 20) + 1, Int.min, Int.max] {
            let directory = TemporaryDirectory()
            do {
                _ = try await DurableRuntime(
                    storage: .directory(directory.path), configuration: .init(maxPayloadSize: size)
                ) { PlaceOrder.self }
                Issue.record("maxPayloadSize \(size) was accepted")
            } catch DurableError.invalidConfiguration(let message) {
                #expect(message.hasPrefix("maxPayloadSize is \(size) bytes; it must be at least 1 and at most 67108864"))
                #expect(DurableError.invalidConfiguration(message).description.hasPrefix("Invalid DurableRuntime.Configuration"))
            }
            // Refused before the storage was opened: the directory holds no journal.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        }
        for size in [1, 64 << 20] {
            let runtime = try await DurableRuntime(storage: .memory, configuration: .init(maxPayloadSize: size)) {
                PlaceOrder.self
            }
            runtime.shutdown()
        }
    }

    // MARK: From the client

    @Test func startRefusesAnInputOverTheLimitAndRecordsNothing() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.limited(clock) { EchoText.self }
        let client = runtime.client
        let over = json(bytes: smallLimit + 1)
        let refusal = DurableError.payloadTooLarge(
            instanceId: "big", step: "input of start", size: smallLimit + 1, limit: smallLimit)

        await #expect(throws: refusal) { try await client.start(EchoText.self, input: over, instanceId: "big") }
        await #expect(throws: refusal) {
            try await client.start(orchestrationNamed: "EchoText", input: Payload(encoding: over), instanceId: "big")
        }
        await #expect(throws: refusal) {
            try await client.start(EchoText.self, input: over, instanceId: "big", startAt: clock.now.addingTimeInterval(60))
        }
        do {
            try await client.start(EchoText.self, input: over)
            Issue.record("an oversize input with a generated id was accepted")
        } catch DurableError.payloadTooLarge(let instanceId, let step, let size, let limit) {
            #expect(!instanceId.isEmpty)  // the id the instance would have had
            #expect(step == "input of start" && size == smallLimit + 1 && limit == smallLimit)
        }
        await #expect(throws: DurableError.unknownInstance("big")) { try await client.history(of: "big") }
        #expect(await client.list().instances.isEmpty)
        #expect(refusal.description.hasPrefix("Instance 'big': the input of start is 1025 bytes, over the payload limit of 1024 bytes"))
        #expect(refusal.description.contains("pass a reference"))
        #expect(refusal.description.contains("maxPayloadSize"))

        let exact = json(bytes: smallLimit)
        try await client.start(EchoText.self, input: exact, instanceId: "exact")
        #expect(try await client.result(of: "exact", as: EchoText.self, timeout: .seconds(10)) == exact)
        #expect(try await client.history(of: "exact").largestValue == smallLimit)
        try await client.start(EchoText.self, input: exact, instanceId: "later", startAt: clock.now.addingTimeInterval(60))
        #expect(try await client.status(of: "later").runtimeStatus == .pending)
    }

    @Test func aBatchWithOneInputOverTheLimitStartsNothing() async throws {
        let runtime = try await DurableRuntime.limited { EchoText.self }
        let client = runtime.client
        let over = json(bytes: smallLimit + 1)

        do {
            try await client.start(EchoText.self, inputs: [json(bytes: 10), over, json(bytes: 20)])
            Issue.record("a batch with an oversize input started")
        } catch DurableError.payloadTooLarge(_, let step, let size, let limit) {
            #expect(step == "input of start" && size == smallLimit + 1 && limit == smallLimit)
        }
        #expect(await client.list().instances.isEmpty)

        await #expect(throws: DurableError.payloadTooLarge(
            instanceId: "b", step: "input of start", size: smallLimit + 1, limit: smallLimit)
        ) {
            try await client.start(
                EchoText.self, instances: [(instanceId: "a", input: "a"), (instanceId: "b", input: over), (instanceId: "c", input: "c")])
        }
        #expect(await client.list().instances.isEmpty)

        let exact = json(bytes: smallLimit)
        let ids = try await client.start(EchoText.self, instances: [(instanceId: "a", input: exact), (instanceId: "b", input: exact)])
        for id in ids {
            #expect(try await client.result(of: id, as: EchoText.self, timeout: .seconds(10)) == exact)
        }
    }

    @Test func raiseEventRefusesAPayloadOverTheLimitAndRecordsNothing() async throws {
        let runtime = try await DurableRuntime.limited { AwaitNote.self }
        let client = runtime.client
        try await client.start(AwaitNote.self, input: "", instanceId: "waiting")

        await #expect(throws: DurableError.payloadTooLarge(
            instanceId: "waiting", step: "event 'note'", size: smallLimit + 1, limit: smallLimit)
        ) {
            try await client.raiseEvent("waiting", name: "note", payload: json(bytes: smallLimit + 1))
        }
        #expect(try await client.history(of: "waiting").count(of: "EventRaised") == 0)
        #expect(try await client.status(of: "waiting").runtimeStatus == .running)

        try await client.raiseEvent("waiting", name: "note", payload: json(bytes: smallLimit))
        #expect(try await client.result(of: "waiting", as: AwaitNote.self, timeout: .seconds(10)) == smallLimit - 2)
        let history = try await client.history(of: "waiting")
        #expect(history.count(of: "EventRaised") == 1)
        #expect(history.largestValue == smallLimit)
    }

    @Test func aReasonOverTheLimitIsRefusedLikeAPayload() async throws {
        let runtime = try await DurableRuntime.limited { AwaitNote.self }
        let client = runtime.client
        try await client.start(AwaitNote.self, input: "", instanceId: "r")
        let over = String(repeating: "r", count: smallLimit + 1)
        let exact = String(repeating: "r", count: smallLimit)
        func refusal(_ operation: String) -> DurableError {
            .payloadTooLarge(instanceId: "r", step: "reason of \(operation)", size: smallLimit + 1, limit: smallLimit)
        }

        await #expect(throws: refusal("suspend")) { try await client.suspend("r", reason: over) }
        try await client.suspend("r", reason: exact)
        await #expect(throws: refusal("resume")) { try await client.resume("r", reason: over) }
        try await client.resume("r", reason: exact)
        await #expect(throws: refusal("terminate")) { try await client.terminate("r", reason: over) }
        try await client.terminate("r", reason: exact)

        #expect(try await client.waitForCompletion(of: "r", timeout: .seconds(10)).runtimeStatus == .terminated)
        let history = try await client.history(of: "r")
        #expect(history.kindNames.filter { $0 != "ExecutionStarted" } == ["ExecutionSuspended", "ExecutionResumed", "ExecutionTerminated"])
        #expect(history.largestValue == smallLimit)
    }

    @Test func theDefaultLimitRefusesA17MiBStartAndTheJournalStillOpens() async throws {
        let directory = TemporaryDirectory()
        // A JSON string of 17 MiB, made as bytes: encoding it would take longer than the test.
        var input = Data(repeating: UInt8(ascii: "x"), count: 17 << 20)
        input[input.startIndex] = UInt8(ascii: "\"")
        input[input.index(before: input.endIndex)] = UInt8(ascii: "\"")
        do {
            let runtime = try await DurableRuntime(storage: .directory(directory.path)) { EchoText.self }
            await #expect(throws: DurableError.payloadTooLarge(
                instanceId: "huge", step: "input of start", size: 17 << 20, limit: 16 << 20)
            ) {
                try await runtime.client.start(orchestrationNamed: "EchoText", input: Payload(data: input), instanceId: "huge")
            }
            try await runtime.client.start(EchoText.self, input: "small", instanceId: "small")
            #expect(try await runtime.client.result(of: "small", as: EchoText.self, timeout: .seconds(10)) == "small")
            runtime.shutdown()
        }
        let reopened = try await DurableRuntime(storage: .directory(directory.path)) { EchoText.self }
        #expect(try await reopened.client.status(of: "small").runtimeStatus == .completed)
        await #expect(throws: DurableError.unknownInstance("huge")) { try await reopened.client.history(of: "huge") }
        reopened.shutdown()
    }

    // MARK: Activity results

    @Test func anActivityResultOverTheLimitFailsTheAttemptAndARetrySeesIt() async throws {
        let clock = ManualClock()
        let runtime = try await DurableRuntime.limited(clock) {
            RetriesOversizeResult.self
            ProduceText()
        }
        let id = try await runtime.client.start(RetriesOversizeResult.self, input: [smallLimit + 1, smallLimit])

        let (status, timersFired) = try await runtime.drive(id, on: clock)
        #expect(status.runtimeStatus == .completed)
        #expect(try status.output?.decode(Int.self) == smallLimit - 2)  // the second attempt's, exactly at the limit
        #expect(timersFired == 1)
        let history = try await runtime.client.history(of: id)
        #expect(history.kindNames == [
            "ExecutionStarted", "TaskScheduled", "TaskFailed", "TimerCreated", "TimerFired", "TaskScheduled",
            "TaskCompleted", "ExecutionCompleted",
        ])
        let failures = history.compactMap { event -> FailureDetails? in
            if case .taskFailed(_, let failure) = event.kind { return failure }
            return nil
        }
        #expect(failures == [FailureDetails(DurableError.payloadTooLarge(
            instanceId: id, step: "result of activity 'ProduceText' (#0)", size: smallLimit + 1, limit: smallLimit))])
        #expect(history.largestValue == smallLimit)
    }

    @Test func anActivityResultOverTheLimitIsAFailureTheCallerCatches() async throws {
        let runtime = try await DurableRuntime.limited {
            CatchesOversizeResult.self
            ProduceText()
        }
        let id = try await runtime.client.start(CatchesOversizeResult.self, input: [smallLimit + 1], instanceId: "catches")

        let refusal = DurableError.payloadTooLarge(
            instanceId: "catches", step: "result of activity 'ProduceText' (#0)", size: smallLimit + 1, limit: smallLimit)
        #expect(try await runtime.client.result(of: id, as: CatchesOversizeResult.self, timeout: .seconds(10))
            == "Durable.DurableError 1: \(refusal)")
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "TaskFailed") == 1)
        #expect(history.count(of: "TaskCompleted") == 0)
        #expect(history.largestValue < smallLimit)
    }

    // MARK: Commands the orchestration issues

    @Test func anActivityInputOverTheLimitThrowsAtTheCallAndRecordsNothing() async throws {
        let runtime = try await DurableRuntime.limited {
            CallsActivityWithSizedInput.self
            MeasureText()
        }
        let id = try await runtime.client.start(CallsActivityWithSizedInput.self, input: smallLimit, instanceId: "caller")

        let outcome = try await runtime.client.result(of: id, as: CallsActivityWithSizedInput.self, timeout: .seconds(10))
        #expect(outcome == SizedOutcome(
            refusal: Refusal(instanceId: "caller", step: "input of activity 'MeasureText'", size: smallLimit + 1, limit: smallLimit),
            accepted: smallLimit - 2))
        let history = try await runtime.client.history(of: id)
        #expect(history.kindNames == ["ExecutionStarted", "TaskScheduled", "TaskCompleted", "ExecutionCompleted"])
        #expect(history[1].kind.sequence == 0)  // the refused call took no sequence number
        #expect(history.largestValue == smallLimit)
        // A replay refuses the same call the same way, and so agrees with the history.
        let replayed = try await runtime.replay(history, instanceId: id)
        #expect(replayed.outcome == .completed(try Payload(encoding: outcome)))
        #expect(replayed.newEvents.isEmpty)
    }

    @Test func aLoweredLimitStillReplaysCommandsAHigherOneRecorded() async throws {
        let roomy = try await DurableRuntime(storage: .memory, configuration: .init(maxPayloadSize: 4 * smallLimit)) {
            CallsActivityWithSizedInput.self
            MeasureText()
        }
        // Under the higher limit both calls, 2 * smallLimit + 1 and 2 * smallLimit bytes, are recorded.
        let id = try await roomy.client.start(CallsActivityWithSizedInput.self, input: 2 * smallLimit)
        let outcome = try await roomy.client.result(of: id, as: CallsActivityWithSizedInput.self, timeout: .seconds(10))
        #expect(outcome == SizedOutcome(refusal: nil, accepted: 2 * smallLimit - 2))
        let history = try await roomy.client.history(of: id)
        #expect(history.count(of: "TaskScheduled") == 2)

        let strict = try await DurableRuntime.limited {
            CallsActivityWithSizedInput.self
            MeasureText()
        }
        let replayed = try await strict.replay(history, instanceId: id)
        #expect(replayed.outcome == .completed(try Payload(encoding: outcome)))
        #expect(replayed.newEvents.isEmpty)
    }

    @Test func aSubOrchestrationInputOverTheLimitThrowsAtTheCallAndStartsNoChild() async throws {
        let runtime = try await DurableRuntime.limited {
            CallsChildWithSizedInput.self
            EchoText.self
        }
        let id = try await runtime.client.start(CallsChildWithSizedInput.self, input: smallLimit, instanceId: "parent")

        let outcome = try await runtime.client.result(of: id, as: CallsChildWithSizedInput.self, timeout: .seconds(10))
        #expect(outcome == SizedOutcome(
            refusal: Refusal(instanceId: "parent", step: "input of sub-orchestration 'EchoText'", size: smallLimit + 1, limit: smallLimit),
            accepted: smallLimit - 2))
        await #expect(throws: DurableError.unknownInstance("child-over")) { try await runtime.client.history(of: "child-over") }
        let history = try await runtime.client.history(of: id)
        #expect(history.count(of: "SubOrchestrationCreated") == 1)
        #expect(history.largestValue == smallLimit)
        #expect(try await runtime.client.history(of: "child-exact").largestValue == smallLimit)
    }

    @Test func aSentEventOverTheLimitThrowsAtTheCallAndIsNotDelivered() async throws {
        let runtime = try await DurableRuntime.limited {
            SendsSizedNote.self
            AwaitNote.self
        }
        try await runtime.client.start(AwaitNote.self, input: "", instanceId: "receiver")
        let id = try await runtime.client.start(SendsSizedNote.self, input: smallLimit, instanceId: "sender")

        let outcome = try await runtime.client.result(of: id, as: SendsSizedNote.self, timeout: .seconds(10))
        #expect(outcome.refusal == Refusal(
            instanceId: "sender", step: "event 'note' sent to 'receiver'", size: smallLimit + 1, limit: smallLimit))
        #expect(try await runtime.client.result(of: "receiver", as: AwaitNote.self, timeout: .seconds(10)) == smallLimit - 2)
        let sent = try await runtime.client.history(of: id)
        #expect(sent.count(of: "EventSent") == 1)
        #expect(sent.largestValue == smallLimit)
        let received = try await runtime.client.history(of: "receiver")
        #expect(received.count(of: "EventRaised") == 1)
        #expect(received.largestValue == smallLimit)
    }

    // MARK: What the orchestration produces itself

    @Test func anOutputOverTheLimitFailsTheInstanceInsteadOfCompletingIt() async throws {
        let runtime = try await DurableRuntime.limited { ReturnsSizedText.self }
        let id = try await runtime.client.start(ReturnsSizedText.self, input: smallLimit + 1, instanceId: "over")

        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure == FailureDetails(DurableError.payloadTooLarge(
            instanceId: "over", step: "output", size: smallLimit + 1, limit: smallLimit)))
        #expect(status.output == nil)
        let history = try await runtime.client.history(of: id)
        #expect(history.kindNames == ["ExecutionStarted", "ExecutionFailed"])

        let exact = try await runtime.client.start(ReturnsSizedText.self, input: smallLimit)
        #expect(try await runtime.client.result(of: exact, as: ReturnsSizedText.self, timeout: .seconds(10))
            == json(bytes: smallLimit))
        #expect(try await runtime.client.history(of: exact).largestValue == smallLimit)
    }

    @Test func aCustomStatusOverTheLimitIsNotRecordedAndFailsTheInstance() async throws {
        let runtime = try await DurableRuntime.limited {
            SetsSizedStatus.self
            MeasureText()
        }
        let id = try await runtime.client.start(SetsSizedStatus.self, input: smallLimit + 1, instanceId: "status")

        let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
        #expect(status.runtimeStatus == .failed)
        #expect(status.failure == FailureDetails(DurableError.payloadTooLarge(
            instanceId: "status", step: "custom status", size: smallLimit + 1, limit: smallLimit)))
        #expect(try status.customStatus(as: String.self) == json(bytes: smallLimit))  // the last one recorded
        let history = try await runtime.client.history(of: id)
        // Failed at the call: the activity after it was never scheduled.
        #expect(history.kindNames == ["ExecutionStarted", "CustomStatusSet", "ExecutionFailed"])
        #expect(history.largestValue == smallLimit)

        let exact = try await runtime.client.start(SetsSizedStatus.self, input: smallLimit)
        #expect(try await runtime.client.result(of: exact, as: SetsSizedStatus.self, timeout: .seconds(10)) == "done")
        #expect(try await runtime.client.history(of: exact).count(of: "CustomStatusSet") == 2)
    }

    @Test func aContinueAsNewInputOverTheLimitThrowsAtTheCall() async throws {
        let runtime = try await DurableRuntime.limited { ContinuesWithSizedInput.self }
        let id = try await runtime.client.start(ContinuesWithSizedInput.self, input: Generation(), instanceId: "eternal")

        let outcome = try await runtime.client.result(of: id, as: ContinuesWithSizedInput.self, timeout: .seconds(10))
        let refusedSize = try Payload(encoding: Generation(padding: json(bytes: smallLimit))).data.count
        #expect(outcome == SizedOutcome(
            refusal: Refusal(instanceId: "eternal", step: "continue-as-new input", size: refusedSize, limit: smallLimit),
            accepted: smallLimit))
        // The history is the second execution's: it started with the input at the limit.
        let history = try await runtime.client.history(of: id)
        #expect(history.kindNames == ["ExecutionStarted", "ExecutionCompleted"])
        #expect(history.largestValue == smallLimit)
    }

    // MARK: Failure details

    @Test func failureMessagesAreCutToABoundedLength() async throws {
        let runtime = try await DurableRuntime(storage: .memory) {
            CallsVerboseActivity.self
            ThrowsVerbosely.self
            FailsVerbosely()
        }
        let limit = FailureDetails.maximumTextLength
        #expect(limit == 64 << 10)
        let huge = 1 << 20
        let marker = "… (truncated, \(huge) bytes)"

        let viaActivity = try await runtime.client.start(CallsVerboseActivity.self, input: huge)
        let viaOrchestration = try await runtime.client.start(ThrowsVerbosely.self, input: huge)
        for id in [viaActivity, viaOrchestration] {
            let status = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
            #expect(status.runtimeStatus == .failed)
            let recorded = try await runtime.client.history(of: id).compactMap { event -> FailureDetails? in
                switch event.kind {
                case .taskFailed(_, let failure), .executionFailed(let failure): failure
                default: nil
                }
            }
            #expect(recorded.count == (id == viaActivity ? 2 : 1))  // TaskFailed, then ExecutionFailed
            for failure in recorded {
                #expect(failure.errorType.hasSuffix("VerboseError"))
                #expect(failure.message.utf8.count <= limit)
                #expect(failure.message.utf8.count > limit - 8)  // cut late, not early
                // Bools first: a failed expectation would print the megabyte.
                let endsWithMarker = failure.message.hasSuffix(marker)
                let startsAsTheOriginal = verboseText(bytes: huge).hasPrefix(failure.message.dropLast(marker.count))
                #expect(endsWithMarker)
                #expect(startsAsTheOriginal)
            }
            #expect(status.failure?.message.utf8.count ?? .max <= limit)
        }

        // At the bound, a message is kept whole.
        let atLimit = verboseText(bytes: limit)
        let keptWhole = FailureDetails(VerboseError(description: atLimit)).message == atLimit
        #expect(keptWhole)
        let oneOver = FailureDetails(VerboseError(description: verboseText(bytes: limit + 1))).message
        let oneOverIsCut = oneOver.hasSuffix("… (truncated, \(limit + 1) bytes)") && oneOver.utf8.count <= limit
        #expect(oneOverIsCut)
    }
}
