#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A per-thread value: a flag, or a pointer.
final class ThreadLocalKey: Sendable {
    private let key: pthread_key_t

    #if canImport(Darwin)
    typealias ExitHandler = @convention(c) (UnsafeMutableRawPointer) -> Void
    #else
    typealias ExitHandler = @convention(c) (UnsafeMutableRawPointer?) -> Void
    #endif

    /// `onThreadExit` is called with a thread's value, if it has one, when the thread exits.
    init(onThreadExit: ExitHandler? = nil) {
        var key = pthread_key_t()
        pthread_key_create(&key, onThreadExit)
        self.key = key
    }

    var value: UnsafeMutableRawPointer? {
        get { pthread_getspecific(key) }
        set { pthread_setspecific(key, newValue) }
    }

    var isSet: Bool {
        get { pthread_getspecific(key) != nil }
        set { pthread_setspecific(key, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }
}
