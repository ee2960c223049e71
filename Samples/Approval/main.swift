// Human interaction: wait for an approval event, escalate when the timeout passes first.
//
//     swift run Approval                 # the approver answers after a moment
//     swift run Approval --no-answer     # nobody answers: escalation after the timeout

import Durable
import Foundation

/// Prints unbuffered, so lines from activities and from here come out in order.
func line(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

let noAnswer = CommandLine.arguments.contains("--no-answer")
let say: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data("  \($0)\n".utf8)) }
let runtime = try await DurableRuntime(storage: .directory(".durable/approval")) {
    ApprovalFlow.self
    RequestApproval(notify: say)
    Escalate(notify: say)
}
let id = try await runtime.client.start(ApprovalFlow.self, input: .init(subject: "expense #17", timeoutSeconds: 2))
line("Started \(id); waiting for approval (2 s timeout)")
if !noAnswer {
    try await Task.sleep(for: .milliseconds(300))  // the approver takes a moment
    try await runtime.client.raiseEvent(id, name: "approve", payload: true)
    line("  approver: approved")
}
line("Result: \(try await runtime.client.result(of: id, as: ApprovalFlow.self, timeout: .seconds(30)))")
runtime.shutdown()
