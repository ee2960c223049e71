import Foundation

/// Durable Functions' HTTP management API over a ``DurableClient``, with no server attached:
/// hand it each ``ManagementRequest`` from any framework and send back the ``ManagementResponse``.
///
/// It is a management plane — it starts, terminates and purges instances — so never mount it
/// without an `authorize` check that rejects strangers (see ``requireKey(_:)``).
public struct DurableHTTPAPI: Sendable {
    /// Decides whether a request may be served; a `false` answers 401.
    public typealias Authorization = @Sendable (ManagementRequest) async -> Bool

    let client: DurableClient
    /// The path the routes live under, without a trailing slash, such as `/runtime/webhooks/durabletask`.
    public let prefix: String
    /// Where URIs in answers point: scheme and host (`https://ops.example.com`), or empty for
    /// URIs relative to the server.
    public let baseURL: String
    /// A query appended to every URI in answers, such as `code=KEY`, or empty for none.
    public let linkQuery: String
    let authorize: Authorization
    /// `prefix` split at its slashes, once, for matching each request's path.
    private let prefixParts: [Substring]

    /// Creates the API for `client`, its routes under `prefix`, authorizing each request with `authorize`.
    ///
    /// Durable Functions puts its key in every URI it hands out, so whoever starts an instance can
    /// poll it; `linkQuery: "code=\(key)"` does the same — and gives that caller the whole management
    /// plane. Leave it empty (the default) when callers of your start route are not operators.
    public init(
        client: DurableClient, prefix: String = "/runtime/webhooks/durabletask", baseURL: String = "",
        linkQuery: String = "", authorize: @escaping Authorization
    ) {
        self.client = client
        self.prefix = "/" + prefix.split(separator: "/").joined(separator: "/")
        prefixParts = prefix.split(separator: "/")
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.linkQuery = linkQuery.hasPrefix("?") ? String(linkQuery.dropFirst()) : linkQuery
        self.authorize = authorize
    }

    /// An authorization that accepts a request carrying `key` as its `code` query parameter or
    /// its `x-functions-key` header, as Durable Functions does; an empty key accepts nothing.
    public static func requireKey(_ key: String) -> Authorization {
        let expected = Array(key.utf8)
        return { request in
            guard !expected.isEmpty else { return false }
            let given = request.query["code"] ?? request.header("x-functions-key") ?? ""
            return constantTimeEqual(Array(given.utf8), expected)
        }
    }

    /// Compares without stopping at the first difference, so response times do not leak the key.
    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference: UInt8 = lhs.count == rhs.count ? 0 : 1
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }

    /// Answers `request`. Never throws: every failure is an HTTP status with a JSON error body.
    public func handle(_ request: ManagementRequest) async -> ManagementResponse {
        guard let segments = routeSegments(request.path) else {
            return .error(404, "NotFound", "No management route at '\(request.path)'.")
        }
        guard await authorize(request) else {
            return .error(401, "Unauthorized", "The request is not authorized for the management API.")
        }
        let method = request.method.uppercased()
        // The dashboard answers at the prefix itself and at `{prefix}/dashboard`.
        if segments.isEmpty || segments == ["dashboard"] {
            switch method {
            case "GET": return DashboardPage.response()
            case "HEAD":  // the GET's headers, no body (RFC 9110 §9.3.2)
                var response = DashboardPage.response()
                response.body = Data()
                return response
            default: return methodNotAllowed(["GET", "HEAD"])
            }
        }
        let head = segments[0]
        switch (head, segments.count) {
        case ("orchestrators", 2), ("orchestrators", 3):
            let instanceId = segments.count == 3 ? segments[2] : nil
            return await only("POST", method) { await start(name: segments[1], instanceId: instanceId, request) }
        case ("instances", 1):
            return await only("GET", method) { await list(request) }
        case ("instances", 2):
            switch method {
            case "GET": return await status(segments[1], request)
            case "DELETE": return await purge(segments[1])
            default: return methodNotAllowed(["GET", "DELETE"])
            }
        case ("instances", 4) where segments[2] == "raiseEvent":
            return await only("POST", method) { await raiseEvent(segments[1], name: segments[3], request) }
        case ("instances", 3) where Self.operations.contains(segments[2]):
            return await only("POST", method) { await control(segments[1], operation: segments[2], request) }
        default:
            return .error(404, "NotFound", "No management route at '\(request.path)'.")
        }
    }

    /// The `POST {prefix}/instances/{id}/…` operations that take only a `reason`, plus restart.
    static let operations: Set<String> = ["terminate", "suspend", "resume", "rewind", "restart"]

    /// Whether `path` (percent-encoded, as it arrived) is ``prefix`` or lies under it, segment by
    /// segment as ``handle(_:)`` matches it: `/runtime/webhooks/durabletaskX` is not under
    /// `/runtime/webhooks/durabletask`. A server mounting the API in front of its own routes asks this.
    public func handles(path: String) -> Bool {
        // Every request of the host may ask: shorter paths cannot hold the prefix's segments.
        guard path.utf8.count >= prefix.utf8.count else { return false }
        return path.split(separator: "/").starts(with: prefixParts)
    }

    /// The decoded path segments after the prefix (none for the prefix itself); `nil` when the
    /// path is outside it or does not decode.
    private func routeSegments(_ path: String) -> [String]? {
        guard handles(path: path) else { return nil }
        let parts = path.split(separator: "/")
        var decoded: [String] = []
        for part in parts.dropFirst(prefixParts.count) {
            guard let segment = part.removingPercentEncoding, !segment.isEmpty else { return nil }
            decoded.append(segment)
        }
        return decoded
    }

    private func only(_ allowed: String, _ method: String, _ run: () async -> ManagementResponse) async
        -> ManagementResponse
    {
        method == allowed ? await run() : methodNotAllowed([allowed])
    }

    private func methodNotAllowed(_ allowed: [String]) -> ManagementResponse {
        .error(
            405, "MethodNotAllowed", "This route accepts \(allowed.joined(separator: ", ")).",
            headers: ["Allow": allowed.joined(separator: ", ")])
    }
}
