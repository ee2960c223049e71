// Fan-out/fan-in over a list of orders, then one step for the USA ones.
//
//     swift run ShipmentEmails [count]
//     swift run ShipmentEmails --check-journal DIR    # pre-deploy check of DIR against this build; exit 1 if it breaks

import Durable
import Foundation

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 12
let log: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data("  \($0)\n".utf8)) }
// --check-journal DIR: check DIR's unfinished instances against this build's registrations, run nothing.
let journalToCheck = CompatibilityCheck.journalToCheck()
let runtime = try await DurableRuntime(storage: journalToCheck == nil ? .directory(".durable/shipment-emails") : .memory) {
    SendShipmentEmails.self
    SendShipmentEmail(log: log)
    MarketingData(log: log)
}
if let journalToCheck { exit(await CompatibilityCheck().run(journal: journalToCheck, against: runtime)) }
let orders = (0..<count).map { ShippedOrder(id: "order-\($0)", country: $0 % 3 == 0 ? "USA" : "NL") }
let id = try await runtime.client.start(SendShipmentEmails.self, input: orders)
log("done: \(try await runtime.client.result(of: id, as: SendShipmentEmails.self, timeout: .seconds(30)))")
runtime.shutdown()
