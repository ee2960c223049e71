/// One thing the runtime can run, as listed in the `DurableRuntime` builder.
public struct Registration: Sendable {
    enum Kind: Sendable {
        case orchestration(OrchestrationEntry)
        case activity(ActivityEntry)
    }

    let kind: Kind

    /// Registers an orchestration type.
    public static func orchestration<O: Orchestration>(_ type: O.Type) -> Registration {
        Registration(kind: .orchestration(OrchestrationEntry(type)))
    }

    /// Registers an activity value with its dependencies.
    public static func activity<A: Activity>(_ activity: A) -> Registration {
        Registration(kind: .activity(ActivityEntry(activity)))
    }
}

/// Lists orchestration types and activity values in the `DurableRuntime` initializer.
///
/// ```swift
/// let runtime = try await DurableRuntime {
///     PlaceOrder.self
///     ProcessPayment(gateway: gateway)
/// }
/// ```
@resultBuilder
public enum RegistrationBuilder {
    public static func buildExpression<O: Orchestration>(_ type: O.Type) -> [Registration] {
        [.orchestration(type)]
    }

    public static func buildExpression<A: Activity>(_ activity: A) -> [Registration] {
        [.activity(activity)]
    }

    public static func buildExpression(_ registration: Registration) -> [Registration] {
        [registration]
    }

    public static func buildExpression(_ registrations: [Registration]) -> [Registration] {
        registrations
    }

    public static func buildBlock(_ parts: [Registration]...) -> [Registration] {
        parts.flatMap { $0 }
    }

    public static func buildOptional(_ part: [Registration]?) -> [Registration] {
        part ?? []
    }

    public static func buildEither(first part: [Registration]) -> [Registration] {
        part
    }

    public static func buildEither(second part: [Registration]) -> [Registration] {
        part
    }

    public static func buildArray(_ parts: [[Registration]]) -> [Registration] {
        parts.flatMap { $0 }
    }
}

/// A type-erased orchestration: decodes its input, runs it, encodes its output.
struct OrchestrationEntry: Sendable {
    let name: String
    /// ``Orchestration/version``, as `ExecutionStarted` records it: `nil` when unversioned.
    let version: String?
    let run: @Sendable (Payload, OrchestrationContext) async throws -> Payload
    let validateInput: @Sendable (Payload) throws -> Void

    init<O: Orchestration>(_ type: O.Type) {
        let name = O.name
        self.name = name
        self.version = O.version.isEmpty ? nil : O.version
        self.run = { input, context in
            let value = try input.decode(O.Input.self)
            return try Payload(encoding: try await O().run(value, context: context))
        }
        self.validateInput = { input in
            do {
                _ = try input.decode(O.Input.self)
            } catch let DurableError.decodingFailed(_, reason) {
                throw DurableError.invalidInput(orchestration: name, reason: reason)
            }
        }
    }
}

/// A type-erased activity value.
struct ActivityEntry: Sendable {
    let name: String
    let run: @Sendable (Payload, ActivityContext) async throws -> Payload

    init<A: Activity>(_ activity: A) {
        self.name = A.name
        self.run = { input, context in
            let value = try input.decode(A.Input.self)
            return try Payload(encoding: try await activity.run(value, context: context))
        }
    }
}

/// Everything a runtime can run, looked up by name.
struct Registry: Sendable {
    /// The latest version of each orchestration, by name: what new instances start on.
    private(set) var orchestrations: [String: OrchestrationEntry] = [:]
    /// Every registered version of each orchestration, by name then version (`""` unversioned).
    private(set) var versions: [String: [String: OrchestrationEntry]] = [:]
    private(set) var activities: [String: ActivityEntry] = [:]

    init(_ registrations: [Registration]) throws {
        for registration in registrations {
            switch registration.kind {
            case .orchestration(let entry):
                let version = entry.version ?? ""
                guard versions[entry.name, default: [:]].updateValue(entry, forKey: version) == nil else {
                    throw DurableError.duplicateRegistration(
                        kind: "orchestration", name: version.isEmpty ? entry.name : "\(entry.name) version \(version)")
                }
                if let latest = orchestrations[entry.name], OrchestrationVersion.isBefore(version, latest.version ?? "") {
                    continue
                }
                orchestrations[entry.name] = entry
            case .activity(let entry):
                guard activities.updateValue(entry, forKey: entry.name) == nil else {
                    throw DurableError.duplicateRegistration(kind: "activity", name: entry.name)
                }
            }
        }
    }

    func orchestration(named name: String) throws -> OrchestrationEntry {
        guard let entry = orchestrations[name] else { throw DurableError.unknownOrchestration(name) }
        return entry
    }

    func activity(named name: String) throws -> ActivityEntry {
        guard let entry = activities[name] else { throw DurableError.unknownActivity(name) }
        return entry
    }
}
