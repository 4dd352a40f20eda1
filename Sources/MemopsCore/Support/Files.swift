import Foundation
import MemopsRDB

/// A file-system failure, naming the path and what to do about it.
public struct FileError: MemopsError, Equatable {
    public var path: String
    public var operation: String
    public var reason: String
    public var hint: String?
    public var exitStatus: ExitStatus

    public init(_ operation: String, _ path: String, errno code: Int32 = errno, hint: String? = nil, exitStatus: ExitStatus = .failed) {
        self.operation = operation
        self.path = path
        self.reason = String(cString: strerror(code))
        self.hint = hint
        self.exitStatus = exitStatus
    }

    public var description: String {
        "cannot \(operation) \(path): \(reason)" + (hint.map { "; \($0)" } ?? "")
    }
}

extension FileSource {
    /// Size and modification time of the opened file (not of whatever the path names now),
    /// or nil when it is not a regular file.
    public func status() -> (size: UInt64, modified: Date)? {
        var st = stat()
        guard fstat(fileDescriptor, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let modified = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        return (UInt64(st.st_size), modified)
    }
}

extension RDBError: MemopsError {
    /// A file that cannot be opened or read is bad input (2); anything else is a damaged
    /// RDB (6).
    public var exitStatus: ExitStatus {
        if case .io = kind { return .usage }
        return .verification
    }
}

/// Decompresses a zstd stream from another source on the fly, as a `ByteSource`; the stream
/// must end on a frame boundary or reading fails with `ZstdError.truncated`.
public final class ZstdSource<Compressed: ByteSource>: ByteSource {
    private var compressed: Compressed
    private let decompressor: ZstdDecompressor
    private var input = [UInt8](repeating: 0, count: 1 << 17)
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var finished = false
    /// Called with every compressed chunk as it is read (for hashing the file as stored).
    public var onCompressed: ((UnsafeRawBufferPointer) -> Void)?

    public init(_ compressed: Compressed) throws(ZstdError) {
        self.compressed = compressed
        self.decompressor = try ZstdDecompressor()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while pendingOffset == pending.count {
            if finished { return 0 }
            pending.removeAll(keepingCapacity: true)
            pendingOffset = 0
            let n = try input.withUnsafeMutableBytes { try compressed.read(into: $0) }
            if n == 0 {
                try decompressor.finish()
                finished = true
                return 0
            }
            try input.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                onCompressed?(chunk)
                try decompressor.decompress(chunk) { pending.append(contentsOf: $0) }
            }
        }
        let n = min(buffer.count, pending.count - pendingOffset)
        pending.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + pendingOffset, byteCount: n)
        }
        pendingOffset += n
        return n
    }
}

extension FileSource {
    /// Whether the opened file starts with the zstd frame magic, read with pread on the same
    /// descriptor (no second open, no change to the read position). False for standard input.
    public var isZstd: Bool {
        guard path != "-" else { return false }
        var magic = [UInt8](repeating: 0, count: 4)
        return pread(fileDescriptor, &magic, 4, 0) == 4 && magic == zstdMagic
    }
}

/// Opens an RDB for reading whatever its wrapping: `.zst` (by magic number, not by name) is
/// decompressed on the fly, anything else is read as is. `"-"` reads standard input.
public func openRDB(path: String) throws -> ByteSource {
    let file = try FileSource(path: path)
    return file.isZstd ? try ZstdSource(file) : file
}

/// A file written under a hidden temporary name and renamed into place only when complete and
/// synced: a reader never sees a partial file under the final name.
public final class AtomicFile {
    public let finalPath: String
    public let partialPath: String
    private var fd: Int32
    private var published = false
    /// Removes the partial file if the run is interrupted (SIGTERM, SIGINT) before it is published.
    private var interruptCleanup: Interruption.Token?
    /// Bytes written since writeback of the file was last started, and where they begin.
    private var unflushed = 0
    private var unflushedFrom = 0
    /// Writeback is started every this many bytes (see `write`).
    static let writebackEvery = 8 << 20

