import Foundation
import MemopsTestSupport
import Testing

/// End-to-end: the built `memops` binary, its stdout, stderr and exit status.
@Suite(.serialized) struct ConfigLintCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func memops(_ args: [String], environment: [String: String] = [:]) throws -> Run {
        let binary = root.appendingPathComponent(".build/debug/memops")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestServerError("\(binary.path) is missing: run `swift build` first")
        }
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
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
        let r = try Self.memops(["config", "lint", "--no-host-checks", try Self.write(Self.clean)])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty && r.stdout.isEmpty)
    }

    @Test func fatalLineIsReportedCompilerStyleAndExitsOne() throws {
        let path = try Self.write(Self.clean + "appendonly true\n")
        let r = try Self.memops(["config", "lint", "--no-host-checks", path], environment: ["NO_COLOR": "1"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(path):7:12: error: [RC105] appendonly takes yes or no, not 'true'"))
        #expect(!r.stderr.contains("\u{1b}["))
    }

    @Test func missingFileExitsTwo() throws {
        let r = try Self.memops(["config", "lint", "/nonexistent/redis.conf"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot read /nonexistent/redis.conf"))
    }

    @Test func severityFailOnAndDisable() throws {
        let path = try Self.write(Self.clean + "maxmemory 2g\n")  // RC201 warning, RC202 info
        #expect(try Self.memops(["config", "lint", "--no-host-checks", path]).status == 1)
        let warnOnly = try Self.memops(["config", "lint", "--no-host-checks", "--severity", "warning", path])
        #expect(warnOnly.stderr.contains("[RC201]") && !warnOnly.stderr.contains("[RC202]"))
        #expect(try Self.memops(["config", "lint", "--no-host-checks", "--fail-on", "error", path]).status == 0)
        let off = try Self.memops(["config", "lint", "--no-host-checks", "--disable", "RC201,rc202", path])
        #expect(off.status == 0 && off.stderr.isEmpty, "\(off.stderr)")
        #expect(try Self.memops(["config", "lint", "--disable", "RC999", path]).status == 2)
    }

    @Test func jsonAndSarif() throws {
        let path = try Self.write(Self.clean + "hz +5\n")
        let json = try Self.memops(["config", "lint", "--no-host-checks", "--format", "json", path])
        #expect(json.status == 1)
        let items = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items[0]["rule"] as? String == "RC108" && items[0]["line"] as? Int == 7 && items[0]["severity"] as? String == "error")

        let sarif = try Self.memops(["config", "lint", "--no-host-checks", "--format", "sarif", path])
        let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.count == 1 && results[0]["ruleId"] as? String == "RC108" && results[0]["level"] as? String == "error")
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        #expect(rules.map { $0["id"] as? String } == ["RC108"])
    }

    @Test func rulesAndExplain() throws {
        let rules = try Self.memops(["config", "rules"])
        #expect(rules.status == 0 && rules.stdout.contains("RC201  warning Duplicate directive"))
        let explain = try Self.memops(["config", "explain", "rc202"])
        #expect(explain.status == 0 && explain.stdout.contains("8g = 8,000,000,000 bytes"))
        #expect(try Self.memops(["config", "explain", "RC000"]).status == 2)
    }

    @Test func lintsARunningServerAndItsDrift() throws {
        let server = try RedisServerProcess(arguments: ["--protected-mode", "no"])
        let r = try Self.memops(["config", "lint", "--no-host-checks", "-u", server.url, "--format", "json"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("\"RC502\"") && r.stdout.contains("\"RC301\""))

        let file = try Self.write("port \(server.port)\nsave \"\"\nappendonly no\nprotected-mode yes\n")
        let drift = try Self.memops(["config", "lint", "--no-host-checks", "-u", server.url, "--drift", file])
        #expect(drift.stderr.contains("\(file):4:1: warning: [RC801] protected-mode is 'no' on the running server but the file sets 'yes'"))
        #expect(try Self.memops(["config", "lint", "--drift", file]).status == 2)
    }

    @Test func renamedConfigFallsBackToInfo() throws {
        let server = try RedisServerProcess(arguments: ["--rename-command", "CONFIG", "", "--maxmemory-policy", "allkeys-lru"])
        let r = try Self.memops(["config", "lint", "--no-host-checks", "-u", server.url])
        #expect(r.status == 1)
        #expect(r.stderr.contains("[RC802] CONFIG GET is not available"))
        #expect(r.stderr.contains("[RC403]"))  // the eviction policy is in INFO memory
    }
}
