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
