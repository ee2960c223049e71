#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a plain pthread mutex, for the locks every instance contends on.
///
/// `Synchronization.Mutex` on Linux is a priority-inheriting futex: once contended, every lock
/// and unlock goes through the kernel's rt-mutex code. Under the runtime's shared locks (the
/// in-memory store, the instance table) with several threads completing instances at once, that
/// took over half of the completion path (perf, B5). An ordinary mutex spins briefly in user space
/// and sleeps without the priority hand-off.
final class Lock<Value>: @unchecked Sendable {
    // @unchecked: `value` is only reached through `withLock`, which holds the mutex.
    private let buffer: ManagedBuffer<Value, pthread_mutex_t>

    init(_ value: Value) {
        buffer = ManagedBuffer<Value, pthread_mutex_t>.create(minimumCapacity: 1) { _ in value }
        buffer.withUnsafeMutablePointerToElements { mutex in
            var attributes = pthread_mutexattr_t()
            pthread_mutexattr_init(&attributes)
            #if canImport(Glibc)
            pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ADAPTIVE_NP))
            #endif
            pthread_mutex_init(mutex, &attributes)
            pthread_mutexattr_destroy(&attributes)
        }
    }

    deinit {
        buffer.withUnsafeMutablePointerToElements { _ = pthread_mutex_destroy($0) }
    }

    /// Runs `body` with the value while holding the lock.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try buffer.withUnsafeMutablePointers { value, mutex in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&value.pointee)
        }
    }
}
