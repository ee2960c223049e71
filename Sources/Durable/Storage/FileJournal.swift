import Dispatch
import Foundation
import Synchronization

/// The default history store: an append-only journal of segment files in a directory.
///
/// Appends from every instance go to one writer thread, which writes each batch with one `write`
/// and one `fsync` (group commit). A `MANIFEST` names the files the journal consists of and the
/// length of each sealed one; sync markers in the newest segment say how much of it was synced.
/// On open it checks every file and record against them, cuts away a torn tail (unsynced bytes a
/// crash left short or zero-filled), and refuses — or, with ``Options/repairCorruption``, sets
/// aside — anything else that is wrong. Only one journal may have a directory open at a time.
///
/// ```swift
/// let runtime = try await DurableRuntime(storage: .directory(".durable")) { ... }
/// ```
///
/// (This file is over 400 lines: the writer's state, its loop, its flush and the rollover and
/// compaction that run inside a flush only make sense read together. Opening is in
/// `FileJournal+Opening.swift`.)
public final class FileJournal: HistoryStore, @unchecked Sendable {
    // @unchecked: `state` and `output` are behind their mutexes; everything else is immutable.

    /// When an append counts as durable.
    public enum Durability: Sendable, Hashable {
        /// Each batch is synced to disk before its appends are acknowledged (the default).
        case groupCommit
        /// Like `groupCommit`, and in addition nothing that follows a step leaves the instance before
        /// the step is durable: an activity is dispatched, a timer armed, a child started, a custom
        /// status or an end shown only once everything its drain recorded (and so the result before
        /// it) is synced, and a delivered result is synced at once even if nothing follows it yet.
        /// The price is one sync per step, done by the thread that ran it. An activity runs again
        /// after a crash only if the crash lands between its return and its result's sync (one
        /// write and one fsync).
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
        /// When opening finds damage, set aside exactly the damaged records and files, keep every
        /// intact record before and after them, and rewrite the journal as one checkpoint of what
        /// was kept (``RecoveryReport/repair`` says what was lost) instead of failing to open.
        public var repairCorruption: Bool
        /// Histories larger than this are written as several records (a checkpoint or a
        /// continue-as-new never exceeds the frame limit, however long the history).
        var historyPartSize = 16 << 20
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
        var histories: JournalHistories
        var buffer: [UInt8] = []
        var appended: UInt64 = 0
        var durable: UInt64 = 0
        var waiters: [Waiter] = []
        /// Seal the segment after this many bytes of `buffer` and report its number (compaction).
        var rollover: (afterBytes: Int, reply: @Sendable (Result<Int, JournalError>) -> Void)?
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
        var manifest: JournalManifest
        var batch: [UInt8] = []
        var written: UInt64 = 0
        var synced: UInt64 = 0
        var lastSync = DispatchTime.now()
        /// Bytes of the segment known synced, and the most a sync marker in it vouches for: the
        /// next write starts with a marker when the first is ahead.
        var syncedBytes: Int
        var markedBytes: Int
        /// After a rollover failed (the next file could not be created), the size at which to try
        /// again: appends go on to the current segment meanwhile.
        var retryRolloverAt: Int?
        /// Who hears of each sync (``RuntimeEvent/journalSynced(records:bytes:latency:)``); set by the runtime.
        var observers: RuntimeObservers?

        var segmentNumber: Int { manifest.newest }
    }

    let directory: JournalDirectory
    let journalID: JournalID
    private let state: Lock<State>
    private let output: Mutex<Output>
    private let wakeup = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private let lockDescriptor: Int32

