import ArgumentParser
import Foundation
import MemopsCore

/// The root command. Subcommands live one per file, each an extension of this type.
public struct MemopsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "memops",
        abstract: "Operations toolkit for Redis-backed application memory.",
        discussion: exitCodeTable,
        version: memopsVersion,
        subcommands: [
            Backup.self, Verify.self, Restore.self, Inspect.self, Estimate.self, Schema.self, Audit.self, Prune.self,
            Config.self, SampleData.self, ACL.self,
        ]
    )

    public init() {}

    /// The exit-code table, shown in `--help` and every man page.
    static let exitCodeTable: String = {
        var text = "EXIT STATUS\n"
        for status in ExitStatus.allCases {
            text += "  \(String(status.rawValue).padding(toLength: 4, withPad: " ", startingAt: 0))\(status.summary)\n"
        }
        return text
    }()

    /// The subcommand names at the start of `arguments` (`["backup", "list"]`), for the help hint.
    static func commandPath(_ arguments: [String]) -> [String] {
        var command: ParsableCommand.Type = MemopsCommand.self
        var path: [String] = []
        for word in arguments {
            guard let next = command.configuration.subcommands.first(where: { $0._commandName == word }) else { break }
            path.append(word)
            command = next
        }
        return path
    }

    /// Parses the command line, runs the command, and exits with memops' documented status
    /// (`ending(for:arguments:)`), after the signal set-up a process needs.
    public static func entry(arguments: [String]? = nil) -> Never {
        // A closed pipe (`memops … | head`) must not kill the process mid-write of a backup.
        signal(SIGPIPE, SIG_IGN)
        // Past RLIMIT_FSIZE a write must fail with EFBIG (and be reported), not kill memops.
        signal(SIGXFSZ, SIG_IGN)
        // SIGTERM, SIGINT: the run's cleanups (partial files, the backup's metrics, the progress
        // bar), one line, exit 128+N.
        Interruption.shared.install { signal in
            Terminal.error("interrupted by \(Interruption.name(of: signal)); partial files were removed and nothing half-done was published")
        }
        let ending = run(arguments ?? Array(CommandLine.arguments.dropFirst()))
        Terminal.writeLast(ending.stdout)
        Terminal.writeErr(ending.stderr)
        Foundation.exit(ending.status)
    }

    /// Parses `arguments`, validates and runs the command, and returns how the run ends. What
    /// the command itself writes goes through `Terminal` as it runs; the ending's text is left
    /// for the caller to write.
    public static func run(_ arguments: [String]) -> Ending {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            return Ending(status: ExitStatus.success.rawValue)
        } catch {
            return ending(for: error, arguments: arguments)
        }
    }

    /// Runs memops in this process with `Terminal`'s output captured: for tests of help text,
    /// validation and exit codes without spawning the binary. The capture holds the ending's
    /// text too, after what the command wrote.
    public static func runCaptured(_ arguments: [String]) -> CapturedRun {
        let capture = TerminalCapture()
        let ending = TerminalCapture.$current.withValue(capture) {
            let ending = run(arguments)
            Terminal.writeLast(ending.stdout)
            Terminal.writeErr(ending.stderr)
            return ending
        }
        return CapturedRun(status: ending.status, stdout: capture.stdout, stderr: capture.stderr)
    }

    /// memops' exit status and last words for an error out of parsing, validation or a run:
    /// a `MemopsError` is its one line and its status; `ExitCode` (the command has printed its
    /// findings) only the status; a usage error argument-parser's first line, where the help is,
    /// and 2 (argument-parser's own default is 64); help, version and completion scripts go to
    /// stdout with 0; anything else argument-parser's message and status.
    public static func ending(for error: any Error, arguments: [String]) -> Ending {
        switch error {
        case let error as MemopsError:
            return Ending(status: error.exitStatus.rawValue, stderr: Terminal.errorLine(error.description))
        case let error as ExitCode:
            return Ending(status: error.rawValue)
        default:
            let code = exitCode(for: error)
            if code == .validationFailure {
                // One line, like every memops error: argument-parser's message (its first line;
                // the usage block after it is what --help shows) and where the help is.
                var message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "bad arguments"
                if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
                let path = commandPath(arguments)
                let hint = "; see '" + (["memops"] + path + ["--help"]).joined(separator: " ") + "'"
                return Ending(status: ExitStatus.usage.rawValue, stderr: Terminal.errorLine(message + hint))
            }
            // As argument-parser's `exit(withError:)` prints it: help to stdout, errors to stderr.
            let text = fullMessage(for: error)
            let line = text.isEmpty ? "" : text + "\n"
            return code == .success ? Ending(status: code.rawValue, stdout: line) : Ending(status: code.rawValue, stderr: line)
        }
    }
}

/// How a run of memops ends: the exit status and the text written last.
public struct Ending: Equatable, Sendable {
    /// The process's exit status (`ExitStatus` for memops' own; argument-parser's for its own).
    public var status: Int32
    /// For stdout: help, the version, a completion script; empty when there is none.
    public var stdout: String
    /// For stderr: the error line (`memops: error: …`); empty when the command printed its own.
    public var stderr: String

    public init(status: Int32, stdout: String = "", stderr: String = "") {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// What an in-process run (`MemopsCommand.runCaptured`) wrote and how it ended.
public struct CapturedRun: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: String
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}
