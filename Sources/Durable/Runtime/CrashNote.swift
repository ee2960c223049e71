import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// While instances recover, notes in a file when the process dies of a crash of its own — a
/// stack overflow, a trap, an abort — so the next start can tell it from a kill from outside
/// (SIGKILL, a power loss), which leaves no note. Only a crash of its own counts against the
/// instance recovering alone (see ``RecoveryPlan``): a deploy or an OOM kill during recovery
/// never quarantines anything.
///
/// The signal handlers are installed while at least one runtime in the process is recovering,
/// and put back after; each writes a byte to every open note and hands the signal to the handler
/// it replaced (or the default action), which then ends the process as it would have. A stack
/// overflow's handler needs an alternate signal stack on the overflowing thread: the thread that
/// starts an instance's code during recovery gets one (``prepareCurrentThread()``).
enum CrashNote {
    static let signals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE]
    private static let signalCount = 6
    private static let slotCount = 64
    private static let altStackSize = 64 << 10

    /// The open notes' descriptors (-1 for a free slot), and the replaced handlers, one per
    /// signal: raw memory the signal handler reads without the runtime. `nonisolated(unsafe)`:
    /// written only under `armed`'s lock; the handler reads them (a torn read at worst skips a note).
    private nonisolated(unsafe) static let slots: UnsafeMutablePointer<Int32> = {
        let slots = UnsafeMutablePointer<Int32>.allocate(capacity: slotCount)
        slots.initialize(repeating: -1, count: slotCount)
        return slots
    }()
    private nonisolated(unsafe) static let replaced: UnsafeMutablePointer<sigaction> = {
        let replaced = UnsafeMutablePointer<sigaction>.allocate(capacity: signals.count)
        replaced.initialize(repeating: sigaction(), count: signals.count)
        return replaced
    }()
    private nonisolated(unsafe) static let signalList: UnsafeMutablePointer<Int32> = {
        let list = UnsafeMutablePointer<Int32>.allocate(capacity: signals.count)
        list.initialize(from: signals, count: signals.count)
        return list
    }()
    private static let armed = Mutex(0)  // how many slots are open
    static let isArmed = Atomic<Bool>(false)

    /// Reads and removes the note at `path`: whether it says the process crashed.
    static func consume(at path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        var byte: UInt8 = 0
        let count = read(fd, &byte, 1)
        close(fd)
        unlink(path)
        return count == 1 && byte == UInt8(ascii: "C")
    }

    /// Opens a fresh note at `path` and makes sure the handlers are installed; returns its slot,
    /// or `nil` if none could be had (recovery then goes on without; a crash reads as a kill).
    static func arm(at path: String) -> Int? {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        let slot = armed.withLock { count -> Int? in
            guard let slot = (0..<slotCount).first(where: { slots[$0] < 0 }) else { return nil }
            slots[slot] = fd
            count += 1
            if count == 1 { install() }
            return slot
        }
        if slot == nil {
            close(fd)
            unlink(path)
        }
        return slot
    }

    /// Closes the slot's note and removes it (recovery ended without a crash); the handlers go
    /// back once no runtime is recovering.
    static func disarm(_ slot: Int, at path: String) {
        armed.withLock { count in
            guard slots[slot] >= 0 else { return }
            close(slots[slot])
            slots[slot] = -1
            count -= 1
            if count == 0 { restore() }
        }
        unlink(path)
    }

    /// Gives the calling thread an alternate signal stack if it has none, while notes are open:
    /// a thread whose stack overflowed has no room left to run the handler on.
    static func prepareCurrentThread() {
        guard isArmed.load(ordering: .relaxed) else { return }
        var current = stack_t()
        guard sigaltstack(nil, &current) == 0, current.ss_flags & Int32(SS_DISABLE) != 0,
            let memory = malloc(altStackSize)  // kept for the thread's life: it may need it later
        else { return }
        var alternate = stack_t()
        alternate.ss_sp = memory
        alternate.ss_size = altStackSize
        alternate.ss_flags = 0
        if sigaltstack(&alternate, nil) != 0 { free(memory) }
    }

    private static func install() {
        _ = (signalList, replaced)  // set up before the handler can need them
        var action = sigaction()
        #if canImport(Darwin)
        action.__sigaction_u.__sa_sigaction = handler
        #else
        action.__sigaction_handler.sa_sigaction = handler
        #endif
        action.sa_flags = Int32(SA_SIGINFO | SA_ONSTACK)
        sigemptyset(&action.sa_mask)
        for index in signals.indices { sigaction(signals[index], &action, replaced + index) }
        isArmed.store(true, ordering: .relaxed)
    }

    private static func restore() {
        isArmed.store(false, ordering: .relaxed)
        for index in signals.indices { sigaction(signals[index], replaced + index, nil) }
    }

    /// Async-signal-safe: system calls on memory set up before it was installed, nothing else.
    private static let handler: @convention(c) (Int32, UnsafeMutablePointer<siginfo_t>?, UnsafeMutableRawPointer?) -> Void = {
        signal, _, _ in
        var note = UInt8(ascii: "C")
        for slot in 0..<CrashNote.slotCount where CrashNote.slots[slot] >= 0 {
            _ = write(CrashNote.slots[slot], &note, 1)
        }
        // Back to the handler this one replaced, and the signal again (pending until this
        // returns): it ends the process as it would have without this handler.
        for index in 0..<CrashNote.signalCount where CrashNote.signalList[index] == signal {
            sigaction(signal, CrashNote.replaced + index, nil)
        }
        raise(signal)
    }
}
