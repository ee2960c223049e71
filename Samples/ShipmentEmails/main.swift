// Fan-out/fan-in over a list of orders, then one step for the USA ones.
//
//     swift run ShipmentEmails [count]

import Durable
import Foundation

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 12
let log: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data("  \($0)\n".utf8)) }
let runtime = try await DurableRuntime(storage: .directory(".durable/shipment-emails")) {
    SendShipmentEmails.self
    SendShipmentEmail(log: log)
    MarketingData(log: log)
}
let orders = (0..<count).map { ShippedOrder(id: "order-\($0)", country: $0 % 3 == 0 ? "USA" : "NL") }
let id = try await runtime.client.start(SendShipmentEmails.self, input: orders)
log("done: \(try await runtime.client.result(of: id, as: SendShipmentEmails.self, timeout: .seconds(30)))")
runtime.shutdown()
