import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files in a journal directory and the system calls that touch them.
struct JournalDirectory {
    let path: String

    static let formatVersion: UInt32 = 1
    static let magic: [UInt8] = Array("DURABLE\0".utf8)
    static let headerSize = 16

    enum FileKind: String {
        case segment, checkpoint
    }

    func url(_ kind: FileKind, _ number: Int) -> String {
        (path as NSString).appendingPathComponent(String(format: "%@-%010d.log", kind.rawValue, number))
    }

    /// The numbered files of each kind, in order.
    func files(_ kind: FileKind) throws -> [(number: Int, path: String)] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw JournalError.io(operation: "list", path: path, errno: ENOENT)
        }
        let prefix = kind.rawValue + "-"
        return names.compactMap { name -> (Int, String)? in
            guard name.hasPrefix(prefix), name.hasSuffix(".log"),
                let number = Int(name.dropFirst(prefix.count).dropLast(4))
            else { return nil }
            return (number, (path as NSString).appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }

    static func header() -> [UInt8] {
        var writer = BinaryWriter(capacity: headerSize)
        writer.bytes.append(contentsOf: magic)
        writer.uint32(formatVersion)
        writer.uint32(0)
        return writer.bytes
    }

    /// Takes the directory's lock file; fails at once if another runtime holds it.
    func lock() throws -> Int32 {
        let lockPath = (path as NSString).appendingPathComponent("LOCK")
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError.io(operation: "open", path: lockPath, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            close(fd)
            if error == EWOULDBLOCK { throw JournalError.directoryLocked(path: path) }
            throw JournalError.io(operation: "lock", path: lockPath, errno: error)
        }
        return fd
    }

    /// Makes renames and new files in the directory durable.
    func syncDirectory() {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

/// An append-only file descriptor.
struct AppendFile {
    let path: String
    let fd: Int32
    private(set) var size: Int

    /// Creates (or truncates) the file and writes the format header.
    static func create(_ path: String) throws -> AppendFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError.io(operation: "create", path: path, errno: errno) }
        var file = AppendFile(path: path, fd: fd, size: 0)
        try file.write(JournalDirectory.header())
        return file
    }

    /// Opens an existing file to append after its first `size` bytes (dropping anything beyond).
    static func reopen(_ path: String, keeping size: Int) throws -> AppendFile {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError.io(operation: "open", path: path, errno: errno) }
        guard ftruncate(fd, off_t(size)) == 0, lseek(fd, off_t(size), SEEK_SET) >= 0 else {
            let error = errno
            closeDescriptor(fd)
            throw JournalError.io(operation: "truncate", path: path, errno: error)
        }
        return AppendFile(path: path, fd: fd, size: size)
    }

    mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = writeDescriptor(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw JournalError.io(operation: "write", path: path, errno: errno)
                }
                offset += written
            }
        }
        size += bytes.count
    }

    func sync() throws {
        guard fdatasync(fd) == 0 else { throw JournalError.io(operation: "fsync", path: path, errno: errno) }
    }

    func close() {
        closeDescriptor(fd)
    }
}

/// Reads a whole file.
func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw JournalError.io(operation: "read", path: path, errno: errno == 0 ? EIO : errno)
    }
    return [UInt8](data)
}

private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}

private func writeDescriptor(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}
