import Durable
import Foundation
import Testing

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
        // Suspend only once the code is parked on its wait: otherwise the wait marker lands before,
        // between or after the three client entries, depending on scheduling.
        try await waitUntilRecorded("EventWaitStarted", in: "r", client: client)
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
        #expect(history.kindNames == [
            "ExecutionStarted", "EventWaitStarted", "ExecutionSuspended", "ExecutionResumed", "ExecutionTerminated",
        ])
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
                // The instance's own failure names the activity first, and its marker still names
                // the original message's length.
                let head = recorded.count == 2 && failure == recorded.last
                    ? "activity 'FailsVerbosely' failed: \(failure.errorType): " : ""
                // Bools first: a failed expectation would print the megabyte.
                let endsWithMarker = failure.message.hasSuffix(marker)
                let startsWithTheHead = failure.message.hasPrefix(head)
                let thenTheOriginal = verboseText(bytes: huge)
                    .hasPrefix(failure.message.dropFirst(head.count).dropLast(marker.count))
                #expect(endsWithMarker)
                #expect(startsWithTheHead)
                #expect(thenTheOriginal)
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

/// Waits (polling, at most 10 s) until the instance's history holds an entry of `kind`.
private func waitUntilRecorded(_ kind: String, in id: String, client: DurableClient) async throws {
    for _ in 0..<5_000 {
        if try await client.history(of: id).kindNames.contains(kind) { return }
        try await Task.sleep(for: .milliseconds(2))
    }
    Issue.record("'\(id)' never recorded \(kind)")
}
