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

    /// With `ownsObjects`, each thread's value is a retained object (`Unmanaged.passRetained`),
    /// released when the thread ends.
    init(ownsObjects: Bool = false) {
        var key = pthread_key_t()
        if ownsObjects {
            #if canImport(Darwin)
            pthread_key_create(&key) { Unmanaged<AnyObject>.fromOpaque($0).release() }
            #else
            pthread_key_create(&key) { raw in
                if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
            }
            #endif
        } else {
            pthread_key_create(&key, nil)
        }
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
