import Foundation

extension DurableHTTPAPI {
    /// The largest `top` a list answers with; a larger one is served as this many per page.
    static let maximumPageSize = 1_000

    /// Durable Functions' `CreateCheckStatusResponse`: 202 Accepted, `Location` the status URI,
    /// and a body with every management URI for instance `id`, rooted at `baseURL`.
    public func checkStatusResponse(for id: String, baseURL: String) -> ManagementResponse {
        let instance = instanceURI(for: id, baseURL: baseURL)
        let status = linkQuery.isEmpty ? instance : instance + "?" + linkQuery
        return ManagementResponse(
            status: 202,
            headers: ["Content-Type": ManagementResponse.jsonContentType, "Location": status, "Retry-After": "10"],
            body: Data(CheckStatusBody.render(id: id, instanceURI: instance, linkQuery: linkQuery)))
    }

    /// Where instance `id` lives under the API, rooted at `baseURL`.
    func instanceURI(for id: String, baseURL: String) -> String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + prefix + "/instances/" + Self.pathComponent(id)
    }

    /// The status URI of instance `id`, rooted at this API's `baseURL`.
    func statusURI(for id: String) -> String {
        instanceURI(for: id, baseURL: baseURL) + (linkQuery.isEmpty ? "" : "?" + linkQuery)
    }

    /// `text` percent-encoded as one path segment. Ids made of unreserved ASCII (the common case:
    /// every start hands out eight URIs with the id in them) come back as they are, without
    /// Foundation's per-scalar `CharacterSet` walk.
    static func pathComponent(_ text: String) -> String {
        if text.utf8.allSatisfy(isUnreserved) { return text }
        return text.addingPercentEncoding(withAllowedCharacters: segmentAllowed) ?? text
    }

    private static let segmentAllowed: CharacterSet = {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        return allowed
    }()

    /// RFC 3986's unreserved characters: allowed in a segment by any reading, so never encoded.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    func start(name: String, instanceId: String?, _ request: ManagementRequest) async -> ManagementResponse {
        let input: Payload
        if request.body.isEmpty {
            input = Payload(data: Data("null".utf8))
        } else {
            guard ManagementJSON.isValidJSON(request.body) else {
                return .error(400, "BadRequest", "The request body is not valid JSON.")
            }
            input = Payload(data: request.body)
        }
        do {
            let id = try await client.start(orchestrationNamed: name, input: input, instanceId: instanceId)
            return checkStatusResponse(for: id, baseURL: baseURL)
        } catch DurableError.unknownOrchestration(let missing) {
            // Durable Functions answers a start of an unknown function with 400, not 404.
            return .error(400, "BadRequest", "No orchestration named '\(missing)' is registered.")
        } catch {
            return Self.response(for: error)
        }
    }

    func status(_ id: String, _ request: ManagementRequest) async -> ManagementResponse {
        let detail: StatusDetail
        let failureIs500: Bool
        do {
            detail = StatusDetail(
                input: try Self.flag("showInput", in: request, default: true),
                history: try Self.flag("showHistory", in: request, default: false),
                historyOutput: try Self.flag("showHistoryOutput", in: request, default: false))
            failureIs500 = try Self.flag("returnInternalServerErrorOnFailure", in: request, default: false)
        } catch {
            return Self.response(for: error)
        }
        do {
            let status = try await client.status(of: id)
            let history = detail.history ? try await client.history(of: id) : nil
            // Durable Functions: 202 while unfinished, with where to poll and when, 200 once
            // finished however it ended (the body says how), unless the caller asks for 500 on failure.
            let code =
                switch status.runtimeStatus {
                case .completed, .terminated: 200
                case .failed: failureIs500 ? 500 : 200
                default: 202
                }
            let headers = code == 202 ? ["Location": statusURI(for: id), "Retry-After": "5"] : [:]
            return ManagementResponse(status: code, json: status.managementJSON(detail, history: history), headers: headers)
        } catch {
            return Self.response(for: error)
        }
    }

    func list(_ request: ManagementRequest) async -> ManagementResponse {
        do {
            var query = InstanceQuery(pageSize: 100)
            if let text = request.query["runtimeStatus"], !text.isEmpty {
                var statuses = Set<RuntimeStatus>()
                for name in text.split(separator: ",") {
                    let trimmed = name.trimmingCharacters(in: .whitespaces)
                    guard let status = RuntimeStatus(managementName: trimmed) else {
                        throw BadQuery("runtimeStatus '\(trimmed)' is not a status")
                    }
                    statuses.insert(status)
                }
                query.statuses = statuses
            }
            query.createdFrom = try Self.date("createdTimeFrom", in: request)
            query.createdBefore = try Self.date("createdTimeTo", in: request)
            query.instanceIdPrefix = request.query["instanceIdPrefix"].flatMap { $0.isEmpty ? nil : $0 }
            if let text = request.query["top"] {
                guard let top = Int(text), top > 0 else { throw BadQuery("top must be a positive whole number") }
                query.pageSize = min(top, Self.maximumPageSize)
            }
            query.continuationToken = request.header("x-ms-continuation-token").flatMap { $0.isEmpty ? nil : $0 }
            let detail = StatusDetail(input: try Self.flag("showInput", in: request, default: true))
            let page = await client.list(query)
            var headers: [String: String] = [:]
            if let token = page.continuationToken { headers["x-ms-continuation-token"] = token }
            return ManagementResponse(
                status: 200, json: .array(page.instances.map { $0.managementJSON(detail, history: nil) }),
                headers: headers)
        } catch {
            return Self.response(for: error)
        }
    }

    func purge(_ id: String) async -> ManagementResponse {
        do {
            try await client.purge(id)
            return ManagementResponse(status: 200, json: .object([("instancesDeleted", .int(1))]))
        } catch {
            return Self.response(for: error)
        }
    }

    func raiseEvent(_ id: String, name: String, _ request: ManagementRequest) async -> ManagementResponse {
        // Durable Functions takes only JSON here. A request without a Content-Type is read as
        // JSON too (curl's `-d` would otherwise need `-H` every time); any other type is refused.
        if let type = request.header("content-type"),
            type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() != "application/json"
        {
            return .error(400, "BadRequest", "Only application/json event content is supported, not '\(type)'.")
        }
        let body = request.body.isEmpty ? Data("null".utf8) : request.body
        guard ManagementJSON.isValidJSON(body) else {
            return .error(400, "BadRequest", "The event body is not valid JSON.")
        }
        do {
            try await client.engine.raiseEvent(id, name: name, input: Payload(data: body))
            return ManagementResponse(status: 202)
        } catch {
            return Self.response(for: error)
        }
    }

    func control(_ id: String, operation: String, _ request: ManagementRequest) async -> ManagementResponse {
        let reason = request.query["reason"].flatMap { $0.isEmpty ? nil : $0 }
        do {
            switch operation {
            case "terminate": try await client.terminate(id, reason: reason)
            case "suspend": try await client.suspend(id, reason: reason)
            case "resume": try await client.resume(id, reason: reason)
            case "rewind": try await client.rewind(id, reason: reason)
            default:  // restart
                let fresh = try Self.flag("restartWithNewInstanceId", in: request, default: true)
                let newId = try await client.restart(id, newInstanceId: fresh ? UUID().uuidString.lowercased() : nil)
                return checkStatusResponse(for: newId, baseURL: baseURL)
            }
            return ManagementResponse(status: 202)
        } catch DurableError.unknownInstance(let missing) where operation == "restart" {
            // Durable Functions answers a restart of an unknown instance with 400, the others with 404.
            return .error(400, "BadRequest", "InstanceId '\(missing)' does not match an orchestration instance.")
        } catch {
            return Self.response(for: error)
        }
    }

    // MARK: Query values and errors

    struct BadQuery: Error { let message: String; init(_ message: String) { self.message = message } }

    static func flag(_ name: String, in request: ManagementRequest, default value: Bool) throws -> Bool {
        guard let text = request.query[name] else { return value }
        switch text.lowercased() {
        case "true", "1", "": return true
        case "false", "0": return false
        default: throw BadQuery("\(name) must be true or false")
        }
    }

    static func date(_ name: String, in request: ManagementRequest) throws -> Date? {
        guard let text = request.query[name], !text.isEmpty else { return nil }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: text) else { throw BadQuery("\(name) must be an ISO 8601 time") }
        return date
    }

    /// The HTTP answer for an error a client call threw, with Durable Functions' codes: 404 for
    /// an unknown instance or orchestration, 412 for a purge of an unfinished instance or a rewind
    /// of one that has not failed, 410 for another operation on an instance that has finished, 409
    /// for one in another wrong state or an id taken, 400 for bad input, 413 for too large.
    static func response(for error: any Error) -> ManagementResponse {
        if let bad = error as? BadQuery { return .error(400, "BadRequest", bad.message) }
        guard let error = error as? DurableError else {
            return .error(500, "InternalServerError", String(describing: error))
        }
        let message = error.description
        switch error {
        case .unknownInstance, .unknownOrchestration:
            return .error(404, "NotFound", message)
        case .invalidStatus(_, _, let operation) where operation == "purge" || operation == "rewind":
            return .error(412, "PreconditionFailed", message)
        case .invalidStatus(_, let status, _):
            return status.isFinished ? .error(410, "Gone", message) : .error(409, "Conflict", message)
        case .instanceAlreadyExists, .orchestrationNotRegistered, .instanceQuarantined, .invalidResetPoint:
            return .error(409, "Conflict", message)
        case .invalidInput, .decodingFailed, .encodingFailed, .payloadTooDeep:
            return .error(400, "BadRequest", message)
        case .payloadTooLarge, .historyTooLarge:
            return .error(413, "PayloadTooLarge", message)
        case .runtimeShutDown, .storageFailed:
            return .error(503, "ServiceUnavailable", message)
        default:
            return .error(500, "InternalServerError", message)
        }
    }
}
