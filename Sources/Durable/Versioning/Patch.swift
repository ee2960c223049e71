extension OrchestrationContext {
    /// Whether this instance takes the new branch of a code change named `changeId`.
    ///
    /// Wrap a change to an orchestration that has instances running:
    /// ```swift
    /// if context.patched("send-receipt") {
    ///     try await context.call(SendReceipt.self, order)
    /// }
    /// ```
    /// Live code reaching this point records a patch marker (shown in ``DurableClient/history(of:)``)
    /// and gets `true`; the replay of a history recorded before the change, which went past this
    /// point without a marker, gets `false` and replays the old code. The answer for one
    /// `changeId` is the same throughout an execution. Called from outside the instance's code it
    /// returns `true` and the misuse fails the instance.
    public func patched(_ changeId: String) -> Bool {
        instance.withIsolation(operation: "patched(\(changeId))") { $0.patched(changeId, retired: false) } ?? true
    }

    /// Retires patch `changeId`: the code keeps only its new branch, and still records the marker.
    ///
    /// Replace `if context.patched(id) { new } else { old }` with `context.deprecatePatch(id); new`
    /// once no running instance needs the old branch (check with
    /// ``DurableRuntime/instancesNeedingOldBranch(of:)``). A history that took the old branch then
    /// fails to replay with a ``NondeterminismError`` naming the patch, instead of silently
    /// running the new branch against it. Remove the call in a later release.
    public func deprecatePatch(_ changeId: String) {
        _ = instance.withIsolation(operation: "deprecatePatch(\(changeId))") { $0.patched(changeId, retired: true) }
    }
}
