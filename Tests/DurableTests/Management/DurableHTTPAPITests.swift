import Durable
import Foundation
import Testing

/// Every route of the management API, its status codes and Durable Functions' JSON field names.
@Suite(.timeLimit(.minutes(1))) struct DurableHTTPAPITests {
    private let checkStatusFields: Set<String> = [
        "id", "statusQueryGetUri", "sendEventPostUri", "terminatePostUri", "suspendPostUri", "resumePostUri",
        "purgeHistoryDeleteUri", "rewindPostUri", "restartPostUri",
    ]
    private let statusFields: Set<String> = [
        "name", "instanceId", "runtimeStatus", "input", "customStatus", "output", "createdTime", "lastUpdatedTime",
    ]

    @Test func startByNameAnswers202WithLocationAndTheCheckStatusPayload() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let response = await h.send("POST", "/orchestrators/NapThenEcho/order%201", body: "\"pen\"")

        #expect(response.status == 202)
        let base = "https://ops.example.com/runtime/webhooks/durabletask/instances/order%201"
        #expect(response.headers["Location"] == base)
        #expect(Set(response.object.keys) == checkStatusFields)
        #expect(response.object["id"] as? String == "order 1")
        #expect(response.object["statusQueryGetUri"] as? String == base)
        #expect(response.object["sendEventPostUri"] as? String == base + "/raiseEvent/{eventName}")
        #expect(response.object["terminatePostUri"] as? String == base + "/terminate?reason={text}")
        #expect(response.object["purgeHistoryDeleteUri"] as? String == base)
        #expect(try await h.runtime.client.status(of: "order 1").input.decode(String.self) == "pen")
    }

    @Test func aLinkQueryEndsEveryURIAsDurableFunctionsPutsItsKeyThere() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let api = DurableHTTPAPI(
            client: h.runtime.client, baseURL: "http://127.0.0.1:8080", linkQuery: "?code=k1",
            authorize: DurableHTTPAPI.requireKey("k1"))
        let response = api.checkStatusResponse(for: "a b", baseURL: api.baseURL)
        let base = "http://127.0.0.1:8080/runtime/webhooks/durabletask/instances/a%20b"
        #expect(response.headers["Location"] == base + "?code=k1")
        #expect(response.object["statusQueryGetUri"] as? String == base + "?code=k1")
        #expect(response.object["sendEventPostUri"] as? String == base + "/raiseEvent/{eventName}?code=k1")
        #expect(response.object["terminatePostUri"] as? String == base + "/terminate?reason={text}&code=k1")
        #expect(response.object["restartPostUri"] as? String == base + "/restart?code=k1")
        #expect(response.object["purgeHistoryDeleteUri"] as? String == base + "?code=k1")
        // The URI it hands out is one the API itself accepts, key and all.
        _ = try await h.runtime.client.start(MgmtWaitsForGo.self, input: 1, instanceId: "a b")
        let target = try #require(response.object["statusQueryGetUri"] as? String).replacingOccurrences(
            of: "http://127.0.0.1:8080", with: "")
        #expect(await api.handle(ManagementRequest(method: "GET", target: target)).status == 202)
    }

    @Test func startWithoutAnIdMakesOneAndRefusesATakenIdUnknownNameAndWrongInput() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let fresh = await h.send("POST", "/orchestrators/WaitsForGo", body: "1")
        #expect(fresh.status == 202)
        let id = try #require(fresh.object["id"] as? String)
        #expect(try await h.runtime.client.status(of: id).name == "WaitsForGo")

        #expect(await h.send("POST", "/orchestrators/WaitsForGo/\(id)", body: "1").status == 409)
        // Durable Functions answers 400 for a start of an unknown function (an ArgumentException there).
        let unknown = await h.send("POST", "/orchestrators/NoSuchThing", body: "1")
        #expect(unknown.status == 400)
        #expect(unknown.errorName == "BadRequest")
        let wrongType = await h.send("POST", "/orchestrators/WaitsForGo", body: "\"not a number\"")
        #expect(wrongType.status == 400)
        #expect(wrongType.errorName == "BadRequest")
        #expect(await h.send("POST", "/orchestrators/WaitsForGo", body: "{nope").status == 400)
    }

    @Test func statusIs202WhileRunningAnd200WhenCompletedWithDFFieldNames() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        _ = await h.send("POST", "/orchestrators/NapThenEcho/nap", body: "\"pen\"")
        _ = try await h.runtime.client.waitForStart(of: "nap", timeout: .seconds(10))

        let running = await h.send("GET", "/instances/nap")
        #expect(running.status == 202)
        #expect(Set(running.object.keys) == statusFields)
        #expect(running.object["runtimeStatus"] as? String == "Running")
        #expect(running.object["input"] as? String == "pen")
        #expect(running.object["name"] as? String == "NapThenEcho")
        // The asynchronous 202 pattern: where to poll, and not in a tight loop.
        #expect(running.headers["Location"] == "https://ops.example.com/runtime/webhooks/durabletask/instances/nap")
        #expect(running.headers["Retry-After"] == "5")

        _ = try await h.clock.advance(untilFinished: "nap", in: h.runtime)
        let done = await h.send("GET", "/instances/nap?showHistory=true&showHistoryOutput=true&showInput=false")
        #expect(done.status == 200)
        #expect(done.headers["Location"] == nil)
        #expect(done.object["runtimeStatus"] as? String == "Completed")
        #expect(done.object["output"] as? String == "echo pen")
        #expect(done.object["customStatus"] as? String == "napping")
        #expect(done.object["input"] is NSNull)
        let history = try #require(done.object["historyEvents"] as? [[String: Any]])
        #expect(history.first?["EventType"] as? String == "ExecutionStarted")
        #expect(history.contains { $0["EventType"] as? String == "TimerFired" })
        #expect(history.last?["Result"] as? String == "echo pen")
        let created = try #require(done.object["createdTime"] as? String)
        #expect(ISO8601DateFormatter().date(from: created.replacingOccurrences(of: ".000", with: "")) != nil)
        #expect(await h.send("GET", "/instances/nobody").status == 404)
    }

    @Test func raiseEventIs202ThenGoneOnceFinishedAnd404ForUnknown() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        _ = await h.send("POST", "/orchestrators/WaitsForGo/w", body: "1")
        // Only JSON is taken (a missing Content-Type is read as JSON); parameters of the type are fine.
        let plain = await h.send("POST", "/instances/w/raiseEvent/go", body: "41", headers: ["Content-Type": "text/plain"])
        #expect(plain.status == 400)
        #expect(plain.errorName == "BadRequest")
        let typed = ["Content-Type": "application/json; charset=utf-8"]
        #expect(await h.send("POST", "/instances/w/raiseEvent/go", body: "41", headers: typed).status == 202)
        let status = try await h.runtime.client.waitForCompletion(of: "w", timeout: .seconds(10))
        #expect(try status.output(as: Int.self) == 42)

        #expect(await h.send("POST", "/instances/w/raiseEvent/go", body: "1").status == 410)
        #expect(await h.send("POST", "/instances/nobody/raiseEvent/go", body: "1").status == 404)
        #expect(await h.send("POST", "/instances/w/raiseEvent/go", body: "[1,").status == 400)
    }

    @Test func terminateSuspendResumeAnswer202AndGoneOnceFinished() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        _ = await h.send("POST", "/orchestrators/WaitsForGo/w", body: "1")
        _ = try await h.runtime.client.waitForStart(of: "w", timeout: .seconds(10))

        #expect(await h.send("POST", "/instances/w/suspend?reason=ops").status == 202)
        #expect(await h.send("GET", "/instances/w").object["runtimeStatus"] as? String == "Suspended")
        #expect(await h.send("POST", "/instances/w/resume").status == 202)
        #expect(await h.send("GET", "/instances/w").object["runtimeStatus"] as? String == "Running")
        #expect(await h.send("POST", "/instances/w/terminate?reason=no%20longer%20needed").status == 202)
        let terminated = try await h.runtime.client.waitForCompletion(of: "w", timeout: .seconds(10))
        #expect(terminated.terminationReason == "no longer needed")
        let status = await h.send("GET", "/instances/w")
        #expect(status.status == 200)
        #expect(status.object["runtimeStatus"] as? String == "Terminated")
        #expect(status.object["output"] as? String == "no longer needed")

        #expect(await h.send("POST", "/instances/w/terminate").status == 410)
        #expect(await h.send("POST", "/instances/w/suspend").status == 410)
        #expect(await h.send("POST", "/instances/nobody/terminate").status == 404)
    }

    @Test func aFailedInstanceShows200OrOn500RequestAndRewindRunsItAgain() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        _ = await h.send("POST", "/orchestrators/FlakyOnce/f", body: "\"x\"")
        #expect(try await h.runtime.client.waitForCompletion(of: "f", timeout: .seconds(10)).runtimeStatus == .failed)
        let failed = await h.send("GET", "/instances/f")
        #expect(failed.status == 200)
        #expect(failed.object["runtimeStatus"] as? String == "Failed")
        #expect((failed.object["output"] as? String)?.contains("Outage") == true)
        #expect(await h.send("GET", "/instances/f?returnInternalServerErrorOnFailure=true").status == 500)

        #expect(await h.send("POST", "/instances/f/rewind?reason=fixed").status == 202)
        let status = try await h.runtime.client.waitForCompletion(of: "f", timeout: .seconds(10))
        #expect(try status.output(as: String.self) == "done x")
        // Durable Functions: only a failed instance can be rewound, anything else is 412.
        #expect(await h.send("POST", "/instances/f/rewind").status == 412)
    }

    @Test func restartStartsAFinishedInstanceAgainUnderANewIdOrItsOwn() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        _ = await h.send("POST", "/orchestrators/FlakyOnce/f", body: "\"x\"")
        _ = try await h.runtime.client.waitForCompletion(of: "f", timeout: .seconds(10))

        let again = await h.send("POST", "/instances/f/restart")
        #expect(again.status == 202)
        let newId = try #require(again.object["id"] as? String)
        #expect(newId != "f")
        #expect(try await h.runtime.client.waitForCompletion(of: newId, timeout: .seconds(10)).runtimeStatus == .completed)
        let same = await h.send("POST", "/instances/f/restart?restartWithNewInstanceId=false")
        #expect(same.object["id"] as? String == "f")
        #expect(await h.send("POST", "/instances/nobody/restart").status == 400)  // Durable Functions' code
    }

    @Test func purgeDeletesAFinishedInstanceAndRefusesARunningOne() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        _ = await h.send("POST", "/orchestrators/WaitsForGo/w", body: "1")
        _ = try await h.runtime.client.waitForStart(of: "w", timeout: .seconds(10))
        #expect(await h.send("DELETE", "/instances/w").status == 412)  // only a finished instance is purged
        _ = await h.send("POST", "/instances/w/terminate")
        _ = try await h.runtime.client.waitForCompletion(of: "w", timeout: .seconds(10))

        let purged = await h.send("DELETE", "/instances/w")
        #expect(purged.status == 200)
        #expect(purged.object["instancesDeleted"] as? Int == 1)
        #expect(await h.send("DELETE", "/instances/w").status == 404)
        #expect(await h.send("GET", "/instances/w").status == 404)
    }

    @Test func listFiltersByStatusPrefixAndTimeAndPagesWithTheContinuationHeader() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let before = h.clock.now
        for id in ["a-1", "a-2", "a-3", "b-1"] { _ = await h.send("POST", "/orchestrators/WaitsForGo/\(id)", body: "1") }
        for id in ["a-1", "a-2", "a-3", "b-1"] { _ = try await h.runtime.client.waitForStart(of: id, timeout: .seconds(10)) }
        _ = await h.send("POST", "/instances/a-3/terminate")
        _ = try await h.runtime.client.waitForCompletion(of: "a-3", timeout: .seconds(10))

        let all = await h.send("GET", "/instances")
        #expect(all.status == 200)
        #expect(all.array.compactMap { $0["instanceId"] as? String } == ["a-1", "a-2", "a-3", "b-1"])
        #expect(Set(all.array.first?.keys ?? [:].keys) == statusFields)

        let running = await h.send("GET", "/instances?runtimeStatus=Running,Pending&instanceIdPrefix=a-")
        #expect(running.array.compactMap { $0["instanceId"] as? String } == ["a-1", "a-2"])
        let terminated = await h.send("GET", "/instances?runtimeStatus=terminated")
        #expect(terminated.array.compactMap { $0["instanceId"] as? String } == ["a-3"])

        let first = await h.send("GET", "/instances?top=2")
        #expect(first.array.count == 2)
        let token = try #require(first.headers["x-ms-continuation-token"])
        let second = await h.send("GET", "/instances?top=2", headers: ["x-ms-continuation-token": token])
        #expect(second.array.compactMap { $0["instanceId"] as? String } == ["a-3", "b-1"])
        #expect(second.headers["x-ms-continuation-token"] == nil)

        let iso = ISO8601DateFormatter()
        let later = iso.string(from: before.addingTimeInterval(3_600))
        #expect(await h.send("GET", "/instances?createdTimeFrom=\(later)").array.isEmpty)
        #expect(await h.send("GET", "/instances?createdTimeTo=\(later)").array.count == 4)
    }
}
