import Foundation
import MemopsCore

/// Where memops writes for people: stderr for messages and progress, colour only on a terminal
/// and never with NO_COLOR.
enum Terminal {
    static let stderrIsTTY = isatty(STDERR_FILENO) == 1
    static let stdoutIsTTY = isatty(STDOUT_FILENO) == 1
    static let colorAllowed = ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    /// `memops: error: …` on stderr, one line.
    static func error(_ message: String) {
        let label = stderrIsTTY && colorAllowed ? "\u{1b}[1;31merror:\u{1b}[0m" : "error:"
        writeErr("memops: \(label) \(message)\n")
    }

    /// `memops: warning: …` on stderr, one line.
    static func warning(_ message: String) {
        let label = stderrIsTTY && colorAllowed ? "\u{1b}[1;33mwarning:\u{1b}[0m" : "warning:"
        writeErr("memops: \(label) \(message)\n")
    }

    /// Writes to stderr; a failed write is dropped (there is nowhere left to say so).
    static func writeErr(_ text: String) {
        var text = text
        _ = text.withUTF8 { writeAll(STDERR_FILENO, UnsafeRawBufferPointer($0)) }
    }

    /// Writes to stdout. When the reader has gone away (`memops … | head`), memops ends at once
    /// and quietly with 141, the status a shell shows for grep or redis-cli killed by SIGPIPE
    /// (SIGPIPE itself is ignored, so that a backup is never killed mid-write); partial files
    /// are removed first.
    static func write(_ text: String) {
        var text = text
        text.withUTF8 { write(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Writes bytes to stdout, as `write(_:)` does.
    static func write(bytes: UnsafeRawBufferPointer) {
        if !writeAll(STDOUT_FILENO, bytes) && errno == EPIPE { Interruption.shared.exit(status: stdoutClosedStatus) }
    }

    /// 128 + SIGPIPE.
    static let stdoutClosedStatus: Int32 = 141

    /// write(2) until done; false on an error (errno says which).
    private static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < raw.count {
            let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }
}
