#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// read(2), named apart from `ByteSource.read(into:)`.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

/// A plain file or standard input as a `ByteSource`, read with POSIX `read(2)`.
/// The descriptor is closed when the source is released, unless it is standard input.
public final class FileSource: ByteSource {
    /// The open descriptor (for fstat and the like; the source owns it).
    public var fileDescriptor: Int32 { fd }
    private let fd: Int32
    private let owned: Bool
    /// The path, or "-" for standard input.
    public let path: String

    /// Opens `path` for reading; "-" means standard input.
    public init(path: String) throws(RDBError) {
        self.path = path
        if path == "-" {
            fd = 0
            owned = false
            return
        }
        let opened = open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else {
            let reason = String(cString: strerror(errno))
            throw RDBError(.io("cannot open \(path): \(reason)"), offset: 0)
        }
        fd = opened
        owned = true
    }

    /// Reads from an already open descriptor; `closeWhenDone` hands it over.
    public init(fileDescriptor: Int32, closeWhenDone: Bool = false, name: String = "-") {
        fd = fileDescriptor
        owned = closeWhenDone
        path = name
    }

    deinit {
        if owned { close(fd) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = systemRead(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            throw RDBError(.io("cannot read \(path): \(reason)"), offset: 0)
        }
    }
}
