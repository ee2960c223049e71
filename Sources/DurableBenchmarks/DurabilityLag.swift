import Durable
import Foundation

/// `--durability-lag`: how long an append that nobody waits for (an orchestration step) stays
/// where a crash can take it. Two windows, for Docs/Durability.md:
/// - append → written to the kernel (`write`): what a SIGKILL of the process can lose;
/// - append → covered by a sync (`fdatasync`): what a power loss can lose.
/// Each sample appends one record to an otherwise idle journal and polls until it is written,
/// then until it is durable (the poll adds up to ~20 µs to each figure).
func measureDurabilityLag(samples: Int) async throws -> String {
    var lines: [String] = []
    for durability in [FileJournal.Durability.groupCommit, .strict] {
        let directory = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = try FileJournal(directory: directory, options: .init(durability: durability))
        defer { journal.close() }
        var written: [Double] = []
        var synced: [Double] = []
        let event = HistoryEvent(.eventRaised(name: "lag", input: .empty), at: Date())
        for index in 0..<samples {
            let sizeBefore = journal.sizeOnDisk
            let start = DispatchTime.now().uptimeNanoseconds
            let position = try journal.append(event, to: "lag-\(index % 16)")
            while journal.sizeOnDisk <= sizeBefore { usleep(20) }
            written.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            while !journal.isDurable(position) { usleep(20) }
            synced.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            usleep(UInt32.random(in: 0...2_000))  // land at every phase of the writer's intervals
        }
        lines.append("\(durability) · append → written: \(distribution(written)) · append → synced: \(distribution(synced))")
    }
    return lines.joined(separator: "\n")
}

private func distribution(_ milliseconds: [Double]) -> String {
    let sorted = milliseconds.sorted()
    guard !sorted.isEmpty else { return "no samples" }
    func at(_ fraction: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] }
    return String(format: "median %.2f ms, p99 %.2f ms, max %.2f ms", at(0.5), at(0.99), sorted[sorted.count - 1])
}
