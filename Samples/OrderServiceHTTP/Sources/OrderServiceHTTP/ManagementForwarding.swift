import Durable
import Foundation
import Hummingbird

/// Hands every request under the management prefix — any method, any path, the dashboard too —
/// to ``DurableHTTPAPI``, and everything else to the service's router.
///
/// A responder in front of the router rather than routes on it: the API decides what exists under
/// its prefix (and answers its own 404s and 405s in Durable Functions' JSON), so new pages the
/// library adds there work without touching this sample.
struct ServiceResponder<Context: RequestContext>: HTTPResponder {
    let management: ManagementForwarder
    let router: RouterResponder<Context>

    func respond(to request: Request, context: Context) async throws -> Response {
        if management.api.handles(path: request.uri.path) {
            return try await management.forward(request)
        }
        return try await router.respond(to: request, context: context)
    }
}

/// Converts between Hummingbird's requests and responses and the API's transport-agnostic ones.
struct ManagementForwarder: Sendable {
    let api: DurableHTTPAPI
    /// The most body bytes a request may bring: the library's own payload limit (16 MiB).
    var maxBodySize = 16 << 20

    func forward(_ request: Request) async throws -> Response {
        // Over the limit this throws Hummingbird's 413, which it answers as such.
        let body = try await request.body.collect(upTo: maxBodySize)
        var headers: [String: String] = [:]
        for field in request.headers {
            headers[field.name.canonicalName] = field.value
        }
        let answer = await api.handle(
            ManagementRequest(
                method: request.method.rawValue, target: request.uri.string, headers: headers,
                body: Data(body.readableBytesView)))
        return OrderRoutes.response(answer)
    }
}