    /// Creates `DIR/.NAME.partial` (mode `mode`, failing if it exists) for `DIR/NAME`.
    public init(path: String, mode: mode_t = 0o600) throws(FileError) {
        finalPath = path
        let url = URL(fileURLWithPath: path)
        partialPath = url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".partial").path
        fd = open(partialPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError("create", partialPath) }
        // open() applies the umask; the mode must be exactly what was asked (0600 for backups).
        fchmod(fd, mode)
        let partial = partialPath
        interruptCleanup = Interruption.shared.onInterrupt { _ in unlink(partial) }
    }

    deinit {
        if !published { abandon() }
    }

    /// Appends bytes, retrying short writes; a full disk is reported with the final name.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileError) {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError("write", partialPath, hint: "nothing was published and older files were kept")
            }
            offset += n
        }
        // Starts the disk writes of each 8 MiB as it is complete (POSIX_FADV_DONTNEED starts
        // writeback of the range's dirty pages; it drops only pages already clean, few when
        // the range was just written), so that the fsync before publishing waits for the last
        // few MiB, not for the whole file. sync_file_range, which drops nothing, is not in
        // Swift's Glibc.
        unflushed += bytes.count
        if unflushed >= AtomicFile.writebackEvery {
            _ = posix_fadvise(fd, off_t(unflushedFrom), off_t(unflushed), POSIX_FADV_DONTNEED)
            unflushedFrom += unflushed
            unflushed = 0
        }
    }

    /// Appends bytes.
    public func write(_ bytes: [UInt8]) throws(FileError) {
        var failure: FileError?
        bytes.withUnsafeBytes { raw in
            do throws(FileError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Flushes everything written so far to the disk (the file keeps its partial name).
    public func sync() throws(FileError) {
        guard fd >= 0 else { return }
        guard fsync(fd) == 0 else { throw FileError("sync", partialPath) }
        close(fd)
        fd = -1
    }

    /// fsync, rename into place, fsync the directory: after this returns, the file survives a crash.
    public func publish() throws(FileError) {
        try rename()
        try syncDirectory(of: finalPath)
    }

    /// fsync and rename into place, without the directory fsync (for a caller that publishes
    /// several files and syncs the directory once).
    public func rename() throws(FileError) {
        try sync()
        try Interruption.shared.critical { () throws(FileError) in
            guard Foundation.rename(partialPath, finalPath) == 0 else { throw FileError("rename", partialPath) }
            published = true
            if let interruptCleanup { Interruption.shared.remove(interruptCleanup) }
        }
    }

    /// Removes the published file again, when what must be published with it failed.
    public func unpublish() {
        guard published else { return }
        unlink(finalPath)
        published = false
    }

    /// Closes and removes the partial file.
    public func abandon() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(partialPath)
        if let interruptCleanup { Interruption.shared.remove(interruptCleanup) }
    }
}

/// fsyncs the directory holding `path`, so a rename or unlink in it is durable.
public func syncDirectory(of path: String) throws(FileError) {
    let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard dfd >= 0 else { throw FileError("open directory", dir) }
    defer { close(dfd) }
    guard fsync(dfd) == 0 else { throw FileError("sync directory", dir) }
}

/// Writes `bytes` to `path` atomically (partial file, fsync, rename, directory fsync).
public func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(FileError) {
    unlink(URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("." + URL(fileURLWithPath: path).lastPathComponent + ".partial").path)
    let file = try AtomicFile(path: path, mode: mode)
    try file.write(bytes)
    try file.publish()
}

/// Reads a whole RDB from any source into `visitor` (opens the existential for the generic reader).
public func readRDB<S: ByteSource, V: RDBVisitor>(_ source: S, into visitor: inout V) throws -> RDBChecksum {
    try RDBReader(source).read(into: &visitor)
}

/// Why a small file could not be read.
public enum SmallFileError: Error, Equatable, Sendable {
    case missing
    /// It exists but cannot be opened or read (the strerror text).
    case unreadable(String)
    /// It holds more than the limit: a device (`/dev/zero`) or a runaway file named by mistake.
    case tooLarge(limit: Int)

    public var reason: String {
        switch self {
        case .missing: "no such file"
        case .unreadable(let why): why
        case .tooLarge(let limit): "it is larger than \(MemoryUnits.short(UInt64(limit))), not a file memops reads whole"
        }
    }
}

/// The whole contents of a file memops reads at once (a redis.conf, a schema, a manifest, a
/// password file), at most `limit` bytes: past that it is refused instead of read until memory
/// runs out.
public func readSmallFile(_ path: String, limit: Int = 64 << 20) throws(SmallFileError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        throw errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(String(cString: strerror(errno)))
    }
    defer { _ = close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw .unreadable(String(cString: strerror(errno)))
        }
        if n == 0 { return out }
        guard out.count + n <= limit else { throw .tooLarge(limit: limit) }
        out.append(contentsOf: chunk[0..<n])
    }
}
