@testable import Durable
import Foundation
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
}
