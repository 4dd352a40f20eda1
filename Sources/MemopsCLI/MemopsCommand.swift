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

    /// Parses the command line, runs the command, and exits with memops' documented status:
    /// usage errors exit 2 (argument-parser's own default is 64), a `MemopsError` prints its one
    /// line and exits with its status.
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
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch let error as MemopsError {
            Terminal.error(error.description)
            Foundation.exit(error.exitStatus.rawValue)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                // One line, like every memops error: argument-parser's message (its first line;
                // the usage block after it is what --help shows) and where the help is.
                var message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "bad arguments"
                if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
                let path = commandPath(arguments ?? Array(CommandLine.arguments.dropFirst()))
                Terminal.error(message + "; see '" + (["memops"] + path + ["--help"]).joined(separator: " ") + "'")
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            self.exit(withError: error)
        }
    }
}
