import Foundation
import MemopsTestSupport
import Testing

/// Every numeric option at 0, -1, huge, nan and inf: one clear line and exit 2 when the value
/// is out of range, or the run goes on (here: to an unreachable port, exit 3), never a trap.
@Suite struct NumericOptionTests {
    /// A command that stops early (port 1 refuses at once), and the option to vary.
    struct Case: CustomTestStringConvertible, Sendable {
        var arguments: [String]
        var option: String
        var testDescription: String { (arguments.prefix(2) + [option]).joined(separator: " ") }
    }

    static let dest = NSTemporaryDirectory()
    static let cases: [Case] = [
        Case(arguments: ["backup", "-p", "1", "--dest", dest], option: "--level"),
        Case(arguments: ["backup", "-p", "1", "--dest", dest], option: "--threads"),
        Case(arguments: ["backup", "-p", "1", "--dest", dest], option: "--save-timeout"),
        Case(arguments: ["backup", "-p", "1", "--dest", dest], option: "--lock-wait"),
        Case(arguments: ["backup", "-p", "1", "--dest", dest], option: "--keep-last"),
        Case(arguments: ["backup", "-p", "1", "--dest", dest], option: "--keep-daily"),
        Case(arguments: ["backup", "--dest", dest], option: "--port"),
        Case(arguments: ["backup", "-p", "1", "--dest", dest], option: "--db"),
        Case(arguments: ["backup", "-p", "1", "--dest", dest], option: "--timeout"),
        Case(arguments: ["backup", "-p", "1", "--dest", dest], option: "--connect-timeout"),
        Case(arguments: ["sample-data", "--scenario", "year", "--resp"], option: "--scale"),
        Case(arguments: ["sample-data", "--scenario", "year", "--resp"], option: "--days"),
        Case(arguments: ["prune", "-p", "1", "--namespace", "embedding"], option: "--older-than"),
    ]

    static let values = ["0", "-1", "1e30", "99999999999999999999", "nan", "inf"]

    @Test(arguments: cases)
    func neverATrap(_ c: Case) throws {
        for value in Self.values {
            let v = c.option == "--older-than" ? value + "d" : value
            let run = try MemopsProcess.run(c.arguments + [c.option, v])
            let context = "\(c.testDescription) \(v): status \(run.status), \(run.stderr)"
            #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Backtrac"), "\(context)")
            #expect([0, 2, 3].contains(run.status), "\(context)")
            let lines = run.stderr.split(separator: "\n")
            if run.status != 0 {
                #expect(lines.count == 1 && lines[0].hasPrefix("memops: error: "), "\(context)")
            }
            if run.status == 2 {
                #expect(run.stderr.contains(c.option) || run.stderr.contains(v), "the error names neither the option nor the value: \(context)")
            }
        }
    }

    /// The values the campaign found accepted or trapping, each refused by name.
    @Test func theCampaignsNonsenseIsRefused() throws {
        for args in [["--threads", "100000"], ["--save-timeout", "nan"], ["--lock-wait", "inf"], ["--timeout", "-1"]] {
            let run = try MemopsProcess.run(["backup", "-p", "1", "--dest", Self.dest] + args)
            #expect(run.status == 2 && run.stderr.contains(args[0]), "\(args): \(run.status) \(run.stderr)")
        }
    }
}

/// Every command that writes to stdout ends quietly when its reader goes away, as grep does.
@Suite struct PipeTests {
    static func piped(_ arguments: [String], into reader: String) throws -> (status: Int32, stderr: String) {
        let bin = try MemopsProcess.binary().path
        let quoted = ([bin] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", "\(quoted) 2>\"$0\" | \(reader) >/dev/null; exit ${PIPESTATUS[0]}", NSTemporaryDirectory() + "pipe-\(UUID().uuidString.prefix(6)).err"]
        let errFile = p.arguments![2]
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let stderr = (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? ""
        return (p.terminationStatus, stderr)
    }

    @Test func commandsEndQuietlyWhenTheReaderGoes() throws {
        // An RDB whose listings are far over a pipe's 64 KiB buffer, so the reader's going away
        // is seen by the writer.
        let server = try RedisServerProcess(arguments: ["--dbfilename", "dump.rdb"])
        try server.populate(count: 3_000)
        try server.cli("SAVE")
        let rdb = server.directory.appendingPathComponent("dump.rdb").path
        let commands: [[String]] = [
            ["inspect", rdb, "--keys", "--json", "--values"],
            ["inspect", rdb, "--keys", "--json"],
            ["inspect", rdb, "--keys"],
            ["sample-data", "--scenario", "week", "--resp"],
            ["config", "rules"],
            ["schema", "show", "--json"],
        ]
        for command in commands {
            for reader in ["head -c 1", "head -1", "true"] {
                let run = try Self.piped(command, into: reader)
                #expect(run.status == 0 || run.status == 141, "\(command) | \(reader): \(run.status) \(run.stderr)")
                #expect(run.stderr.isEmpty, "\(command) | \(reader): \(run.stderr)")
            }
        }
    }
}
