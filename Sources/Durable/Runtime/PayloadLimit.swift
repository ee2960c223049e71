/// The largest payload one step may put into history: the one place that knows
/// ``DurableRuntime/Configuration/maxPayloadSize``. Every entry point calls ``check(size:instanceId:step:)``.
struct PayloadLimit: Sendable {
    /// The most bytes a payload may have; a payload of exactly this many is accepted.
    let bytes: Int

    /// The configured limit, or ``DurableError/invalidConfiguration(_:)`` if it is out of range.
    init(configured bytes: Int) throws(DurableError) {
        let ceiling = DurableRuntime.Configuration.payloadSizeCeiling
        guard bytes > 0, bytes <= ceiling else {
            throw .invalidConfiguration(
                "maxPayloadSize is \(bytes) bytes; it must be at least 1 and at most \(ceiling) bytes (64 MiB), so that"
                    + " the journal record of any one event stays well under the journal's 256 MiB record limit.")
        }
        self.bytes = bytes
    }

    /// Throws ``DurableError/payloadTooLarge(instanceId:step:size:limit:)`` if `size` bytes are
    /// over the limit. One comparison when they are not: it runs on every step, and the
    /// autoclosures build their strings only for the error.
    @inline(__always)
    func check(size: Int, instanceId: @autoclosure () -> String, step: @autoclosure () -> String) throws(DurableError) {
        guard size <= bytes else {
            throw .payloadTooLarge(instanceId: instanceId(), step: step(), size: size, limit: bytes)
        }
    }

    /// ``check(size:instanceId:step:)`` for a payload's encoded bytes.
    @inline(__always)
    func check(_ payload: Payload, instanceId: @autoclosure () -> String, step: @autoclosure () -> String)
        throws(DurableError)
    {
        try check(size: payload.data.count, instanceId: instanceId(), step: step())
    }
}
