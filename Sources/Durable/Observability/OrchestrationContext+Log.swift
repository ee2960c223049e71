extension OrchestrationContext {
    /// Reports `message` to the runtime's observers as ``RuntimeEvent/orchestrationLog(instanceId:level:message:)``,
    /// unless the code is replaying: a line is logged once, when the code first runs past it, not
    /// again at every restart. The message is not built when it is not logged.
    public func log(_ message: @autoclosure () -> String, level: OrchestrationLogLevel = .info) {
        guard let observers = instance.observers else { return }
        // Read on the executor: called from elsewhere it is treated as replaying (and the misuse reported).
        guard instance.withIsolation(operation: "log", { !$0.isReplaying }) == true else { return }
        observers.emit(.orchestrationLog(instanceId: instance.instanceId, level: level, message: message()))
    }
}
