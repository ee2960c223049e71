import Durable
import Foundation
import Testing

/// Authorization and bad input: every answer is an HTTP status with a JSON error body, never a crash.
@Suite(.timeLimit(.minutes(1))) struct ManagementRobustnessTests {
    @Test func aMissingOrWrongKeyIs401AndTheCodeParameterOrHeaderPasses() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let path = ManagementHarness.prefix + "/instances"
        let none = await h.api.handle(ManagementRequest(method: "GET", path: path))
        #expect(none.status == 401)
        #expect(none.errorName == "Unauthorized")
        #expect(await h.api.handle(ManagementRequest(method: "GET", path: path, query: ["code": "s3cre"])).status == 401)
        #expect(
            await h.api.handle(ManagementRequest(method: "GET", path: path, headers: ["X-Functions-Key": "wrong"]))
                .status == 401)
        #expect(await h.api.handle(ManagementRequest(method: "GET", path: path, query: ["code": "s3cret"])).status == 200)
        #expect(
            await h.api.handle(ManagementRequest(method: "GET", path: path, headers: ["X-Functions-Key": "s3cret"]))
                .status == 200)
        // Refused before anything happens: an unauthorized start starts nothing.
        _ = await h.api.handle(ManagementRequest(method: "POST", path: ManagementHarness.prefix + "/orchestrators/WaitsForGo/x", body: Data("1".utf8)))
        await #expect(throws: DurableError.unknownInstance("x")) { try await h.runtime.client.status(of: "x") }
        // The key followed by 256 NULs: a length check folded into one byte would let it through.
        let padded = ManagementHarness.key + String(repeating: "\u{0}", count: 256)
        #expect(await h.api.handle(ManagementRequest(method: "GET", path: path, query: ["code": padded])).status == 401)
        #expect(await DurableHTTPAPI.requireKey("")(ManagementRequest(method: "GET", path: path, query: ["code": ""])) == false)
    }

    @Test func unknownRoutesAre404AndWrongMethods405WithAllow() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        // The prefix itself ("" and "/") is the dashboard's place now (DashboardTests).
        for target in ["/nope", "/instances/a/b/c/d/e", "/instances/a/explode", "/orchestrators"] {
            let response = await h.send("GET", target)
            #expect(response.status == 404, "\(target)")
            #expect(response.errorName == "NotFound")
            #expect(response.object["message"] is String)
        }
        #expect(await h.api.handle(ManagementRequest(method: "GET", path: "/elsewhere/instances")).status == 404)
        let wrong = await h.send("PUT", "/instances/a")
        #expect(wrong.status == 405)
        #expect(wrong.headers["Allow"] == "GET, DELETE")
        #expect(await h.send("GET", "/orchestrators/WaitsForGo").status == 405)
        #expect(await h.send("GET", "/instances/a/terminate").status == 405)
        #expect(await h.send("DELETE", "/instances").status == 405)
    }

    @Test func absurdQueryValuesAre400() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        for query in [
            "top=-1", "top=0", "top=1000000000000000000000000000000", "top=abc", "runtimeStatus=Sleeping",
            "createdTimeFrom=yesterday", "createdTimeTo=2026-13-45T99:00:00Z", "showInput=maybe",
        ] {
            let response = await h.send("GET", "/instances?\(query)")
            #expect(response.status == 400, "\(query)")
            #expect(response.errorName == "BadRequest")
        }
        #expect(await h.send("GET", "/instances/x?showHistory=perhaps").status == 400)
        #expect(await h.send("POST", "/instances/x/restart?restartWithNewInstanceId=2").status == 400)
        // A huge but valid page size is served, capped.
        #expect(await h.send("GET", "/instances?top=\(Int.max)").status == 200)
    }

    @Test func garbageBodiesAndPathsAre400NotCrashes() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        _ = await h.send("POST", "/orchestrators/WaitsForGo/w", body: "1")
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        for body in ["{", "\u{0}\u{1}", "nul", deep, "1 2"] {
            #expect(await h.send("POST", "/instances/w/raiseEvent/go", body: body).status == 400)
            #expect(await h.send("POST", "/orchestrators/WaitsForGo", body: body).status == 400)
        }
        let invalidUTF8 = await h.api.handle(
            ManagementRequest(
                method: "POST", path: ManagementHarness.prefix + "/instances/w/raiseEvent/go",
                headers: ["x-functions-key": ManagementHarness.key], body: Data([0xFF, 0xFE, 0x00])))
        #expect(invalidUTF8.status == 400)
        #expect(await h.send("GET", "/instances/%ZZ").status == 404)  // does not decode: no route
        #expect(await h.send("GET", "/instances/\(String(repeating: "x", count: 10_000))").status == 404)
        #expect(await h.send("GET", "/instances/w").status == 202)  // still running, untouched
    }

    @Test func aTooLargeEventIs413() async throws {
        let runtime = try await DurableRuntime(
            storage: .memory, configuration: .init(clock: ManualClock(), maxPayloadSize: 64)
        ) {
            MgmtWaitsForGo.self
        }
        defer { runtime.shutdown() }
        let api = DurableHTTPAPI(client: runtime.client, authorize: { _ in true })
        _ = try await runtime.client.start(MgmtWaitsForGo.self, input: 1, instanceId: "w")
        let big = "\"" + String(repeating: "x", count: 200) + "\""
        let response = await api.handle(
            ManagementRequest(method: "POST", target: "/runtime/webhooks/durabletask/instances/w/raiseEvent/go", body: Data(big.utf8)))
        #expect(response.status == 413)
    }

    @Test func checkStatusResponseEscapesTheIdAndUsesTheGivenBase() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let response = h.api.checkStatusResponse(for: "a/b c?", baseURL: "http://localhost:8080/")
        #expect(response.status == 202)
        let status = "http://localhost:8080/runtime/webhooks/durabletask/instances/a%2Fb%20c%3F"
        #expect(response.headers["Location"] == status)
        #expect(response.object["rewindPostUri"] as? String == status + "/rewind?reason={text}")
        #expect(response.object["id"] as? String == "a/b c?")
    }

    @Test func dfStatusNamesRoundTrip() {
        for status in RuntimeStatus.allCases {
            #expect(status.managementName.first?.isUppercase == true)
        }
        #expect(RuntimeStatus.continuedAsNew.managementName == "ContinuedAsNew")
    }
}