    /// Opens (creating if needed) the journal in `path` and loads every history in it.
    ///
    /// - Throws: ``JournalError/directoryLocked(path:)`` if another runtime has it open; without
    ///   `repairCorruption`, ``JournalError/corruptRecord(file:offset:reason:)``,
    ///   ``JournalError/missingFile(file:reason:)``, ``JournalError/truncatedFile(file:expectedLength:actualLength:)``,
    ///   ``JournalError/foreignFile(file:reason:)`` or ``JournalError/unsupportedFormat(file:version:supported:)``
    ///   for anything wrong with its files; ``JournalError/io(operation:path:errno:)`` with the real cause.
    public init(directory path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        self.directory = JournalDirectory(path: path)
        try directory.create()
        lockDescriptor = try directory.lock()
        do {
            let opened = try Self.open(directory, options: options)
            recoveryReport = opened.report
            journalID = opened.journal
            state = Lock(State(histories: opened.histories))
            output = Mutex(
                Output(segment: opened.segment, manifest: opened.manifest, syncedBytes: opened.segment.size, markedBytes: opened.markedBytes))
        } catch {
            // Unlocked before it is closed, as `close()` does: a process forked meanwhile holds a
            // copy of the descriptor until it execs, and the lock with it.
            _ = flock(lockDescriptor, LOCK_UN)
            _ = Foundation.close(lockDescriptor)
            throw error
        }
        if recoveryReport.tornTail != nil || recoveryReport.repair != nil || !recoveryReport.leftoversRemoved.isEmpty {
            options.log(recoveryReport.description)
        }
        let thread = Thread { [self] in writeLoop() }
        thread.name = "Durable journal writer"
        thread.start()
    }

    /// Who hears of each sync; the runtime that opens the journal sets it. Taken with `output`,
    /// which every sync holds anyway.
    var observers: RuntimeObservers? {
        get { output.withLock { $0.observers } }
        set { output.withLock { $0.observers = newValue } }
    }

    // MARK: HistoryStore

    public var dispatchWaitsForDurability: Bool { options.durability == .strict }

    public func append(_ event: HistoryEvent, to instanceId: String) throws -> JournalPosition {
        try write(.append(instanceId: instanceId, event: event)) { $0.append(event, to: instanceId) }
    }

    public func replaceHistory(of instanceId: String, with events: [HistoryEvent]) throws -> JournalPosition {
        // Framed under the lock, where the new generation is known: replacements are rare (a
        // continue-as-new, a reused id), and a long history is split into parts here.
        try enqueue { state in
            let generation = state.histories.entries[instanceId].map { $0.generation &+ 1 } ?? 0
            try JournalRecord.frameHistory(
                of: instanceId, events, generation: generation, partSize: options.historyPartSize, into: &state.buffer)
            _ = state.histories.replace(instanceId, with: events)
        }
    }

    public func removeHistory(of instanceId: String) throws -> JournalPosition {
        try write(.remove(instanceId: instanceId)) { (0, $0.remove(instanceId)) }
    }

    public func history(of instanceId: String) -> [HistoryEvent]? {
        state.withLock { $0.histories.history(of: instanceId) }
    }

    public func allHistories() -> [String: [HistoryEvent]] {
        state.withLock { $0.histories.histories }
    }

