@testable import Durable
import Foundation
import Synchronization
import Testing

/// `list`'s page selection: one pass keeping a sorted page instead of sorting every match.
@Suite struct InstanceListingTests {
    @Test func thePageIsTheSmallestIdsInOrder() {
        for count in [0, 1, 2, 7, 100, 1_000] {
            let ids = (0..<count).map { _ in "id-\(UInt32.random(in: 0...UInt32(max(1, count / 3))))" }
            for pageSize in [1, 2, 5, 100, 2_000] {
                #expect(Engine.smallestIds(pageSize, of: ids) == Array(Set(ids).sorted().prefix(pageSize)), "\(count) ids, page of \(pageSize)")
            }
        }
    }

    @Test func pagesWalkEveryInstanceOnceInOrder() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { WaitThenSleep.self }
        defer { runtime.shutdown() }
        let ids = (0..<250).map { String(format: "order-%03d", ($0 * 97) % 250) }  // started out of order
        for id in ids { _ = try await runtime.client.start(WaitThenSleep.self, input: 0, instanceId: id) }

        var seen: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let page = await runtime.client.list(InstanceQuery(pageSize: 40, continuationToken: token))
            #expect(page.instances.count <= 40)
            seen += page.instances.map(\.instanceId)
            token = page.continuationToken
            pages += 1
        } while token != nil && pages < 20
        #expect(seen == ids.sorted())
        #expect(pages == 7)
    }

    /// Lists walk the table in pieces while other clients start, terminate and purge instances
    /// (enough purges to close the table's holes up): every instance that exists
    /// throughout is listed exactly once per pass, in order, and nothing is listed twice.
    @Test(.timeLimit(.minutes(2))) func listsStayWholeWhileInstancesComeAndGo() async throws {
        let runtime = try await DurableRuntime(storage: .memory) { WaitThenSleep.self }
        defer { runtime.shutdown() }
        let stable = (0..<1_500).map { String(format: "stable-%04d", $0) }
        for id in stable { _ = try await runtime.client.start(WaitThenSleep.self, input: 0, instanceId: id) }

        let churned = ChurnDone()
        let churning = Task {
            defer { churned.value.store(true, ordering: .releasing) }
            for round in 0..<2 {
                let ids = (0..<1_100).map { "churn-\(round)-\($0)" }
                for id in ids { _ = try await runtime.client.start(WaitThenSleep.self, input: 0, instanceId: id) }
                for id in ids {
                    try await runtime.client.terminate(id)
                    _ = try await runtime.client.waitForCompletion(of: id, timeout: .seconds(10))
                    try await runtime.client.purge(id)
                }
            }
        }
        var passes = 0
        repeat {
            var listed: [String] = []
            var token: String?
            repeat {
                let page = await runtime.client.list(InstanceQuery(pageSize: 100, continuationToken: token))
                listed += page.instances.map(\.instanceId)
                token = page.continuationToken
            } while token != nil
            #expect(listed == listed.sorted() && Set(listed).count == listed.count, "pass \(passes): out of order or twice")
            let missing = Set(stable).subtracting(listed)
            #expect(missing.isEmpty, "pass \(passes) missed \(missing.count), first \(missing.sorted().prefix(3))")
            passes += 1
            await Task.yield()
        } while !churned.value.load(ordering: .acquiring) && passes < 25  // bounded: the suite runs tests side by side
        try await churning.value
        #expect(passes >= 3)
    }
}

private final class ChurnDone: Sendable {
    let value = Atomic<Bool>(false)
}
