// The monitor pattern: a durable timer loop with continueAsNew.
//
//     swift run StockMonitor [--interval 0.2]     # seconds between checks (the seed uses 120)
//     swift run StockMonitor --check-journal DIR    # pre-deploy check of DIR against this build; exit 1 if it breaks

import Durable
import Foundation

let arguments = CommandLine.arguments
let interval = arguments.firstIndex(of: "--interval").flatMap { Double(arguments[$0 + 1]) } ?? 0.2
let log: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data("  \($0)\n".utf8)) }
// --check-journal DIR: check DIR's unfinished instances against this build's registrations, run nothing.
let journalToCheck = CompatibilityCheck.journalToCheck()
let runtime = try await DurableRuntime(storage: journalToCheck == nil ? .directory(".durable/stock-monitor") : .memory) {
    CheckStockPrice.self
    GetStockPrice(log: log)
    SendAlert(log: log)
}
if let journalToCheck { exit(await CompatibilityCheck().run(journal: journalToCheck, against: runtime)) }
let watch = CheckStockPrice.Watch(
    symbol: "MSFT", threshold: 110, intervalSeconds: interval, expiresAt: Date().addingTimeInterval(3_600))
let id = try await runtime.client.start(CheckStockPrice.self, input: watch)
log("watching MSFT every \(interval) s until it reaches 110")
log("done: \(try await runtime.client.result(of: id, as: CheckStockPrice.self, timeout: .seconds(120)))")
log("history is one round long: \(try await runtime.client.history(of: id).count) events")
runtime.shutdown()
