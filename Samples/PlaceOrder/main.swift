// Function chaining: CheckAndReserveInventory → ProcessPayment → ScheduleShipping → EmailCustomer.
//
//     swift run PlaceOrder
//     swift run PlaceOrder --check-journal DIR    # pre-deploy check of DIR against this build; exit 1 if it breaks

import Durable
import Foundation

let log = StepLog { FileHandle.standardOutput.write(Data("  \($0)\n".utf8)) }
// --check-journal DIR: check DIR's unfinished instances against this build's registrations, run nothing.
let journalToCheck = CompatibilityCheck.journalToCheck()
let runtime = try await DurableRuntime(storage: journalToCheck == nil ? .directory(".durable/place-order") : .memory) {
    PlaceOrderChain.self
    CheckAndReserveInventory(log: log)
    ProcessPayment(log: log)
    ScheduleShipping(log: log)
    EmailCustomer(log: log)
}
if let journalToCheck { exit(await CompatibilityCheck().run(journal: journalToCheck, against: runtime)) }
let id = try await runtime.client.start(PlaceOrderChain.self, input: ChainOrder(id: "order-42", amount: 99.5))
let trackingNumber = try await runtime.client.result(of: id, as: PlaceOrderChain.self, timeout: .seconds(30))
log.write("done: tracking number \(trackingNumber)")
runtime.shutdown()
