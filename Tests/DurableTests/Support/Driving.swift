import Durable
import Foundation

extension DurableRuntime {
    /// A runtime on a manual clock, so durable timers fire only when a test moves time.
    static func manual(
        _ clock: ManualClock, storage: Storage = .memory, @RegistrationBuilder _ registrations: () -> [Registration]
    ) async throws -> DurableRuntime {
        try await DurableRuntime(storage: storage, configuration: Configuration(clock: clock), registrations)
    }

    /// Moves `clock` from timer to timer until the instance finishes, and returns how many timers fired.
    /// Waits for the engine each step (a new timer armed, or the end), never for real time.
    func drive(_ id: String, on clock: ManualClock) async throws -> (status: InstanceStatus, timersFired: Int) {
        var fired = 0
        while true {
            let next = try await withThrowingTaskGroup(of: InstanceStatus?.self) { group in
                group.addTask { try await self.client.waitForCompletion(of: id, timeout: .seconds(30)) }
                group.addTask {
                    await clock.waitForSleepers()
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            if let status = next { return (status, fired) }
            if let deadline = clock.nextDeadline {
                clock.advance(to: deadline)
                fired += 1
            }
        }
    }
}

extension Array where Element == HistoryEvent {
    /// How many events of the named kind the history holds.
    func count(of kindName: String) -> Int { filter { $0.kind.name == kindName }.count }
}
