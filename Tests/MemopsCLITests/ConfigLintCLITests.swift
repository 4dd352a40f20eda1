import Foundation
import MemopsCLI
import MemopsTestSupport
import Testing

/// `memops config`: file lints in process (`MemopsCommand.runCaptured`), server lints end to end
/// (the built binary, its stdout, stderr and exit status).
@Suite(.serialized) struct ConfigLintCLITests {
    /// memops in this process: the file lints need no server and no binary.
    static func memops(_ args: [String]) -> CapturedRun {
        MemopsCommand.runCaptured(args)
    }

    /// A file in a fresh temporary directory.
    static func write(_ text: String, name: String = "redis.conf") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memops-cli-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A config that no rule objects to.
    static let clean = """
        bind 127.0.0.1 -::1
        appendonly yes
        maxmemory 1gb
        maxmemory-policy noeviction
        hash-max-listpack-value 4096
        stream-node-max-bytes 64kb

        """

    @Test func cleanFileExitsZero() throws {
        let r = Self.memops(["config", "lint", "--no-host-checks", try Self.write(Self.clean)])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty && r.stdout.isEmpty)
    }

    @Test func fatalLineIsReportedCompilerStyleAndExitsOne() throws {
        let path = try Self.write(Self.clean + "appendonly true\n")
        let r = Self.memops(["config", "lint", "--no-host-checks", path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(path):7:12: error: [RC105] appendonly takes yes or no, not 'true'"))
        #expect(!r.stderr.contains("\u{1b}["))
    }

    @Test func missingFileExitsTwo() throws {
        let r = Self.memops(["config", "lint", "/nonexistent/redis.conf"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot read /nonexistent/redis.conf"))
    }

    @Test func severityFailOnAndDisable() throws {
        let path = try Self.write(Self.clean + "maxmemory 2g\n")  // RC201 warning, RC202 info
        #expect(Self.memops(["config", "lint", "--no-host-checks", path]).status == 1)
        let warnOnly = Self.memops(["config", "lint", "--no-host-checks", "--severity", "warning", path])
        #expect(warnOnly.stderr.contains("[RC201]") && !warnOnly.stderr.contains("[RC202]"))
        #expect(Self.memops(["config", "lint", "--no-host-checks", "--fail-on", "error", path]).status == 0)
        let off = Self.memops(["config", "lint", "--no-host-checks", "--disable", "RC201,rc202", path])
        #expect(off.status == 0 && off.stderr.isEmpty, "\(off.stderr)")
        #expect(Self.memops(["config", "lint", "--disable", "RC999", path]).status == 2)
    }

    @Test func jsonAndSarif() throws {
        let path = try Self.write(Self.clean + "hz +5\n")
        let json = Self.memops(["config", "lint", "--no-host-checks", "--format", "json", path])
        #expect(json.status == 1)
        let items = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items[0]["rule"] as? String == "RC108" && items[0]["line"] as? Int == 7 && items[0]["severity"] as? String == "error")

        let sarif = Self.memops(["config", "lint", "--no-host-checks", "--format", "sarif", path])
        let log = try #require(try JSONSerialization.jsonObject(with: sarif.stdout) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 1 && results[0]["ruleId"] as? String == "RC108" && results[0]["level"] as? String == "error")
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        #expect(rules.map { $0["id"] as? String } == ["RC108"])
    }

    @Test func rulesAndExplain() throws {
        let rules = Self.memops(["config", "rules"])
        #expect(rules.status == 0 && rules.stdoutText.contains("RC201  warning Duplicate directive"))
        let explain = Self.memops(["config", "explain", "rc202"])
        #expect(explain.status == 0 && explain.stdoutText.contains("8g = 8,000,000,000 bytes"))
        #expect(Self.memops(["config", "explain", "RC000"]).status == 2)
    }

    @Test func lintsARunningServerAndItsDrift() throws {
        let server = try RedisServerProcess(arguments: ["--protected-mode", "no"])
        let r = try MemopsProcess.run(["config", "lint", "--no-host-checks", "-u", server.url, "--format", "json"])
        #expect(r.status == 1)
        #expect(r.stdoutText.contains("\"RC502\"") && r.stdoutText.contains("\"RC301\""))

        let file = try Self.write("port \(server.port)\nsave \"\"\nappendonly no\nprotected-mode yes\n")
        let drift = try MemopsProcess.run(["config", "lint", "--no-host-checks", "-u", server.url, "--drift", file])
        #expect(drift.stderr.contains("\(file):4:1: warning: [RC801] protected-mode is 'no' on the running server but the file sets 'yes'"))
        #expect(try MemopsProcess.run(["config", "lint", "--drift", file]).status == 2)
    }

    @Test func renamedConfigFallsBackToInfo() throws {
        let server = try RedisServerProcess(arguments: ["--rename-command", "CONFIG", "", "--maxmemory-policy", "allkeys-lru"])
        let r = try MemopsProcess.run(["config", "lint", "--no-host-checks", "-u", server.url])
        #expect(r.status == 1)
        #expect(r.stderr.contains("[RC802] CONFIG GET is not available"))
        #expect(r.stderr.contains("[RC403]"))  // the eviction policy is in INFO memory
    }
}
