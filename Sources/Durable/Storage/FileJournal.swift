import Dispatch
import Foundation
import Synchronization

/// The default history store: an append-only journal of segment files in a directory.
///
/// Appends from every instance go to one writer thread, which writes each batch with one `write`
/// and one `fsync` (group commit). On open it verifies every record, cuts away a torn last record,
/// and refuses (or, with ``Options/repairCorruption``, repairs) damage anywhere else. Only one
/// journal may have a directory open at a time.
///
/// ```swift
/// let runtime = try await DurableRuntime(storage: .directory(".durable")) { ... }
/// ```
public final class FileJournal: HistoryStore, @unchecked Sendable {
    // @unchecked: `state` and `output` are behind their mutexes; everything else is immutable.

    /// When an append counts as durable.
    public enum Durability: Sendable, Hashable {
        /// Each batch is synced to disk before its appends are acknowledged (the default).
        case groupCommit
        /// Like `groupCommit`, and in addition every activity result is durable before the
        /// orchestration's next step is dispatched: nothing finished is ever run again after a
        /// crash, at the price of one sync per step. The thread running a step does its sync;
        /// what no step waits for reaches the file within one sync interval (5 ms).
        case strict
        /// Written to the operating system within 1 ms (acknowledged once written), never synced:
        /// survives a process crash, not a power loss. For tests and benchmarks that say so.
        case buffered
    }

    /// How the journal behaves.
    public struct Options: Sendable {
        /// When appends count as durable.
        public var durability: Durability
        /// A segment file is sealed and a new one started once it grows past this many bytes.
        public var segmentSize: Int
        /// Once this many sealed segments exist, live histories are rewritten into a checkpoint
        /// and the segments deleted, in the background.
        public var compactionThreshold: Int
        /// Truncate the journal at a corrupt record (reporting what was dropped) instead of failing to open.
        public var repairCorruption: Bool
        /// Where the journal reports a repaired or truncated file; standard error by default.
        public var log: @Sendable (String) -> Void

