import Foundation

/// An anonymous temporary file for bytes too big to hold in memory: a big key's RESTORE
/// payload while the backup is read, or a big value's JSON while `inspect` reads it. It has no
/// name (O_TMPFILE, or unlinked right after mkstemp where the file system lacks O_TMPFILE),
/// so nothing is left behind, whatever way the process ends. Reused from one value to the next
/// (`reset()` truncates it); closed in `deinit`.
public final class SpoolFile {
    private let fd: Int32
    /// Where it lives, for messages.
    public let directory: String
    /// Bytes written since the last reset (those still in `pending` included).
    public private(set) var count = 0
    /// Writes gathered before they go to the file: the reader hands a big value over in pieces
    /// of a few KB, one write(2) each was a tenth of a big stream's restore.
    private let pending = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
    private var pendingCount = 0

    /// A spool file in `directory`: by default $TMPDIR, else /tmp.
    public init(directory: String? = nil) throws(SpoolError) {
        let dir = directory ?? ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        self.directory = dir
        #if os(Linux)
        // O_TMPFILE needs O_RDWR or O_WRONLY and a directory; EOPNOTSUPP/EISDIR/EINVAL mean the
        // file system or kernel does not have it (open(2)), then mkstemp + unlink does the same.
        // Glibc's module does not export O_TMPFILE: it is __O_TMPFILE (020000000 on every
        // Linux architecture, asm-generic/fcntl.h) | O_DIRECTORY.
        var opened = open(dir, Int32(0o20000000) | O_DIRECTORY | O_RDWR | O_CLOEXEC, 0o600)
        #else
        var opened: Int32 = -1
        #endif
        if opened < 0 {
            var template = Array((dir + "/memops-spool.XXXXXX").utf8CString)
            opened = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if opened >= 0 {
                _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
                _ = fcntl(opened, F_SETFD, FD_CLOEXEC)
            }
        }
        guard opened >= 0 else { throw SpoolError(directory: dir, reason: String(cString: strerror(errno))) }
        fd = opened
    }

    deinit {
        close(fd)
        pending.deallocate()
    }

    /// Appends `bytes`; a full disk or an I/O error is thrown (the spool is then unusable).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(SpoolError) {
        if pendingCount + bytes.count > pending.count { try flushPending() }
        if bytes.count >= pending.count {
            try writeOut(bytes, at: count)
        } else if bytes.count > 0 {
            (pending.baseAddress! + pendingCount).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            pendingCount += bytes.count
        }
        count += bytes.count
    }

    /// Writes the gathered bytes to the file.
    private func flushPending() throws(SpoolError) {
        guard pendingCount > 0 else { return }
        try writeOut(UnsafeRawBufferPointer(start: pending.baseAddress, count: pendingCount), at: count - pendingCount)
        pendingCount = 0
    }

    private func writeOut(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(SpoolError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SpoolError(directory: directory, reason: String(cString: strerror(errno)))
            }
            done += n
        }
    }

    public func write(_ bytes: [UInt8]) throws(SpoolError) {
        let failure: SpoolError? = bytes.withUnsafeBytes { raw in
            do throws(SpoolError) { try write(raw) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Reads the bytes from `offset` to the end in pieces of at most `chunkSize` bytes, passing
    /// each to `body` (the buffer is reused: copy what must outlive the call). Throws
    /// `SpoolError` for the file, and whatever `body` throws.
    public func read(from offset: Int = 0, chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var at = offset
        while at < count {
            let n = try read(at: at, into: buffer)
            if n == 0 { throw SpoolError(directory: directory, reason: "the file ended \(count - at) bytes early") }
            at += n
            try body(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
        }
    }

    /// Reads up to `buffer.count` bytes at `offset` (fewer only at the end of the file).
    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(SpoolError) -> Int {
        try flushPending()
        while true {
            let n = pread(fd, buffer.baseAddress, min(buffer.count, max(0, count - offset)), off_t(offset))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SpoolError(directory: directory, reason: String(cString: strerror(errno)))
        }
    }

    /// The byte at `offset` (0 past the end).
    public func byte(at offset: Int) -> UInt8 {
        var b: UInt8 = 0
        _ = withUnsafeMutableBytes(of: &b) { try? read(at: offset, into: $0) }
        return b
    }

    /// Empties the file for the next value (its blocks go back to the file system).
    public func reset() {
        if count > pendingCount { _ = ftruncate(fd, 0) }
        count = 0
        pendingCount = 0
    }
}

/// A spool file could not be made, written or read back.
public struct SpoolError: Error, CustomStringConvertible, Equatable {
    public var directory: String
    public var reason: String
    public var description: String {
        "cannot use a temporary file in \(directory) for a value too big to hold in memory: \(reason); set TMPDIR to a directory with room"
    }
}
