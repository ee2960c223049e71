import Durable
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The seed's HTTP routes: start an order, the payment provider's two webhooks, the order's custom status.
struct OrderRoutes: Sendable {
    let client: DurableClient
    let api: DurableHTTPAPI
    let paymentTimeout: Double
    let logger: Logger

    /// Longer ids are refused: an id is a journal key and a path segment in every URI handed out.
    static let maxIdLength = 256

    func register(on router: Router<BasicRequestContext>) {
        router.post("/order/start") { _, _ in Self.text(.badRequest, "SessionId is required") }
        router.post("/order/start/:sessionId") { request, context in
            await start(sessionId: context.parameters.get("sessionId"), request)
        }
        router.get("/order/:id/payment-accepted") { request, context in
            await pay(orderId: context.parameters.get("id"), accepted: true, request)
        }
        router.get("/order/:id/payment-rejected") { request, context in
            await pay(orderId: context.parameters.get("id"), accepted: false, request)
        }
        router.get("/order/:id/status") { _, context in
            await customStatus(orderId: context.parameters.get("id"))
        }
    }

    /// `POST /order/start/{sessionId}`: 202 with the check-status payload, its URIs absolute with
    /// the request's Host. A repeated start of the same session answers the same way for the order
    /// it already started, so a client may retry a start whose answer it lost.
    func start(sessionId raw: String?, _ request: Request) async -> Response {
        let sessionId: String
        switch Self.decodeId(raw) {
        case .success(let id): sessionId = id
        case .failure(.missing): return Self.text(.badRequest, "SessionId is required")
        case .failure(let problem): return Self.text(.badRequest, "SessionId \(problem.reason)")
        }
        let order = Order(
            id: sessionId, cartId: "cart-\(sessionId)", userId: "user-\(sessionId)",
            paymentTimeoutSeconds: paymentTimeout)
        let baseURL = Self.baseURL(of: request)
        do {
            try await client.start(PlaceOrder.self, input: order, instanceId: sessionId)
        } catch DurableError.instanceAlreadyExists {
            // Already started: hand out its URIs again.
        } catch DurableError.runtimeShutDown {
            return Self.text(.serviceUnavailable, "The service is shutting down; try again shortly")
        } catch DurableError.payloadTooLarge {
            return Self.text(.badRequest, "SessionId is too long")
        } catch {
            logger.error("start failed", metadata: ["session": "\(sessionId)", "error": "\(error)"])
            return Self.text(.internalServerError, "The order could not be started")
        }
        return Self.response(api.checkStatusResponse(for: sessionId, baseURL: baseURL))
    }

    /// `GET /order/{id}/payment-accepted|rejected`: raises the payment event on the order's
    /// payment sub-instance; `transaction` / `reason` in the query become the event's payload.
    func pay(orderId raw: String?, accepted: Bool, _ request: Request) async -> Response {
        guard case .success(let orderId) = Self.decodeId(raw) else { return Self.text(.notFound, "Unknown order") }
        let query = request.uri.queryParameters
        let event = accepted ? "payment-request-success" : "payment-request-fail"
        let payload =
            accepted
            ? query["transaction"].map(String.init) ?? "txn-\(orderId)"
            : query["reason"].map(String.init) ?? "declined by the payment provider"
        do {
            try await client.raiseEvent("\(orderId)-payment", name: event, payload: payload)
            return Self.text(.ok, "Thank you!")
        } catch DurableError.unknownInstance {
            // No payment instance yet: either the order is earlier in its flow, or there is no order.
            guard let order = try? await client.status(of: orderId) else { return Self.text(.notFound, "Unknown order") }
            return Self.text(.conflict, "Order \(orderId) is not awaiting payment (\(order.runtimeStatus.managementName))")
        } catch DurableError.invalidStatus(_, let status, _) {
            return Self.text(.conflict, "The payment of order \(orderId) is no longer open (\(status.managementName))")
        } catch DurableError.payloadTooLarge {
            return Self.text(.badRequest, "The transaction or reason is too long")
        } catch {
            logger.error("payment event failed", metadata: ["order": "\(orderId)", "error": "\(error)"])
            return Self.text(.internalServerError, "The payment could not be recorded")
        }
    }

    /// `GET /order/{id}/status`: the order's custom status as JSON (`"awaitingPayment"`), `null` before the first.
    func customStatus(orderId raw: String?) async -> Response {
        guard case .success(let orderId) = Self.decodeId(raw),
            let status = try? await client.status(of: orderId), status.name == PlaceOrder.name
        else { return Self.text(.notFound, "Unknown order") }
        let json = status.customStatus?.data ?? Data("null".utf8)
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    // MARK: Helpers

    enum IdProblem: Error {
        case missing, undecodable, tooLong, controlCharacters
        var reason: String {
            switch self {
            case .missing: "is required"
            case .undecodable: "is not valid percent-encoding"
            case .tooLong: "is longer than \(OrderRoutes.maxIdLength) characters"
            case .controlCharacters: "must not contain control characters"
            }
        }
    }

    /// A path parameter as the id it names: Hummingbird hands parameters over still percent-encoded.
    static func decodeId(_ raw: String?) -> Result<String, IdProblem> {
        guard let raw else { return .failure(.missing) }
        // Every start and status read comes through here: skip Foundation's decoding when there is nothing to decode.
        let decoded: String
        if raw.utf8.contains(UInt8(ascii: "%")) {
            guard let text = raw.removingPercentEncoding else { return .failure(.undecodable) }
            decoded = text
        } else {
            decoded = raw
        }
        guard !decoded.allSatisfy(\.isWhitespace) else { return .failure(.missing) }
        guard decoded.utf8.count <= maxIdLength || decoded.count <= maxIdLength else { return .failure(.tooLong) }
        // A NUL or a newline in an id would garble every log line and URI that carries it. The
        // control characters (general category Cc) are exactly U+0000–U+001F and U+007F–U+009F.
        guard !decoded.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            return .failure(.controlCharacters)
        }
        return .success(decoded)
    }

    /// `http://` and the request's Host, so the URIs handed out reach this server the way the
    /// caller did; relative URIs when the Host is missing or not a plain host[:port].
    static func baseURL(of request: Request) -> String {
        guard let host = request.head.authority, !host.isEmpty, host.utf8.count <= 255,
            host.utf8.allSatisfy(isAllowedInHost)
        else { return "" }
        return "http://" + host
    }

    /// Letters, digits and `.-:[]`: a name or an IPv4/IPv6 address with a port, nothing that could end the URI.
    private static func isAllowedInHost(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"),
            UInt8(ascii: "["), UInt8(ascii: "]"):
            true
        default: false
        }
    }

    static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: message)))
    }

    static func response(_ answer: ManagementResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
