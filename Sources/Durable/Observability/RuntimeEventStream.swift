/// An observer that hands every event to an `AsyncStream`, for code that would rather iterate
/// than implement ``DurableObserver``: `for await event in stream.events { … }`.
///
/// Observing only buffers, so a slow consumer never holds up the runtime; when the buffer is
/// full the oldest events are dropped.
public final class RuntimeEventStream: DurableObserver {
    /// The events, in the order the runtime reported them. It ends when the stream is released
    /// or ``finish()`` is called.
    public let events: AsyncStream<RuntimeEvent>
    private let continuation: AsyncStream<RuntimeEvent>.Continuation

    /// Creates a stream keeping at most `bufferingNewest` events not yet consumed (at least one).
    public init(bufferingNewest: Int = 1024) {
        (events, continuation) = AsyncStream.makeStream(
            of: RuntimeEvent.self, bufferingPolicy: .bufferingNewest(max(1, bufferingNewest)))
    }

    /// Buffers the event for ``events``.
    public func observe(_ event: RuntimeEvent) {
        continuation.yield(event)
    }

    /// Ends ``events``: a loop over it stops once it has taken what is buffered.
    public func finish() {
        continuation.finish()
    }

    deinit {
        continuation.finish()
    }
}
