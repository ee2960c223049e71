import Durable
import Foundation
import Testing

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
