import Foundation

func machineDescription() -> String {
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
        .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown CPU"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores · \(model) · \(swiftVersion()) · release build"
}

/// The toolchain's own words (`swift --version`), or the language version this was compiled with.
func swiftVersion() -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["swift", "--version"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    if (try? process.run()) != nil {
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if let line = text.split(separator: "\n").first(where: { $0.contains("Swift version") }) {
            return line.replacingOccurrences(of: "Swift version", with: "Swift").trimmingCharacters(in: .whitespaces)
        }
    }
    #if swift(>=6.3)
    return "Swift 6.3 or later"
    #else
    return "Swift 6"
    #endif
}

/// How long appending one journal-sized record (128 bytes) and calling fdatasync takes in a
/// scratch directory: what one sync of the journal costs on this disk.
struct FsyncLatency: Sendable {
    /// The typical sync, in seconds.
    let median: Double
    /// The average sync, in seconds: a chain of N strict steps waits for N syncs, so `1 / mean` is
    /// the most steps per second strict durability can reach (the slow tail counts as often as it happens).
    let mean: Double
}

func measureFsyncLatency() -> FsyncLatency {
    let directory = scratchDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let fd = open(directory + "/probe", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { return FsyncLatency(median: .nan, mean: .nan) }
    defer { close(fd) }
    let block = [UInt8](repeating: 7, count: 128)
    var samples: [Double] = []
    for _ in 0..<400 {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fdatasync(fd)
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    samples.sort()
    return FsyncLatency(median: samples[samples.count / 2], mean: samples.reduce(0, +) / Double(samples.count))
}
