import Foundation

/// One HTTP request to the management API, as any server framework can hand it over.
public struct ManagementRequest: Sendable, Hashable {
    /// The HTTP method, such as `GET` (compared case-insensitively).
    public var method: String
    /// The path without its query, percent-encoded as it arrived, such as `/runtime/webhooks/durabletask/instances/abc`.
    public var path: String
    /// The query parameters, already decoded; a parameter given twice keeps its last value.
    public var query: [String: String]
    /// The request's headers; names are compared case-insensitively.
    public var headers: [String: String]
    /// The request body's bytes (JSON for starts and events); empty when there is none.
    public var body: Data

    /// Creates a request from its parts.
    public init(
        method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
        body: Data = Data()
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Creates a request from a request target such as `/instances/abc?showHistory=true`,
    /// splitting and decoding its query.
    public init(method: String, target: String, headers: [String: String] = [:], body: Data = Data()) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let nameValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let decode = { (text: Substring) in
                    String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
                }
                query[decode(nameValue[0])] = nameValue.count == 2 ? decode(nameValue[1]) : ""
            }
        }
        self.init(method: method, path: parts.first.map(String.init) ?? "", query: query, headers: headers, body: body)
    }

    /// The value of header `name`, whatever its case; `nil` if absent.
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.key.lowercased() == lowered }?.value
    }
}

/// The management API's answer: a status code, headers and a JSON body.
public struct ManagementResponse: Sendable, Hashable {
    /// The HTTP status code, such as 202.
    public var status: Int
    /// The headers to send, such as `Location` and `Content-Type`.
    public var headers: [String: String]
    /// The body's bytes (JSON), empty when there is none.
    public var body: Data

    /// Creates a response from its parts.
    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The `Content-Type` of every JSON body.
    static let jsonContentType = "application/json; charset=utf-8"

    /// A response with a JSON body.
    init(status: Int, json: ManagementJSON, headers: [String: String] = [:]) {
        var headers = headers
        headers["Content-Type"] = Self.jsonContentType
        self.init(status: status, headers: headers, body: Data(json.bytes))
    }

    /// An error in Durable Functions' shape: `{"error": "...", "message": "..."}`.
    static func error(_ status: Int, _ error: String, _ message: String, headers: [String: String] = [:])
        -> ManagementResponse
    {
        ManagementResponse(
            status: status, json: .object([("error", .string(error)), ("message", .string(message))]),
            headers: headers)
    }
}
