// Human interaction: wait for an approval event, escalate when the timeout passes first.
//
//     swift run Approval                 # the approver answers after a moment
//     swift run Approval --no-answer     # nobody answers: escalation after the timeout
//     swift run Approval --check-journal DIR    # pre-deploy check of DIR against this build; exit 1 if it breaks

import Durable
import Foundation

/// Prints unbuffered, so lines from activities and from here come out in order.
func line(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

let noAnswer = CommandLine.arguments.contains("--no-answer")
let say: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data("  \($0)\n".utf8)) }
// --check-journal DIR: check DIR's unfinished instances against this build's registrations, run nothing.
let journalToCheck = CompatibilityCheck.journalToCheck()
let runtime = try await DurableRuntime(storage: journalToCheck == nil ? .directory(".durable/approval") : .memory) {
    ApprovalFlow.self
    RequestApproval(notify: say)
    Escalate(notify: say)
}
if let journalToCheck { exit(await CompatibilityCheck().run(journal: journalToCheck, against: runtime)) }
let id = try await runtime.client.start(ApprovalFlow.self, input: .init(subject: "expense #17", timeoutSeconds: 2))
line("Started \(id); waiting for approval (2 s timeout)")
if !noAnswer {
    try await Task.sleep(for: .milliseconds(300))  // the approver takes a moment
    try await runtime.client.raiseEvent(id, name: "approve", payload: true)
    line("  approver: approved")
}
line("Result: \(try await runtime.client.result(of: id, as: ApprovalFlow.self, timeout: .seconds(30)))")
runtime.shutdown()
