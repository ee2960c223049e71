import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files in a journal directory and the system calls that touch them. Every failure reports
/// the real `errno` and the path it concerns.
struct JournalDirectory {
    let path: String

    enum FileKind: String {
        case segment, checkpoint
    }

    func url(_ kind: FileKind, _ number: Int) -> String {
        (path as NSString).appendingPathComponent(String(format: "%@-%010d.log", kind.rawValue, number))
    }

    func name(_ kind: FileKind, _ number: Int) -> String {
        String(format: "%@-%010d.log", kind.rawValue, number)
    }

    /// The directory's entry names.
    func entries() throws -> [String] {
        guard let directory = opendir(path) else { throw JournalError.io(operation: "list", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The numbered files of each kind, in order.
    func files(_ kind: FileKind) throws -> [(number: Int, path: String)] {
        let prefix = kind.rawValue + "-"
        return try entries().compactMap { name -> (Int, String)? in
            guard name.hasPrefix(prefix), name.hasSuffix(".log"),
                let number = Int(name.dropFirst(prefix.count).dropLast(4)), number >= 0
            else { return nil }
            return (number, (path as NSString).appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }

    /// Creates the directory and any missing parents, syncing each parent that gained an entry so
    /// the new directory survives a power loss.
    func create() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw JournalError.io(operation: "create directory", path: path, errno: ENOTDIR)
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try JournalDirectory(path: parent).create() }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw JournalError.io(operation: "create directory", path: path, errno: errno)
        }
        try JournalDirectory(path: parent.isEmpty ? "." : parent).syncDirectory()
    }

    /// Locks the directory itself (not a file in it, which could be deleted from under the lock);
    /// fails at once if another runtime holds it. Returns the descriptor that holds the lock.
    func lock() throws -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError.io(operation: "open", path: path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            close(fd)
            if error == EWOULDBLOCK { throw JournalError.directoryLocked(path: path) }
            throw JournalError.io(operation: "lock", path: path, errno: error)
        }
        return fd
    }

    /// Makes renames, new files and deletions in the directory durable.
    func syncDirectory() throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw JournalError.io(operation: "fsync", path: path, errno: errno) }
    }

    /// Removes a file the journal no longer needs.
    func remove(_ file: String) throws {
        guard unlink(file) == 0 || errno == ENOENT else { throw JournalError.io(operation: "unlink", path: file, errno: errno) }
    }
}

/// An append-only file descriptor. `close` is idempotent, so a failure half-way through a
/// rollover can never close a descriptor twice or sync one that is closed.
struct AppendFile {
    let path: String
    private(set) var fd: Int32
    private(set) var size: Int

    /// Creates a new file holding `bytes` (a header). Never truncates an existing file: a name
    /// that is taken is an error, so no rollover can overwrite records.
    static func create(_ path: String, bytes: [UInt8]) throws -> AppendFile {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError.io(operation: "create", path: path, errno: errno) }
        var file = AppendFile(path: path, fd: fd, size: 0)
        do {
            try file.write(bytes)
        } catch {
            file.close()
            throw error
        }
        return file
    }

    /// Opens an existing file to append after its first `size` bytes (dropping anything beyond).
    static func reopen(_ path: String, keeping size: Int) throws -> AppendFile {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError.io(operation: "open", path: path, errno: errno) }
        guard ftruncate(fd, off_t(size)) == 0, lseek(fd, off_t(size), SEEK_SET) >= 0 else {
            let error = errno
            systemClose(fd)
            throw JournalError.io(operation: "truncate", path: path, errno: error)
        }
        return AppendFile(path: path, fd: fd, size: size)
    }

    mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    mutating func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw JournalError.closed }
        var offset = 0
        while offset < buffer.count, let base = buffer.baseAddress {
            let written = systemWrite(fd, base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw JournalError.io(operation: "write", path: path, errno: errno)
            }
            offset += written
        }
        size += buffer.count
    }

    /// Writes `first` then `second` with one system call (a sync marker ahead of a batch costs no extra `write`).
    mutating func write(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) throws {
        guard fd >= 0 else { throw JournalError.closed }
        guard let firstBase = first.baseAddress, let secondBase = second.baseAddress else {
            try write(first)
            return try write(second)
        }
        var vectors = [
            iovec(iov_base: UnsafeMutableRawPointer(mutating: firstBase), iov_len: first.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: secondBase), iov_len: second.count),
        ]
        var written = writev(fd, &vectors, 2)
        if written < 0 {
            guard errno == EINTR else { throw JournalError.io(operation: "write", path: path, errno: errno) }
            written = 0
        }
        // A short write: finish the rest one buffer at a time.
        if written < first.count {
            size += written
            try write(UnsafeRawBufferPointer(rebasing: first[written...]))
            try write(second)
        } else {
            size += first.count
            let done = written - first.count
            size += done
            try write(UnsafeRawBufferPointer(rebasing: second[done...]))
        }
    }

    func sync() throws {
        guard fd >= 0 else { throw JournalError.closed }
        guard fdatasync(fd) == 0 else { throw JournalError.io(operation: "fsync", path: path, errno: errno) }
    }

    mutating func close() {
        guard fd >= 0 else { return }
        systemClose(fd)
        fd = -1
    }
}

/// Reads a whole regular file (or its first `limit` bytes); `nil` if it does not exist. Anything
/// else at a journal file's name (a directory, a FIFO, a device) is ``JournalError/foreignFile(file:reason:)``.
func readFileIfPresent(_ path: String, prefix limit: Int = .max) throws -> [UInt8]? {
    // Non-blocking, so a FIFO at a journal file's name cannot hang the open.
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    if fd < 0, errno == ENOENT { return nil }
    guard fd >= 0 else { throw JournalError.io(operation: "open", path: path, errno: errno) }
    defer { systemClose(fd) }
    var status = stat()
    guard fstat(fd, &status) == 0 else { throw JournalError.io(operation: "stat", path: path, errno: errno) }
    let type = status.st_mode & S_IFMT
    guard type == S_IFREG else {
        let what =
            switch type {
            case S_IFDIR: "a directory"
            case S_IFIFO: "a FIFO"
            case S_IFCHR, S_IFBLK: "a device"
            case S_IFSOCK: "a socket"
            default: "not a regular file"
            }
        throw JournalError.foreignFile(file: path, reason: "it is \(what), not a journal file")
    }
    // One byte more than the file holds, so the read that finds its end needs no room added; a
    // file that grew since is read on. Room is added as an array: appending a `repeatElement`
    // walks it element by element unless optimized (most of a debug build's journal open).
    var bytes = [UInt8](repeating: 0, count: min(Int(status.st_size), limit - 1) + 1)
    var filled = 0
    while true {
        if filled == bytes.count {
            guard filled < limit else { break }
            bytes += [UInt8](repeating: 0, count: min(max(4_096, bytes.count), limit - filled))
        }
        let count = bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            return read(fd, base + filled, buffer.count - filled)
        }
        if count < 0 {
            if errno == EINTR { continue }
            throw JournalError.io(operation: "read", path: path, errno: errno)
        }
        if count == 0 { break }
        filled += count
    }
    bytes.removeSubrange(filled...)
    return bytes
}

/// Reads a whole regular file that must exist.
func readFile(_ path: String) throws -> [UInt8] {
    guard let bytes = try readFileIfPresent(path) else { throw JournalError.io(operation: "open", path: path, errno: ENOENT) }
    return bytes
}

// Free functions: inside `AppendFile`, `close` and `write` name its own methods.
private func systemClose(_ fd: Int32) {
    _ = close(fd)
}

private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}
