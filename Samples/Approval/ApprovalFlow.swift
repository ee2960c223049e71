import Durable

/// The seed's human interaction: ask for approval, wait for an "approve" event with a timeout,
/// and escalate if none arrives.
struct ApprovalFlow: Orchestration {
    struct Request: Codable, Sendable {
        var subject: String
        var timeoutSeconds: Double
    }

    func run(_ request: Request, context: OrchestrationContext) async throws -> String {
        try await context.call(RequestApproval.self, request.subject)
        do {
            let approved = try await context.waitForEvent("approve", as: Bool.self, timeout: .seconds(request.timeoutSeconds))
            return approved ? "approved: \(request.subject)" : "rejected: \(request.subject)"
        } catch is EventTimeout {
            return try await context.call(Escalate.self, request.subject)
        }
    }
}

struct RequestApproval: Activity {
    var notify: @Sendable (String) -> Void = { _ in }
    func run(_ subject: String, context: ActivityContext) async throws -> Bool {
        notify("asked the approver about \(subject)")
        return true
    }
}

struct Escalate: Activity {
    var notify: @Sendable (String) -> Void = { _ in }
    func run(_ subject: String, context: ActivityContext) async throws -> String {
        notify("no answer: escalating \(subject) to the manager")
        return "escalated: \(subject)"
    }
}
