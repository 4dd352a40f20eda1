import Foundation
import MemopsCLI
import MemopsTestSupport
import Testing

/// The built binary ends as an in-process run does: the same status, stdout and stderr for
/// help, the version, a usage error, a memops error and argument-parser's own messages; so the
/// in-process tests (`MemopsCommand.runCaptured`) speak for the entry point.
@Suite struct EntryPointTests {
    @Test(arguments: [
        ["--help"], ["backup", "list", "--help"], ["--version"], ["config", "explain", "--help"],
        ["backup", "--dest", "/tmp", "--level", "40"], ["no-such-command"], ["backup", "list", "--bogus"],
        ["inspect", "/nonexistent.rdb"], ["config", "explain", "RC000"], [],
    ])
    func theBinaryEndsAsAnInProcessRun(arguments: [String]) throws {
        let spawned = try MemopsProcess.run(arguments)
        let inProcess = MemopsCommand.runCaptured(arguments)
        #expect(spawned.status == inProcess.status, "\(arguments)")
        #expect(spawned.stderr == inProcess.stderr, "\(arguments)")
        #expect(spawned.stdout == inProcess.stdout, "\(arguments)")
    }

    @Test func endings() {
        let usage = MemopsCommand.runCaptured(["backup", "list", "--dest", "/tmp", "--bogus"])
        #expect(usage.status == 2 && usage.stdout.isEmpty)
        #expect(usage.stderr == "memops: error: Unknown option '--bogus'; see 'memops backup list --help'\n")

        let help = MemopsCommand.runCaptured(["verify", "--help"])
        #expect(help.status == 0 && help.stderr.isEmpty)
        #expect(help.stdoutText.hasPrefix("OVERVIEW: ") && help.stdoutText.contains("--deep"), "\(help.stdoutText)")

        let missing = MemopsCommand.runCaptured(["inspect", "/nonexistent.rdb"])
        #expect(missing.status == 2 && missing.stderr.hasPrefix("memops: error: ") && missing.stderr.split(separator: "\n").count == 1)

        // What the command itself writes is captured too.
        let explain = MemopsCommand.runCaptured(["config", "explain", "rc202"])
        #expect(explain.status == 0 && explain.stdoutText.contains("8g = 8,000,000,000 bytes"))
    }
}
