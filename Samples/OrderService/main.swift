// The main demo: the seed's order flow (OrderFlow.swift) on the default file journal (./.durable).
//
//     swift run OrderService                       # pays successfully
//     swift run OrderService --payment fail        # the payment provider declines
//     swift run OrderService --payment none        # no answer: the payment times out
//     swift run OrderService --crash-after 3       # SIGKILLs itself after 3 steps; run it again to resume
//     swift run OrderService --check-journal DIR    # pre-deploy check of DIR against this build; exit 1 if it breaks
//
// It prints each custom-status change as it happens and, at the end, the history as an audit
// trail, marking which steps were replayed from the journal and which ran in this process.

import Durable
import Foundation
import Synchronization

/// Prints a line unbuffered, so nothing is lost when the process kills itself.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// MARK: Flags

let arguments = CommandLine.arguments
func flag(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let paymentAnswer = flag("--payment") ?? "success"
let crashAfter = flag("--crash-after").flatMap(Int.init)
let paymentTimeout = flag("--payment-timeout").flatMap(Double.init) ?? 5
guard ["success", "fail", "none"].contains(paymentAnswer) else {
    say("--payment takes success, fail or none")
    exit(2)
}

/// Counts finished steps and, with --crash-after, kills the process with SIGKILL after that many.
final class CrashSwitch: Sendable {
    let after: Int?
    private let count = Mutex(0)

    init(after: Int?) { self.after = after }

    func stepFinished(_ name: String) {
        let done = count.withLock { count in
            count += 1
            return count
        }
        say("    step \(done): \(name) ran live")
        if let after, done >= after {
            say("    --crash-after \(after): SIGKILL now. Run the same command again to resume.")
            kill(getpid(), SIGKILL)
        }
    }
}

// MARK: The run

let crashSwitch = CrashSwitch(after: crashAfter)
let steps = StepObserver(finished: { crashSwitch.stepFinished($0) })
// --check-journal DIR: check DIR's unfinished instances against this build's registrations, run nothing.
let journalToCheck = CompatibilityCheck.journalToCheck()
let runtime = try await DurableRuntime(storage: journalToCheck == nil ? .directory(".durable") : .memory) {
    PlaceOrder.self
    Payment.self
    GetShoppingCart(carts: ShoppingCartClient(), steps: steps)
    GetUser(steps: steps)
    CheckAndReserveStock(steps: steps)
    ShippingCost(steps: steps)
    FinalCost(steps: steps)
    StartPayment(steps: steps)
}
if let journalToCheck { exit(await CompatibilityCheck().run(journal: journalToCheck, against: runtime)) }
let client = runtime.client
let id = "order-demo"

let existing = try? await client.status(of: id)
let isResuming = existing.map { !$0.runtimeStatus.isFinished } ?? false
let journaledAtStart = isResuming ? ((try? await client.history(of: id).count) ?? 0) : 0
if isResuming {
    say("Resuming \(id) from the journal (\(journaledAtStart) events recorded before this run).")
} else {
    let order = Order(id: id, cartId: "cart-42", userId: "user-7", paymentTimeoutSeconds: paymentTimeout)
    try await client.start(PlaceOrder.self, input: order, instanceId: id, reuse: .replaceFinished)
    say("Started \(id) (payment answer: \(paymentAnswer)).")
}

// Print each custom-status change; play the payment provider's webhook once payment has started.
var lastStage: OrderStage?
var answered = false
while true {
    let status = try await client.status(of: id)
    if let stage = try status.customStatus(as: OrderStage.self), stage != lastStage {
        say("  status: \(stage.rawValue)")
        lastStage = stage
    }
    if lastStage == .awaitingPayment, !answered, paymentAnswer != "none",
        let payment = try? await client.status(of: "\(id)-payment"), payment.runtimeStatus == .running,
        let paymentHistory = try? await client.history(of: "\(id)-payment"),
        paymentHistory.contains(where: { $0.kind.name == "TaskCompleted" }),
        !paymentHistory.contains(where: { $0.kind.name == "EventRaised" })  // a run before a crash may have answered
    {
        answered = true
        let name = paymentAnswer == "success" ? "payment-request-success" : "payment-request-fail"
        say("  webhook: raising \(name)")
        try await client.raiseEvent("\(id)-payment", name: name, payload: paymentAnswer == "success" ? "txn-9001" : "card expired")
    }
    if status.runtimeStatus.isFinished { break }
    try await Task.sleep(for: .milliseconds(20))
}

let result = try await client.result(of: id, as: PlaceOrder.self, timeout: .seconds(60))
say("Finished: \(result)\n")

say("Audit trail (\(journaledAtStart > 0 ? "events before #\(journaledAtStart) were replayed from the journal" : "all live")):")
let history = try await client.history(of: id)
let start = history.first?.timestamp ?? Date()
for (step, event) in history.enumerated() {
    let offset = String(format: "%8.1f ms", event.timestamp.timeIntervalSince(start) * 1_000)
    let origin = step < journaledAtStart ? "replayed" : "live    "
    say("  \(String(format: "%2d", step))  \(origin)  \(offset)  \(event)")
}
runtime.shutdown()
