import Foundation

func machineDescription() -> String {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
    #if swift(>=6.3)
    let swift = "Swift 6.3 or later"
    #else
    let swift = "Swift 6.x"
    #endif
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores · \(model) · \(swift) · release build"
}

/// Median time of appending one journal-sized record (128 bytes) and calling fdatasync, in a
/// scratch directory: what one sync of the journal costs on this disk, the physical limit of `strict`.
func measureFsyncLatency() -> Double {
    let directory = scratchDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let fd = open(directory + "/probe", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return .nan }
    defer { close(fd) }
    let block = [UInt8](repeating: 7, count: 128)
    var samples: [Double] = []
    for _ in 0..<200 {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fdatasync(fd)
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return samples.sorted()[samples.count / 2]
}
