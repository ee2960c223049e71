import Durable
import Logging
import ServiceLifecycle

/// The Durable runtime as a member of the ``ServiceGroup``: it idles until the group shuts down
/// gracefully, then drains the runtime.
///
/// Listed before the HTTP server, so the group (which stops services in reverse order) stops the
/// server first: no new start arrives while the runtime drains, and every in-flight request still
/// gets its answer from a live runtime.
struct DurableService: Service {
    let runtime: DurableRuntime
    let gracePeriod: Duration
    let logger: Logger

    func run() async throws {
        // Throws only when the group cancels us instead: then shut down at once (a cancelled
        // task ends the grace immediately), still syncing and closing the journal.
        try? await gracefulShutdown()
        logger.info("draining the Durable runtime", metadata: ["grace": "\(gracePeriod)"])
        await runtime.shutdown(gracePeriod: gracePeriod)
        logger.info("Durable runtime stopped; the journal is closed")
    }
}
