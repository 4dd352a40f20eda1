import Foundation
import MemopsCore

/// Where memops writes for people: stderr for messages and progress, colour only on a terminal
/// and never with NO_COLOR. Inside `TerminalCapture.capture` (an in-process run, for tests) both
/// streams go to the capture instead, and neither is a terminal.
enum Terminal {
    private static let processStderrIsTTY = isatty(STDERR_FILENO) == 1
    private static let processStdoutIsTTY = isatty(STDOUT_FILENO) == 1
    static var stderrIsTTY: Bool { TerminalCapture.current == nil && processStderrIsTTY }
    static var stdoutIsTTY: Bool { TerminalCapture.current == nil && processStdoutIsTTY }
    static let colorAllowed = ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    /// `memops: error: …` on stderr, one line.
    static func error(_ message: String) {
        writeErr(errorLine(message))
    }

    /// The text `error(_:)` writes: `memops: error: …` and a newline.
    static func errorLine(_ message: String) -> String {
        let label = stderrIsTTY && colorAllowed ? "\u{1b}[1;31merror:\u{1b}[0m" : "error:"
        return "memops: \(label) \(message)\n"
    }

    /// `memops: warning: …` on stderr, one line.
    static func warning(_ message: String) {
        let label = stderrIsTTY && colorAllowed ? "\u{1b}[1;33mwarning:\u{1b}[0m" : "warning:"
        writeErr("memops: \(label) \(message)\n")
    }

    /// Writes to stderr; a failed write is dropped (there is nowhere left to say so).
    static func writeErr(_ text: String) {
        var text = text
        if let capture = TerminalCapture.current { return capture.appendErr(text) }
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
        if let capture = TerminalCapture.current { return capture.appendOut(bytes) }
        if !writeAll(STDOUT_FILENO, bytes) && errno == EPIPE { Interruption.shared.exit(status: stdoutClosedStatus) }
    }

    /// Writes the last words of a run (help, version) to stdout; a failed write is dropped, as
    /// argument-parser's `print` drops it: the run is over and exits with its own status.
    static func writeLast(_ text: String) {
        var text = text
        if let capture = TerminalCapture.current { return text.withUTF8 { capture.appendOut(UnsafeRawBufferPointer($0)) } }
        _ = text.withUTF8 { writeAll(STDOUT_FILENO, UnsafeRawBufferPointer($0)) }
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

/// What an in-process run wrote to stdout and stderr through `Terminal`, in place of the
/// process's own streams: tests run commands with one bound (`MemopsCommand.runCaptured`).
/// Writes from the command's own thread are captured; a thread it starts writes to the process.
public final class TerminalCapture: @unchecked Sendable {
    /// The capture of the running task, if any.
    @TaskLocal static var current: TerminalCapture?

    private let lock = NSLock()
    private var out = Data()
    private var err = ""

    public init() {}

    /// Everything written to stdout.
    public var stdout: Data { lock.withLock { out } }
    /// Everything written to stderr.
    public var stderr: String { lock.withLock { err } }

    func appendOut(_ bytes: UnsafeRawBufferPointer) { lock.withLock { out.append(contentsOf: bytes) } }
    func appendErr(_ text: String) { lock.withLock { err += text } }
}
