import Foundation
import MemopsCLI
import MemopsTestSupport
import Testing

/// Every numeric option at 0, -1, huge, nan and inf: one clear line and exit 2 when the value
/// is out of range, or the run goes on (here: to an unreachable port, exit 3), never a trap.
/// In process (`MemopsCommand.runCaptured`): a trap stops the test run, which fails it.
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
            let run = MemopsCommand.runCaptured(c.arguments + [c.option, v])
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
            let run = MemopsCommand.runCaptured(["backup", "-p", "1", "--dest", Self.dest] + args)
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

/// Every option of every command, found in the CLI's own description (so a new option is
/// walked the day it is added), at 0, -1, huge, nan and inf: never a trap, always one line when
/// it fails. Numeric options (a numeric default or value name) must refuse the huge and
/// non-finite values by name, exit 2. In process, as `NumericOptionTests`.
@Suite struct EveryOptionWalkTests {
    struct Option: CustomTestStringConvertible, Sendable {
        var command: [String]
        var name: String
        var valueName: String
        var defaultValue: String?
        var testDescription: String { (command + ["--" + name]).joined(separator: " ") }

        static let numericValueNames: Set<String> = [
            "n", "ops", "days", "port", "db", "top", "count", "batch", "threads", "keep-last", "keep-daily", "keep-weekly",
            "keep-monthly", "level", "timeout", "connect-timeout", "save-timeout", "lock-wait", "samples", "fraction",
            "cache", "embeddings", "sessions", "queue", "nodes", "events", "unix-seconds", "scale", "size", "seed",
        ]
        var isNumeric: Bool {
            Option.numericValueNames.contains(valueName) || defaultValue.map { Double($0) != nil } == true
        }
    }

    static let dest = NSTemporaryDirectory()
    static let rdb = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/rdb-corpus/generated-7.0/all_types_7.0.rdb").standardized.path
    static let conf = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../MemopsCoreTests/Fixtures/redis-7.0.15.conf").standardized.path
    /// What each command needs besides the option to stop early and harmlessly: port 1 refuses
    /// at once, files are fixtures or missing.
    static let base: [String: [String]] = [
        "backup run": ["-p", "1", "--dest", dest], "backup list": ["--dest", dest], "verify": ["/nonexistent.rdb.zst"],
        "restore": ["/nonexistent.rdb.zst", "-p", "1"], "inspect": [rdb], "estimate": ["-p", "1"], "audit": ["-p", "1"],
        "prune": ["-p", "1", "--orphans"], "config lint": [conf], "sample-data": ["-p", "1"], "schema show": [], "acl": ["backup"],
        "config rules": [], "config explain": ["RC001"], "help": [],
    ]
    /// Options naming files or directories: walking them would write files named "0" and "inf".
    static let pathValueNames: Set<String> = ["file", "path", "dir", "file.svg", "socket", "files"]

    static func options() throws -> [Option] {
        let dump = MemopsCommand.runCaptured(["--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: dump.stdout) as? [String: Any])
        var out: [Option] = []
        func walk(_ command: [String: Any], _ path: [String]) {
            for a in command["arguments"] as? [[String: Any]] ?? [] where a["kind"] as? String == "option" {
                guard let names = a["names"] as? [[String: Any]], let long = names.first(where: { $0["kind"] as? String == "long" })?["name"] as? String,
                      let valueName = a["valueName"] as? String, !pathValueNames.contains(valueName) else { continue }
                out.append(Option(command: path, name: long, valueName: valueName, defaultValue: a["defaultValue"] as? String))
            }
            for s in command["subcommands"] as? [[String: Any]] ?? [] {
                walk(s, path + [s["commandName"] as? String ?? "?"])
            }
        }
        walk(root["command"] as? [String: Any] ?? [:], [])
        return out
    }

    @Test func theWalkFindsTheOptions() throws {
        let all = try Self.options()
        #expect(all.count > 100, "\(all.count) options")
        #expect(all.contains { $0.command == ["backup", "run"] && $0.name == "threads" && $0.isNumeric })
        #expect(all.contains { $0.command == ["estimate"] && $0.name == "horizon" && $0.isNumeric })
    }

    @Test func everyOptionAtEveryBadValue() throws {
        var failures: [String] = []
        for option in try Self.options() {
            let key = option.command.joined(separator: " ")
            guard let base = Self.base[key] else {
                failures.append("\(key): no base arguments for this command in EveryOptionWalkTests.base")
                continue
            }
            for value in ["0", "-1", "1e30", "99999999999999999999", "nan", "inf"] {
                let run = MemopsCommand.runCaptured(option.command + base + ["--" + option.name, value])
                let context = "\(option.testDescription) \(value): status \(run.status), \(run.stderr.prefix(300))"
                // Warnings (a password in argv) come before the error; findings (exit 1) are reports.
                let lines = run.stderr.split(separator: "\n").filter { !$0.hasPrefix("memops: warning: ") }
                if run.stderr.contains("Fatal error") || run.stderr.contains("Backtrac") || run.status > 20 {
                    failures.append("trap: \(context)")
                } else if run.status != 0 && run.status != 1 && !(lines.count == 1 && lines[0].hasPrefix("memops: error: ")) {
                    failures.append("not one line: \(context)")
                } else if option.isNumeric && ["1e30", "99999999999999999999", "nan", "inf"].contains(value) && option.name != "seed" {
                    if run.status != 2 || !(run.stderr.contains("--" + option.name) || run.stderr.contains(value)) {
                        failures.append("accepted or not named: \(context)")
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures:\n\(failures.joined(separator: "\n"))")
    }
}
