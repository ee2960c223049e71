// Two activities in parallel (async let), then a third that needs both.
//
//     swift run GalaxyCreate [seed]
//     swift run GalaxyCreate --check-journal DIR    # pre-deploy check of DIR against this build; exit 1 if it breaks

import Durable
import Foundation

/// Prints unbuffered, so lines from activities and from here come out in order.
func line(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

let seed = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 7
let progress = Progress { FileHandle.standardOutput.write(Data("  \($0)\n".utf8)) }
// --check-journal DIR: check DIR's unfinished instances against this build's registrations, run nothing.
let journalToCheck = CompatibilityCheck.journalToCheck()
let runtime = try await DurableRuntime(storage: journalToCheck == nil ? .directory(".durable/galaxy") : .memory) {
    CreateGalaxy.self
    UtilityCoords(progress: progress)
    UtilityName(progress: progress)
    GalaxyCreateImpl(progress: progress)
}
if let journalToCheck { exit(await CompatibilityCheck().run(journal: journalToCheck, against: runtime)) }
let id = try await runtime.client.start(CreateGalaxy.self, input: seed)
line("Started \(id)")
line("Created \(try await runtime.client.result(of: id, as: CreateGalaxy.self, timeout: .seconds(30)))")
runtime.shutdown()