    /// The position of the last record queued: a graceful shutdown waits until it is durable.
    var lastQueuedPosition: JournalPosition { state.withLock { JournalPosition($0.appended) } }

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
        let failed = state.withLock { $0.failure != nil }
        output.withLock { output in
            // The writer's last flush synced everything; a marker saying so lets the next open
            // treat damage anywhere in this segment as corruption, not as a torn tail.
            if !failed, output.syncedBytes > output.markedBytes, options.durability != .buffered {
                var marker: [UInt8] = []
                if (try? JournalRecord.syncMarker(syncedThrough: output.syncedBytes).frame(into: &marker)) != nil,
                    (try? output.segment.write(marker)) != nil
                {
                    try? output.segment.sync()
                }
            }
            output.segment.close()
        }
        _ = flock(lockDescriptor, LOCK_UN)
        _ = Foundation.close(lockDescriptor)
    }

    /// Whether ``close()`` was called: nothing may be written to the directory any more.
    var isClosed: Bool { state.withLock { $0.isClosing } }

    /// The bytes the journal's files take on disk now.
    public var sizeOnDisk: Int {
        let files = ((try? directory.files(.segment)) ?? []) + ((try? directory.files(.checkpoint)) ?? [])
        return files.reduce(0) { $0 + max(0, journalFileSize($1.path)) }
    }

    // MARK: Appending

    /// Queues one record. It is framed outside the lock (framing under it made concurrent appends
    /// contend), into a buffer this thread reuses; under the lock it only gets its place in its
    /// instance's history (index and generation) stamped into its header.
    private func write(
        _ record: JournalRecord, stamping change: (inout JournalHistories) -> (index: UInt32, generation: UInt32)
    ) throws -> JournalPosition {
        try FrameScratch.framing(record) { bytes in
            try enqueue { state in
                let stamp = change(&state.histories)
                let start = state.buffer.count
                state.buffer.append(contentsOf: bytes)
                JournalRecord.stamp(&state.buffer, at: start, index: stamp.index, generation: stamp.generation)
            }
        }
    }

    /// Runs `add` (which appends framed records to the buffer) unless the journal failed or is
    /// closing, counts one append, and wakes the writer if it is not woken already.
    private func enqueue(_ add: (inout State) throws -> Void) throws -> JournalPosition {
        let (position, wake) = try state.withLock { state -> (UInt64, Bool) in
            if let failure = state.failure { throw failure }
            guard !state.isClosing else { throw JournalError.closed }
            try add(&state)
            state.appended += 1
            defer { state.isWakeupPending = true }
            return (state.appended, !state.isWakeupPending)
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
        /// The sync this flush did, reported once `output` is released.
        var synced: (observers: RuntimeObservers, event: RuntimeEvent)?

        func notifyAll() {
            if let synced { synced.observers.emit(synced.event) }
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
        var rollover: (afterBytes: Int, reply: @Sendable (Result<Int, JournalError>) -> Void)?
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
                try writeMarked(output.batch[..<rollover.afterBytes], to: &output)
                let sealed = output.segmentNumber
                do {
                    try rollOver(&output)
                    rollover.reply(.success(sealed))
                } catch RolloverFailure.notCommitted(let error) {
                    rollover.reply(.failure(error))
                }
                try writeMarked(output.batch[rollover.afterBytes...], to: &output)
            } else if !output.batch.isEmpty {
                try writeMarked(output.batch[...], to: &output)
            }
            output.written = upTo
            if options.durability == .buffered {
                output.synced = output.written
            } else if output.synced < output.written,
                flusher == .waitingThread || awaited || closing || DispatchTime.now() >= output.lastSync + Self.syncInterval
            {
                let began = output.observers.map { _ in ContinuousClock.now }
                try output.segment.sync()
                if let observers = output.observers, let began {
                    let event = RuntimeEvent.journalSynced(
                        records: Int(clamping: output.written &- output.synced),
                        bytes: max(0, output.segment.size - output.syncedBytes), latency: ContinuousClock.now - began)
                    flushed.synced = (observers, event)
                }
                output.synced = output.written
                output.syncedBytes = output.segment.size
                output.lastSync = DispatchTime.now()
            }
            if output.segment.size >= max(options.segmentSize, output.retryRolloverAt ?? 0) {
                do {
                    try rollOver(&output)  // syncs what it seals
                    output.synced = output.written
                    compactIfDue(&output)
                } catch RolloverFailure.notCommitted(let error) {
                    // Appends go on to this segment; try again after another quarter segment.
                    output.retryRolloverAt = output.segment.size + max(1, options.segmentSize / 4)
                    options.log("Could not start a new journal segment (appends continue in the current one): \(error)")
                }
            }
        } catch {
            let failure = error as? JournalError ?? .io(operation: "write", path: output.segment.path, errno: EIO)
            flushed.result = .failure(failure)
            flushed.waiters = state.withLock { state in
                // The first failure is the one to report: later ones only follow from it.
                if state.failure == nil { state.failure = failure }
                flushed.result = .failure(state.failure ?? failure)
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

    /// Writes `bytes` to the segment, preceded by a sync marker if a sync happened since the last
    /// marker: the marker makes the bytes before it known-synced to a reader, so damage there is
    /// reported as corruption rather than cut away as a torn tail.
    private func writeMarked(_ bytes: ArraySlice<UInt8>, to output: inout Output) throws {
        guard !bytes.isEmpty else { return }
        guard output.syncedBytes > output.markedBytes else {
            return try bytes.withUnsafeBytes { try output.segment.write($0) }
        }
        var marker: [UInt8] = []
        try JournalRecord.syncMarker(syncedThrough: output.syncedBytes).frame(into: &marker)
        output.markedBytes = output.syncedBytes
        try marker.withUnsafeBytes { marker in try bytes.withUnsafeBytes { try output.segment.write(marker, $0) } }
    }

    /// The longest an appended record waits to be written when nobody waits for it.
    private static let writeDelay = DispatchTimeInterval.milliseconds(1)

    /// The longest an appended record waits for a sync when nobody asks for one.
    static let syncIntervalMilliseconds = 5
    private static let syncInterval = DispatchTimeInterval.milliseconds(syncIntervalMilliseconds)

    /// A rollover that failed before the manifest named the new segment: the current segment is
    /// still open and appends can go on there.
    private enum RolloverFailure: Error {
        case notCommitted(JournalError)
    }

    /// Seals the current segment and starts the next. The new file is created and synced and the
    /// manifest renamed to name it (with the sealed file's length) before the current one is
    /// closed, so a failure before that leaves the journal as it was.
    private func rollOver(_ output: inout Output) throws {
        var next: AppendFile
        var manifest = output.manifest
        do {
            try output.segment.sync()
            output.syncedBytes = output.segment.size
            next = try directory.createSegment(manifest.newest + 1, journal: journalID)
        } catch let error as JournalError {
            throw RolloverFailure.notCommitted(error)
        }
        manifest.sealed.append(.init(number: manifest.newest, length: output.segment.size))
        manifest.newest += 1
        do {
            try directory.replaceManifest(manifest, journal: journalID)
        } catch let error as JournalError {
            next.close()
            unlink(next.path)
            throw RolloverFailure.notCommitted(error)
        }
        output.segment.close()
        output.segment = next
        output.manifest = manifest
        output.syncedBytes = next.size
        output.markedBytes = next.size
        output.retryRolloverAt = nil
        try directory.syncDirectory()  // committed already: a failure here fails the journal
    }

    // MARK: Compaction

    private func compactIfDue(_ output: inout Output) {
        guard output.manifest.sealed.count >= options.compactionThreshold else { return }
        Task.detached(priority: .utility) { [self] in try? await compact() }
    }

    /// Rewrites every history into one checkpoint file and deletes the segments it replaces.
    /// Purged instances and superseded executions take no space afterwards. A history too long
    /// for one record is written in parts, so no checkpoint record exceeds the frame limit.
    public func compact() async throws {
        typealias Taken = (snapshot: [String: JournalHistories.Entry], sealed: Int)
        // The snapshot and the segment boundary are taken under one lock, so the checkpoint holds
        // exactly what the segments up to the sealed one hold.
        let taken = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Taken?, any Error>) in
            let refusal = state.withLock { state -> Result<Taken?, any Error>? in
                if let failure = state.failure { return .failure(failure) }
                guard !state.isCompacting, !state.isClosing else { return .success(nil) }
                state.isCompacting = true
                let snapshot = state.histories.snapshot
                state.rollover = (
                    state.buffer.count,
                    { sealed in continuation.resume(with: sealed.map { Optional((snapshot, $0)) }.mapError { $0 as any Error }) }
                )
                state.isWakeupPending = true
                return nil
            }
            if let refusal { continuation.resume(with: refusal) } else { wakeup.signal() }
        }
        guard let (snapshot, sealed) = taken else { return }
        defer { state.withLock { $0.isCompacting = false } }
        let length = try directory.writeCheckpoint(sealed, journal: journalID, histories: snapshot, partSize: options.historyPartSize)
        // Committed by the manifest naming it; only then are the files it replaces deleted.
        try output.withLock { output in
            // Closed meanwhile: the directory may be another runtime's by now. The checkpoint is
            // left unnamed, a leftover the next open removes.
            if state.withLock({ $0.isClosing }) { throw JournalError.closed }
            var manifest = output.manifest
            manifest.checkpoint = .init(number: sealed, length: length)
            manifest.sealed.removeAll { $0.number <= sealed }
            try directory.writeManifest(manifest, journal: journalID)
            output.manifest = manifest
        }
        for old in try directory.files(.segment) where old.number <= sealed { try directory.remove(old.path) }
        for old in try directory.files(.checkpoint) where old.number < sealed { try directory.remove(old.path) }
        try directory.syncDirectory()
    }
}
