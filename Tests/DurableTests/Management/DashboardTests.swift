import Durable
import Foundation
import Testing

/// Retries a flaky activity, then calls a sub-orchestration: a history with every bar the
/// dashboard's timeline draws.
struct DashRetryThenChild: Orchestration {
    static var name: String { "RetryThenChild" }
    func run(_ input: String, context: OrchestrationContext) async throws -> String {
        let policy = RetryPolicy(maxAttempts: 3, firstRetryInterval: .seconds(1))
        let first = try await context.call(MgmtFlakyActivity.self, input, retry: policy)
        return try await context.callSubOrchestration(MgmtNapThenEcho.self, first, instanceId: "child-1")
    }
}

/// The built-in dashboard page: where it is served, with which headers, behind which check, and
/// what its markup and script may and may not contain.
@Suite(.timeLimit(.minutes(1))) struct DashboardTests {
    private static let prefix = ManagementHarness.prefix

    private func page(_ h: ManagementHarness, _ path: String, method: String = "GET", key: String? = ManagementHarness.key)
        async -> ManagementResponse
    {
        let target = Self.prefix + path + (key.map { "?code=\($0)" } ?? "")
        return await h.api.handle(ManagementRequest(method: method, target: target))
    }

    private func html(_ response: ManagementResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func servedAtDashboardAndThePrefixWithHTMLNoStoreAndAStrictPolicy() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        for path in ["/dashboard", "", "/", "/dashboard/"] {
            let response = await page(h, path)
            #expect(response.status == 200, "at '\(path)'")
            #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
            #expect(response.headers["Cache-Control"] == "no-store")
            let policy = try #require(response.headers["Content-Security-Policy"])
            #expect(policy.contains("default-src 'none'"))
            #expect(policy.contains("connect-src 'self'"))
            #expect(html(response).hasPrefix("<!DOCTYPE html>"))
        }
        // The key in a header works as well as in the query, as for every other route.
        let byHeader = await h.send("GET", "/dashboard")
        #expect(byHeader.status == 200)
    }

    @Test func refusedWithoutTheKeyAndForMethodsOtherThanGet() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let anonymous = await page(h, "/dashboard", key: nil)
        #expect(anonymous.status == 401)
        #expect(!html(anonymous).contains("<html"))
        #expect(await page(h, "/dashboard", key: "wrong").status == 401)
        #expect(await page(h, "", key: nil).status == 401)
        let post = await page(h, "/dashboard", method: "POST")
        #expect(post.status == 405)
        #expect(post.headers["Allow"] == "GET, HEAD")
        #expect(await page(h, "", method: "DELETE").status == 405)
        // HEAD: the GET's status and headers, without the page.
        let get = await page(h, "/dashboard")
        let head = await page(h, "/dashboard", method: "HEAD")
        #expect(head.status == 200 && head.headers == get.headers)
        #expect(head.body.isEmpty && !get.body.isEmpty)
        // Only the prefix and `dashboard` are the page: a longer path is still a 404.
        #expect(await page(h, "/dashboard/extra").status == 404)
        #expect(await page(h, "/dashboards").status == 404)
    }

    @Test func servedUnderACustomPrefixToo() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let api = DurableHTTPAPI(client: h.runtime.client, prefix: "ops/durable/", authorize: { _ in true })
        #expect(await api.handle(ManagementRequest(method: "GET", target: "/ops/durable/dashboard")).status == 200)
        #expect(await api.handle(ManagementRequest(method: "GET", target: "/ops/durable")).status == 200)
        // What a host asks before handing a request over: the prefix's segments, not its characters.
        for path in ["/ops/durable", "/ops/durable/", "//ops//durable/instances/x", "/ops/durable/dashboard"] {
            #expect(api.handles(path: path), "\(path)")
        }
        for path in ["/ops/durablex", "/ops", "/", "", "/order/x/status", "/ops/other/durable", "/x/ops/durable"] {
            #expect(!api.handles(path: path), "\(path)")
        }
        #expect(await api.handle(ManagementRequest(method: "GET", target: Self.prefix + "/dashboard")).status == 404)
    }

    @Test func thePageLoadsNothingFromElsewhere() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let text = html(await page(h, "/dashboard")).lowercased()
        for forbidden in ["http://", "https://", "//cdn", "<link", "src=\"", "@import", "url("] {
            #expect(!text.contains(forbidden), "the page contains \(forbidden)")
        }
    }

    @Test func theMarkersTheCICheckLooksForArePresent() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let text = html(await page(h, "/dashboard"))
        for marker in ["instance-row", "data-instance-id", "data-status", "timeline-bar", "#/instance/"] {
            #expect(text.contains(marker), "missing \(marker)")
        }
        // The script reads the key from its own URL and builds API paths from its own location.
        #expect(text.contains("get('code')"))
        #expect(text.contains("location.pathname"))
    }

    @Test func theScriptNeverWritesMarkupSoAnHostileIdCannotInject() async throws {
        let h = try await ManagementHarness()
        defer { h.runtime.shutdown() }
        let text = html(await page(h, "/dashboard"))
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "javascript:"] {
            #expect(!text.contains(sink), "the page uses \(sink)")
        }
        // The list's answer for such an id is JSON-escaped data, which the page puts in textContent.
        let hostile = "<img src=x onerror=alert(1)>"
        _ = try await h.runtime.client.start(MgmtWaitsForGo.self, input: 1, instanceId: hostile)
        let list = await h.send("GET", "/instances")
        #expect(list.array.contains { $0["instanceId"] as? String == hostile })
        #expect(html(await page(h, "/dashboard")).contains(hostile) == false)
    }

    @Test func historyNamesTheRetryAttemptAndTheSubOrchestrationsInstance() async throws {
        let clock = ManualClock()
        let runs = MgmtRunCounter()
        let runtime = try await DurableRuntime.manual(clock) {
            DashRetryThenChild.self
            MgmtNapThenEcho.self
            MgmtFlakyActivity(runs: runs)
        }
        defer { runtime.shutdown() }
        let api = DurableHTTPAPI(client: runtime.client, authorize: { _ in true })
        _ = try await runtime.client.start(DashRetryThenChild.self, input: "pen", instanceId: "parent")
        try await clock.advanceUntilAllFinished(in: runtime)
        #expect(try await runtime.client.status(of: "parent").runtimeStatus == .completed)

        let response = await api.handle(
            ManagementRequest(method: "GET", target: Self.prefix + "/instances/parent?showHistory=true"))
        let events = try #require(response.object["historyEvents"] as? [[String: Any]])
        let scheduled = events.filter { $0["EventType"] as? String == "TaskScheduled" }
        #expect(scheduled.compactMap { $0["Attempt"] as? Int } == [1, 2])
        #expect(scheduled.allSatisfy { $0["FunctionName"] as? String == MgmtFlakyActivity.name })
        #expect(events.contains { $0["EventType"] as? String == "TaskFailed" })
        let created = try #require(events.first { $0["EventType"] as? String == "SubOrchestrationCreated" })
        #expect(created["InstanceId"] as? String == "child-1")
        #expect(created["FunctionName"] as? String == "NapThenEcho")
    }
}
