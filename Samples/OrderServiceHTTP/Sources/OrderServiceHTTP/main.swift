// The seed's OrderService as an HTTP service: Hummingbird in front, the Durable runtime on a file
// journal behind it, the Durable Functions management API under /runtime/webhooks/durabletask,
// Prometheus metrics at /metrics, all in one ServiceGroup that shuts down gracefully on SIGTERM
// or SIGINT. See README.md for a walk-through.

import Durable
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Writes a line to standard output unbuffered: scripts wait for the "listening" line.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let options: Options
switch Options.parse(Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment) {
case .success(let parsed):
    options = parsed
case .failure(let problem):
    FileHandle.standardError.write(Data((problem.message + "\n").utf8))
    exit(problem.isHelp ? 0 : 2)
}

var logger = Logger(label: "OrderServiceHTTP")
logger.logLevel = options.logLevel

let prometheus = PrometheusCollectorRegistry()
MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: prometheus))

var configuration = DurableRuntime.Configuration(log: { [logger] line in logger.warning("\(line)") })
configuration.observers = [MetricsObserver(), LogObserver(logger: logger)]
let steps = StepObserver(latency: options.stepLatency)
let runtime: DurableRuntime
do {
    runtime = try await DurableRuntime(storage: .directory(options.journal), configuration: configuration) {
        PlaceOrder.self
        Payment.self
        GetShoppingCart(carts: ShoppingCartClient(), steps: steps)
        GetUser(steps: steps)
        CheckAndReserveStock(steps: steps)
        ShippingCost(steps: steps)
        FinalCost(steps: steps)
        StartPayment(steps: steps)
    }
} catch {
    logger.critical("cannot open the journal", metadata: ["journal": "\(options.journal)", "error": "\(error)"])
    exit(1)
}

let prefix = "/runtime/webhooks/durabletask"
if options.key.isEmpty {
    logger.warning(
        "no management key (--key or DURABLE_MANAGEMENT_KEY): the management API under \(prefix) answers 401 to every request")
}
// Without a key nothing is authorized: the management plane is never open by default.
let authorize: DurableHTTPAPI.Authorization =
    options.key.isEmpty ? { @Sendable _ in false } : DurableHTTPAPI.requireKey(options.key)
let api = DurableHTTPAPI(client: runtime.client, prefix: prefix, authorize: authorize)

let router = Router(context: BasicRequestContext.self)
OrderRoutes(client: runtime.client, api: api, paymentTimeout: options.paymentTimeout, logger: logger)
    .register(on: router)
router.get("/metrics") { _, _ in
    Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: prometheus.emitToBuffer())))
}

let app = Application(
    responder: ServiceResponder(management: ManagementForwarder(api: api), router: router.buildResponder()),
    configuration: ApplicationConfiguration(
        address: .hostname(options.host, port: options.port), serverName: "OrderServiceHTTP"),
    onServerRunning: { [options] channel in
        let port = channel.localAddress?.port ?? options.port
        say("OrderServiceHTTP listening on http://\(options.host):\(port) (journal \(options.journal))")
    },
    logger: logger)

let group = ServiceGroup(
    configuration: ServiceGroupConfiguration(
        services: [
            .init(service: DurableService(runtime: runtime, gracePeriod: options.grace, logger: logger)),
            // The server ending on its own (it failed to bind) ends the group, draining the runtime.
            .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup),
        ],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger))
do {
    try await group.run()
} catch {
    logger.error("stopped with an error", metadata: ["error": "\(error)"])
    await runtime.shutdown(gracePeriod: .zero)
    exit(1)
}
say("OrderServiceHTTP stopped")
