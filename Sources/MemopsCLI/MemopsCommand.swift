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
            Config.self, SampleData.self,
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
                let message = fullMessage(for: error)
                FileHandle.standardError.write(Data((message + "\n").utf8))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            self.exit(withError: error)
        }
    }
}
