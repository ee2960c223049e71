import Foundation

/// How orchestration versions compare, and how an instance finds the version it runs.
enum OrchestrationVersion {
    /// Whether version `a` comes before `b`: compared as numbers where they hold digits
    /// ("2" before "10", "1.9" before "1.10"), and unversioned (`""`) before any version.
    static func isBefore(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric]) == .orderedAscending
    }
}

extension Registry {
    /// The code for `version` of orchestration `name` (`nil`/empty: unversioned), if this build has it.
    func orchestration(named name: String, version: String?) -> OrchestrationEntry? {
        versions[name]?[version ?? ""]
    }

    /// The entry a new instance starts on: `version` if named, else the latest.
    ///
    /// - Throws: ``DurableError/unknownOrchestration(_:)`` if the name or the version is not registered.
    func orchestrationToStart(named name: String, version: String?) throws -> OrchestrationEntry {
        guard let version else { return try orchestration(named: name) }
        guard let entry = orchestration(named: name, version: version) else {
            throw DurableError.unknownOrchestration(version.isEmpty ? name : "\(name) version \(version)")
        }
        return entry
    }

    /// The entry an unfinished instance (as its status says) keeps running: the version it started
    /// with. `nil` if this build lacks it.
    func orchestration(for status: InstanceStatus) -> OrchestrationEntry? {
        orchestration(named: status.name, version: status.version)
    }

    /// What to tell about an instance whose version this build lacks: the name, with the version.
    static func missing(_ status: InstanceStatus) -> String {
        status.version.isEmpty ? status.name : "\(status.name) version \(status.version)"
    }
}
