#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A byte buffer per thread, for framing journal records outside the journal's lock without
/// allocating a buffer per record (an append is every step's cost).
final class FrameScratch {
    private var bytes: [UInt8] = []

    /// Frames `record` into this thread's buffer and hands the bytes to `body`.
    /// - Throws: ``JournalError/recordTooLarge(instanceId:size:limit:)``, or what `body` throws.
    static func framing<T>(_ record: JournalRecord, _ body: ([UInt8]) throws -> T) throws -> T {
        let scratch = current
        scratch.bytes.removeAll(keepingCapacity: true)
        defer {
            // A large record (or one refused as too large, after it was encoded) keeps no giant buffer.
            if scratch.bytes.capacity > 1 << 16 { scratch.bytes = [] }
        }
        try record.frame(into: &scratch.bytes)
        return try body(scratch.bytes)
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // Releases a thread's buffer when the thread exits.
        #if canImport(Darwin)
        pthread_key_create(&key) { Unmanaged<FrameScratch>.fromOpaque($0).release() }
        #else
        pthread_key_create(&key) { raw in
            if let raw { Unmanaged<FrameScratch>.fromOpaque(raw).release() }
        }
        #endif
        return key
    }()

    private static var current: FrameScratch {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<FrameScratch>.fromOpaque(raw).takeUnretainedValue()
        }
        let scratch = FrameScratch()
        pthread_setspecific(key, Unmanaged.passRetained(scratch).toOpaque())
        return scratch
    }
}