        /// Creates options; the defaults suit most uses.
        public init(
            durability: Durability = .groupCommit, segmentSize: Int = 64 << 20, compactionThreshold: Int = 8,
            repairCorruption: Bool = false,
            log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("Durable: \($0)\n".utf8)) }
        ) {
            self.durability = durability
            self.segmentSize = segmentSize
            self.compactionThreshold = compactionThreshold
            self.repairCorruption = repairCorruption
            self.log = log
        }
    }

    private struct Waiter {
        let position: UInt64
        let notify: Notify

        /// Who hears of durability: a callback, or a suspended task resumed directly (every
        /// start and raised event waits; a continuation wrapped in a closure cost an allocation).
        enum Notify {
            case callback(@Sendable (Result<Void, any Error>) -> Void)
            case resume(UnsafeContinuation<Void, any Error>)
        }

        func callAsFunction(_ result: Result<Void, JournalError>) {
            switch notify {
            case .callback(let body): body(result.mapError { $0 })
            case .resume(let continuation): continuation.resume(with: result.mapError { $0 })
            }
        }
    }

    private struct State {
        var histories: [String: [HistoryEvent]]
        var buffer: [UInt8] = []
        var appended: UInt64 = 0
        var durable: UInt64 = 0
        var waiters: [Waiter] = []
        /// Seal the segment after this many bytes of `buffer` and report its number.
        var rollover: (afterBytes: Int, reply: @Sendable (Int) -> Void)?
        var isWakeupPending = false
        /// A waiter asked the writer to sync (rather than syncing itself).
        var isSyncRequested = false
        var isClosing = false
        var failure: JournalError?
        var isCompacting = false
    }

    /// What opening the journal found and repaired.
    public let recoveryReport: RecoveryReport
    /// The journal's directory.
    public let path: String
    public let options: Options

    /// The open segment and what has reached it. Whoever holds it writes: the writer thread, or
    /// (in strict durability) a thread that waits for a sync and does it itself.
    private struct Output: ~Copyable {
        var segment: AppendFile
        var segmentNumber: Int
        var sealedSegments: Int
        var batch: [UInt8] = []
        var written: UInt64 = 0
        var synced: UInt64 = 0
        var lastSync = DispatchTime.now()
    }

    private let directory: JournalDirectory
    private let state: Lock<State>
    private let output: Mutex<Output>
    private let wakeup = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let lockDescriptor: Int32

    /// Opens (creating if needed) the journal in `path` and loads every history in it.
    ///
    /// - Throws: ``JournalError/directoryLocked(path:)`` if another runtime has it open,
    ///   ``JournalError/corruptRecord(file:offset:reason:)`` on damage before the end.
    public init(directory path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        self.directory = JournalDirectory(path: path)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw JournalError.io(operation: "create directory", path: path, errno: EACCES)
        }
        lockDescriptor = try directory.lock()
        let scan: JournalScanner.Result
        do {
            scan = try JournalScanner(directory: directory, repairCorruption: options.repairCorruption).scan()
            recoveryReport = scan.report
            state = Lock(State(histories: scan.histories))
            let directory = self.directory
            let current: Int
            let segment: AppendFile
            if let last = scan.lastSegment, last.validSize >= JournalDirectory.headerSize {
                current = last.number
                segment = try AppendFile.reopen(directory.url(.segment, current), keeping: last.validSize)
            } else {
                current = max(scan.lastSegment?.number ?? 0, scan.checkpoint ?? 0) + 1
                segment = try AppendFile.create(directory.url(.segment, current))
                directory.syncDirectory()
            }
            let sealed = try directory.files(.segment).filter { $0.number < current }.count
            output = Mutex(Output(segment: segment, segmentNumber: current, sealedSegments: sealed))
        } catch {
            _ = Foundation.close(lockDescriptor)
            throw error
        }
        if scan.report.tornTail != nil || scan.report.repair != nil { options.log(recoveryReport.description) }
        let thread = Thread { [self] in writeLoop() }
        thread.name = "Durable journal writer"
        thread.start()
    }

    // MARK: HistoryStore

    public var dispatchWaitsForDurability: Bool { options.durability == .strict }

    public func append(_ event: HistoryEvent, to instanceId: String) throws -> JournalPosition {
        try write(.append(instanceId: instanceId, event: event)) { $0[instanceId, default: .withRoomForAFewSteps].append(event) }
    }

    public func replaceHistory(of instanceId: String, with events: [HistoryEvent]) throws -> JournalPosition {
        try write(.replace(instanceId: instanceId, events: events)) { $0[instanceId] = events }
    }

    public func removeHistory(of instanceId: String) throws {
        _ = try write(.remove(instanceId: instanceId)) { $0.removeValue(forKey: instanceId) }
    }

    public func history(of instanceId: String) -> [HistoryEvent]? {
        state.withLock { $0.histories[instanceId] }
    }

    public func allHistories() -> [String: [HistoryEvent]] {
        state.withLock { $0.histories }
    }

    public func isDurable(_ position: JournalPosition) -> Bool {
        state.withLock { $0.durable >= position.offset }
    }

    public func waitUntilDurable(_ position: JournalPosition) async throws {
        // Unsafe: `whenDurable` calls its body exactly once, and a checked continuation costs an
        // object per wait (every start and raised event waits).
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            whenDurable(Waiter(position: position.offset, notify: .resume(continuation)))
        }
    }

    /// Calls `body` once `position` is durable (at once if it is already), without a task: strict
    /// durability uses it on every step.
    ///
    /// With ``Durability/strict`` the calling thread writes and syncs everything queued itself
    /// (group commit still: one sync covers every waiter), and `body` runs before this returns. A
    /// step that must wait for its sync anyway then needs no hand-off to the writer thread and
    /// back — measured, that hand-off cost as much as the sync. Otherwise `body` runs on the writer thread.
    public func whenDurable(_ position: JournalPosition, _ body: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        whenDurable(Waiter(position: position.offset, notify: .callback(body)))
    }

    private func whenDurable(_ waiter: Waiter) {
        if options.durability == .strict {
            // Registered with `output` held, so the writer cannot start a flush of its own between;
            // if the writer holds it now, waiting for it costs no more than waiting for its sync.
            enum Led { case ready(Result<Void, JournalError>), flushed(Flushed) }
            let led = output.withLock { output -> Led in
                if let ready = enqueue(waiter, requestingSync: false).ready { return .ready(ready) }
                return .flushed(flush(&output, by: .waitingThread))
            }
            switch led {
            case .ready(let ready): return waiter(ready)
            case .flushed(let flushed): return flushed.notifyAll()  // `waiter` is among them
            }
        }
        let queued = enqueue(waiter, requestingSync: true)
        if let ready = queued.ready { return waiter(ready) }
        if queued.wakeWriter { wakeup.signal() }
    }

    /// Adds `waiter` unless its position is durable already (or the journal failed): then the
    /// answer. With `requestingSync`, also asks the writer to sync for it, in the same critical
    /// section; `wakeWriter` says the caller must wake the writer (once per flush: appends may
    /// have woken it already, but in strict durability it then waits out a grace unless asked).
    private func enqueue(_ waiter: Waiter, requestingSync: Bool) -> (ready: Result<Void, JournalError>?, wakeWriter: Bool) {
        state.withLock { state in
            if state.durable >= waiter.position { return (.success(()), false) }
            if let failure = state.failure { return (.failure(failure), false) }
            state.waiters.append(waiter)
            guard requestingSync, !state.isSyncRequested else { return (nil, false) }
            state.isSyncRequested = true
            return (nil, true)
        }
    }

    /// Flushes what is queued, stops the writer and releases the directory. Further appends throw.
    public func close() {
        let wasOpen = state.withLock { state -> Bool in
            guard !state.isClosing else { return false }
            state.isClosing = true
            return true
        }
        guard wasOpen else { return }
        wakeup.signal()
        stopped.wait()
        output.withLock { $0.segment.close() }
        _ = flock(lockDescriptor, LOCK_UN)
        _ = Foundation.close(lockDescriptor)
    }

    /// The bytes the journal's files take on disk now.
    public var sizeOnDisk: Int {
        let files = ((try? directory.files(.segment)) ?? []) + ((try? directory.files(.checkpoint)) ?? [])
        return files.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1.path)[.size] as? Int) ?? 0) }
    }

    // MARK: Appending

    private func write(_ record: JournalRecord, applying change: (inout [String: [HistoryEvent]]) -> Void) throws
        -> JournalPosition
    {
        // Framed outside the lock (framing under it made concurrent appends contend), into a
        // buffer this thread reuses.
        let (position, wake) = try FrameScratch.framing(record) { bytes in
            try state.withLock { state -> (UInt64, Bool) in
                if let failure = state.failure { throw failure }
                guard !state.isClosing else { throw JournalError.closed }
                change(&state.histories)
                state.buffer.append(contentsOf: bytes)
                state.appended += 1
                defer { state.isWakeupPending = true }
                return (state.appended, !state.isWakeupPending)
            }
        }
        if wake { wakeup.signal() }
        return JournalPosition(position)
    }

    /// Writes and syncs at once when someone waits for durability; otherwise writes what is
    /// queued within `writeDelay` and syncs once `syncInterval` has passed since the last sync:
    /// orchestration steps that nobody waits for share writes and syncs.
    private func writeLoop() {
        // Durability callbacks run here; what they deliver must not run orchestration code on the
        // writer thread (it would hold up every other commit), so drains go to Dispatch instead.
        DrainingThread.isDraining = true
        let interval = Self.syncInterval
        var unsynced = false
        var lastSync = DispatchTime.now()
        while true {
            if unsynced {
                _ = wakeup.wait(timeout: lastSync + interval)
            } else {
                wakeup.wait()
            }
            // Unless someone asks for a sync, give the appends a grace before taking them: one
            // `write` for many steps instead of a wake-up and a `write` for every few of them.
            // Strict waits a whole sync interval: the thread running a step writes and syncs it
            // itself when the step ends (see `whenDurable`), and stepping in at once only made it
            // wait for the writer.
            let deadline = DispatchTime.now() + (options.durability == .strict ? interval : Self.writeDelay)
            while state.withLock({ !$0.isSyncRequested && !$0.isClosing }), wakeup.wait(timeout: deadline) == .success {}
            let done = output.withLock { output in
                let flushed = flush(&output, by: .writer)
                unsynced = output.synced < output.written && options.durability != .buffered
                lastSync = output.lastSync
                return flushed
            }
            done.notifyAll()
            if done.isClosing {
                stopped.signal()
                return
            }
        }
    }

    /// The waiters a flush satisfied (or failed), to notify once `output` is released.
    private struct Flushed {
        var waiters: [Waiter] = []
        var result: Result<Void, JournalError> = .success(())
        /// The journal is closing: the writer's last flush.
        var isClosing = false

        func notifyAll() {
            for waiter in waiters { waiter(result) }
        }
    }

    /// Who flushes: the writer thread, or (strict durability) a thread that syncs for its own waiter.
    private enum Flusher {
        case writer
        case waitingThread
    }

    /// Writes everything queued to the segment and, if anyone waits (or a waiting thread flushes,
    /// or the last sync is one sync interval old), syncs it. Runs with `output` held, on whichever
    /// thread holds it.
    private func flush(_ output: inout Output, by flusher: Flusher) -> Flushed {
        var rollover: (afterBytes: Int, reply: @Sendable (Int) -> Void)?
        let (upTo, closing, awaited) = state.withLock { state -> (UInt64, Bool, Bool) in
            swap(&output.batch, &state.buffer)
            rollover = state.rollover
            state.rollover = nil
            // Only the writer's own flush re-arms the wake-up: a strict step that syncs itself
            // leaves the writer asleep in its grace, or the next step's append would wake it again
            // (a futex wake and two context switches per step, for nothing to write).
            if flusher == .writer { state.isWakeupPending = false }
            state.isSyncRequested = false
            return (state.appended, state.isClosing, !state.waiters.isEmpty)
        }
        var flushed = Flushed(isClosing: closing)
        do {
            if let rollover {
                try output.segment.write(Array(output.batch[..<rollover.afterBytes]))
                let sealed = try sealSegment(&output)
                try output.segment.write(Array(output.batch[rollover.afterBytes...]))
                rollover.reply(sealed)
            } else if !output.batch.isEmpty {
                try output.segment.write(output.batch)
            }
            output.written = upTo
            if options.durability == .buffered {
                output.synced = output.written
            } else if output.synced < output.written,
                flusher == .waitingThread || awaited || closing || DispatchTime.now() >= output.lastSync + Self.syncInterval
            {
                try output.segment.sync()
                output.synced = output.written
                output.lastSync = DispatchTime.now()
            }
            if output.segment.size >= options.segmentSize {
                _ = try sealSegment(&output)  // syncs what it seals
                output.synced = output.written
                compactIfDue(&output)
            }
        } catch {
            let failure = error as? JournalError ?? .io(operation: "write", path: output.segment.path, errno: EIO)
            flushed.result = .failure(failure)
            flushed.waiters = state.withLock { state in
                state.failure = failure
                defer { state.waiters = [] }
                return state.waiters
            }
        }
        output.batch.removeAll(keepingCapacity: true)
        if case .success = flushed.result {
            flushed.waiters = state.withLock { [synced = output.synced] state -> [Waiter] in
                guard state.failure == nil else { return [] }
                state.durable = synced
                guard !state.waiters.isEmpty else { return [] }
                let done = state.waiters.filter { $0.position <= synced }
                state.waiters.removeAll { $0.position <= synced }
                return done
            }
        }
        return flushed
    }

    /// The longest an appended record waits to be written when nobody waits for it.
    private static let writeDelay = DispatchTimeInterval.milliseconds(1)

    /// The longest an appended record waits for a sync when nobody asks for one.
    static let syncIntervalMilliseconds = 5
    private static let syncInterval = DispatchTimeInterval.milliseconds(syncIntervalMilliseconds)

    /// Syncs and closes the current segment and starts the next; returns the sealed segment's number.
    private func sealSegment(_ output: inout Output) throws -> Int {
        try output.segment.sync()
        output.segment.close()
        let sealed = output.segmentNumber
        output.segmentNumber += 1
        output.sealedSegments += 1
        output.segment = try AppendFile.create(directory.url(.segment, output.segmentNumber))
        directory.syncDirectory()
        return sealed
    }

    // MARK: Compaction

    private func compactIfDue(_ output: inout Output) {
        guard output.sealedSegments >= options.compactionThreshold else { return }
        output.sealedSegments = 0
        Task.detached(priority: .utility) { [self] in try? await compact() }
    }

    /// Rewrites every history into one checkpoint file and deletes the segments it replaces.
    /// Purged instances and superseded executions take no space afterwards.
    public func compact() async throws {
        // The snapshot and the segment boundary are taken under one lock, so the checkpoint holds
        // exactly what the segments up to the sealed one hold.
        let taken = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<(snapshot: [String: [HistoryEvent]], sealed: Int)?, any Error>) in
            let refusal = state.withLock { state -> Result<(snapshot: [String: [HistoryEvent]], sealed: Int)?, any Error>? in
                if let failure = state.failure { return .failure(failure) }
                guard !state.isCompacting, !state.isClosing else { return .success(nil) }
                state.isCompacting = true
                let snapshot = state.histories
                state.rollover = (state.buffer.count, { continuation.resume(returning: (snapshot, $0)) })
                state.isWakeupPending = true
                return nil
            }
            if let refusal { continuation.resume(with: refusal) } else { wakeup.signal() }
        }
        guard let (snapshot, sealed) = taken else { return }
        defer { state.withLock { $0.isCompacting = false } }
        let temporary = directory.url(.checkpoint, sealed) + ".tmp"
        var file = try AppendFile.create(temporary)
        var buffer: [UInt8] = []
        for (instanceId, events) in snapshot {
            JournalRecord.replace(instanceId: instanceId, events: events).frame(into: &buffer)
            if buffer.count > 1 << 20 {
                try file.write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try file.write(buffer)
        try file.sync()
        file.close()
        guard rename(temporary, directory.url(.checkpoint, sealed)) == 0 else {
            throw JournalError.io(operation: "rename", path: temporary, errno: errno)
        }
        directory.syncDirectory()
        for old in try directory.files(.segment) where old.number <= sealed { unlink(old.path) }
        for old in try directory.files(.checkpoint) where old.number < sealed { unlink(old.path) }
    }

}
