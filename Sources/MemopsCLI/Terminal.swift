import Foundation

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

    static func writeErr(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
