// Function chaining: CheckAndReserveInventory → ProcessPayment → ScheduleShipping → EmailCustomer.
//
//     swift run PlaceOrder

import Durable
import Foundation

let log = StepLog { FileHandle.standardOutput.write(Data("  \($0)\n".utf8)) }
let runtime = try await DurableRuntime(storage: .directory(".durable/place-order")) {
    PlaceOrderChain.self
    CheckAndReserveInventory(log: log)
    ProcessPayment(log: log)
    ScheduleShipping(log: log)
    EmailCustomer(log: log)
}
let id = try await runtime.client.start(PlaceOrderChain.self, input: ChainOrder(id: "order-42", amount: 99.5))
let trackingNumber = try await runtime.client.result(of: id, as: PlaceOrderChain.self, timeout: .seconds(30))
log.write("done: tracking number \(trackingNumber)")
runtime.shutdown()
