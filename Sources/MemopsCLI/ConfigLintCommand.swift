import ArgumentParser
import Foundation
import MemopsCore

extension MemopsCommand.Config {
    /// `memops config lint`: ShellCheck for redis.conf. The engine is `ConfigLinter`.
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Lint redis.conf files, or a running server's configuration (-u).",
            discussion: """
                Reads each FILE as redis-server does (quoting, includes, units, last-one-wins) and \
                reports every line redis would refuse (errors), surprising but legal settings, and \
                settings that put this schema's data at risk. `memops config rules` lists the \
                rules; `memops config explain RC201` explains one. A line `# memops disable=RC201` \
                silences those rules on the next line.

                With -u/--url (or -h/-p/-s) it lints the server's CONFIG GET *; with --drift FILE \
                it also reports where the running configuration differs from FILE. When CONFIG is \
                renamed away it says so and lints what INFO shows. Given a Redis Cluster node it \
                lints every node (primaries and replicas), and behind Sentinel the master and its \
                replicas, each finding naming its node, and adds the checks that need the nodes \
                together (RC701-RC709); --node-only lints the node given alone.

                EXIT STATUS
                  0   no finding at or above --fail-on
                  1   findings at or above --fail-on
                  2   a file could not be read, or a bad option
                  3+  connection problems, as in `memops --help`

                \(MemopsCommand.aclSection(.configLint))
                """
        )

        @Argument(help: "Config files to lint (default /etc/redis/redis.conf when no server is given).")
        var files: [String] = []

        @OptionGroup(title: "Server")
        var connection: ConnectionOptions

        @OptionGroup var schema: SchemaOption

        @Option(help: "Output: text (compiler-style, to stderr), json or sarif (to stdout).")
        var format: OutputFormat = .text

        @Option(help: "Show findings at or above this severity: error, warning, info, style.")
        var severity: SeverityOption = .style

        @Option(name: .customLong(CLIFlag.failOn.rawValue), help: "Exit 1 when a shown finding is at or above this severity.")
        var failOn: SeverityOption = .style

        @Option(name: .customLong(CLIFlag.enable.rawValue), parsing: .singleValue, help: ArgumentHelp("Turn on a rule that is off by default (repeatable, comma-separated).", valueName: "RCxxx"))
        var enable: [String] = []

        @Option(name: .customLong("disable"), parsing: .singleValue, help: ArgumentHelp("Turn a rule off (repeatable, comma-separated).", valueName: "RCxxx"))
        var disable: [String] = []

        @Option(name: .customLong(CLIFlag.targetVersion.rawValue), help: "Redis version to check against: 6.2, 7.0, 7.2, 7.4, 8.0, or valkey-8.0 (default: the server's with -u, else 7.0).")
        var targetVersion: String?

        @Flag(name: .customLong("no-host-checks"), help: "Do not look at this machine (paths, vm.overcommit_memory, transparent huge pages, RAM).")
        var noHostChecks = false

        @Option(name: .customLong(CLIFlag.drift.rawValue), help: ArgumentHelp("With a server: also report where its running configuration differs from this file.", valueName: "file"))
        var drift: String?

        /// Whether a server was named at all (otherwise lint files).

        func validate() throws {
            if drift != nil && !connection.serverGiven { throw ValidationError("--drift needs a server: -u redis://host:port") }
            if connection.serverGiven && !files.isEmpty { throw ValidationError("give either FILEs or a server (-u), not both; use --drift FILE to compare") }
        }

        /// Lints the files or the server, prints in the chosen format, and exits 2 (a file unread), 1 (findings at or above --fail-on) or 0.
        func run() throws {
            var options = ConfigLintOptions()
            options.targetVersion = targetVersion
            options.enabled = Set(enable.flatMap { $0.split(separator: ",").map { $0.uppercased() } })
            options.disabled = Set(disable.flatMap { $0.split(separator: ",").map { $0.uppercased() } })
            options.hostChecks = !noHostChecks
            if schema.path != nil { options.schema = SchemaFacts(schema: try schema.load()) }

            var diagnostics: [Diagnostic] = []
            var unreadable = false
            if connection.serverGiven {
                // A cluster (every node) or a Sentinel set (the master and its replicas), unless
                // --node-only: then the node given alone.
                let report = try ConfigLinter.lintDeployment(try connection.deployment(), options: options, drift: drift)
                for warning in report.warnings { Terminal.warning(warning) }
                diagnostics = report.diagnostics
            } else {
                let linter = try ConfigLinter(options: options)
                for file in files.isEmpty ? ["/etc/redis/redis.conf"] : files {
                    do {
                        diagnostics += try linter.lint(file: file).diagnostics
                    } catch {
                        Terminal.error(error.description)
                        unreadable = true
                    }
                }
            }
            let shown = diagnostics.filter { $0.severity >= severity.value }
            switch format {
            case .text:
                let color = DiagnosticPrinter.colorAllowed(isTTY: Terminal.stderrIsTTY)
                Terminal.writeErr(DiagnosticPrinter.text(shown, color: color))
            case .json:
                Terminal.write(DiagnosticPrinter.json(shown))
            case .sarif:
                Terminal.write(DiagnosticPrinter.sarif(shown, rules: ConfigLintRules.all))
            }
            if unreadable { throw ExitCode(ExitStatus.usage.rawValue) }
            if shown.contains(where: { $0.severity >= failOn.value }) { throw ExitCode(ExitStatus.findings.rawValue) }
        }
    }
}

/// `--format`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, sarif
}

/// `--severity` / `--fail-on`.
enum SeverityOption: String, ExpressibleByArgument, CaseIterable {
    case error, warning, info, style

    var value: Severity { Severity(rawValue: rawValue)! }
}
