import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// memops reports an error exactly when the real redis-server (Debian 7.0.15 on this machine)
/// refuses to start with the same file and the same command-line options.
@Suite(.serialized) struct ConfigLintDifferentialTests {
    /// Lines redis 7.0 accepts, including its quirks (`maxmemory k` is 0, hz is clamped).
    static let valid: [String] = [
        "maxmemory 100mb", "maxmemory 8g", "maxmemory 1GB", "maxmemory k", "maxmemory \"\"", "maxmemory 0",
        "maxmemory 99999999999999999999999", "hz 1000", "hz 0", "save 900 1", "save \"\"", "save \"900 1 300 10\"",
        "save 900 1 300 10", "appendonly yes", "appendonly YES", "appendfsync Always", "SET-MAX-INTSET-ENTRIES 100",
        "slave-read-only yes", "hash-max-ziplist-value 128", "lua-time-limit 100", "list-max-ziplist-entries 512",
        "lua-replicate-commands yes", "unixsocketperm 700", "unixsocketperm \"\"", "client-output-buffer-limit normal 0 0 0",
        "client-output-buffer-limit replica 256mb 64mb 60", "client-output-buffer-limit \"pubsub 32mb 8mb 60\"",
        "maxmemory-clients 10%", "maxmemory-clients 0", "notify-keyspace-events KEA", "notify-keyspace-events \"\"",
        "oom-score-adj-values 0 200 800", "bind 127.0.0.1 -::1", "rename-command FLUSHALL \"\"", "rename-command config cfg",
        "user alice on >secret ~* +@all", "user bob off", "user carol on nopass (~x +get)", "shutdown-on-sigterm save now",
        "latency-tracking-info-percentiles 50 99 99.9", "latency-tracking-info-percentiles \"\"", "include {dir}/inc-ok.conf",
        "include {dir}/nothing-*.conf", "dbfilename dump2.rdb", "appendfilename a.aof", "replicaof no one",
        "proc-title-template \"{title} {port}\"", "'maxmemory' '100mb'", "maxmemory \"100mb\"", "   maxmemory 100mb  \t",
        "maxmemory 100mb\r", "timeout 0", "databases 16", "repl-backlog-size 1mb", "active-defrag-cycle-min 99",
        "replica-priority 0", "requirepass \"a b\"", "enable-debug-command local", "dir {dir}", "loglevel WARNING",
        "# maxmemory 1.5gb", "   # indented comment", "maxmemory \"1\\x30mb\"", "masteruser \"\"", "slowlog-log-slower-than -1",
        "\tport\t{port}", "client-query-buffer-limit 1gb", "proto-max-bulk-len 512mb", "hz 500",
        "user alice on ~foo resetkeys ~* ", "user alice on %r~x %RW~y", "user alice on +config|get -debug", "user alice\nuser bob",
        "user alice on allchannels resetchannels &x", "include {dir}", "maxmemory 1gb\u{0}junk", "loglevel \"debug\"",
    ]

    /// Lines redis 7.0 refuses.
    static let broken: [String] = [
        "maxmemory 1.5gb", "maxmemory 1tb", "maxmemory -1", "maxmemory 100 mb", "maxmemory 1gb # comment",
        "hz -1", "hz 1e3", "hz +5", "hz 05", "hz", "appendonly true", "appendonly 1", "appendfsync sometimes",
        "save 900", "save 0 1", "save 900 -1", "save abc 1", "maxmemroy 100mb", "foo bar",
        "include /nonexistent/x.conf", "dbfilename /tmp/dump.rdb", "appenddirname a/b", "appendfilename \"\"",
        "port 70000", "maxmemory \"100mb", "maxmemory \"100mb\"x", "maxmemory '100mb", "unixsocketperm 800",
        "unixsocketperm 1777", "client-output-buffer-limit master 0 0 0", "client-output-buffer-limit normal 0 0",
        "client-output-buffer-limit normal 1x 0 0", "maxmemory-clients 101%", "maxmemory-clients -5",
        "notify-keyspace-events KEAq", "oom-score-adj-values 0 200", "oom-score-adj-values 0 200 3000",
        "rename-command NOSUCHCMD foo", "rename-command GET SET", "user alice on badrule", "user alice +nosuchcmd",
        "shutdown-on-sigterm save nosave", "latency-tracking-info-percentiles 101", "replicaof 127.0.0.1 notaport",
        "sentinel monitor mymaster 127.0.0.1 6379 2", "mymodule.option 1", "loadmodule /nonexistent/module.so",
        "dir /nonexistent/dir", "logfile /nonexistent/dir/redis.log", "cluster-enabled yes\nreplicaof 127.0.0.1 6380",
        "databases 0", "io-threads 129", "enable-debug-command maybe", "proc-title-template \"{nosuch}\"",
        "proc-title-template \"{title}\"", "locale-collate \"\"", "set-max-listpack-entries 128", "include",
        "rename-command a", "list-max-ziplist-entries 1 2", "gopher-enabled no", "maxmemory 100mb\nhz 10 # ten",
        "timeout 10s", "databases 2147483648", "save 900 1 # hourly", "user alice on #abc", "user dave on (~x +get",
        "replicaof 127.0.0.1 70000", "requirepass a b", "port \"6380\"\"\"",
        "user alice on ~* ~foo", "user alice on\nuser alice off", "user alice on &* &chan", "user alice (~x ~* ~y)",
        "user alice on \"~a b\"", "user alice on -@nosuchcategory", "\u{FEFF}maxmemory 1gb",
    ]

    /// Directives the generated cases leave alone: they change how or where the server starts
    /// (ports, files, daemonizing, CPU affinity, supervision) or depend on the build.
    static let untouchable: Set<String> = [
        "port", "bind", "dir", "daemonize", "logfile", "pidfile", "unixsocket", "unixsocketperm", "aclfile", "databases",
        "supervised", "activedefrag", "oom-score-adj", "oom-score-adj-values", "replicaof", "cluster-enabled",
        "cluster-config-file", "cluster-port", "tls-port", "tls-cluster", "tls-replication", "syslog-enabled",
        "server_cpulist", "bio_cpulist", "aof_rewrite_cpulist", "bgsave_cpulist", "io-threads", "save",
        "appendonly", "maxclients", "tcp-backlog", "bind-source-addr", "socket-mark-id",
    ]

    /// Values that probe the parsers: units, signs, zeros, percent, octal, quotes, enums.
    static let probes: [String] = [
        "0", "1", "-1", "05", "+1", "1k", "1kb", "2M", "3mb", "1g", "1GB", "1.5", "1tb", "10%", "-10%", "101%", "0777", "0x10",
        "yes", "no", "YES", "true", "\"\"", "abc", "9223372036854775807", "9223372036854775808", "2147483648", "65536",
        "'1 2'", "1 2", "everysec", "allkeys-lru", "k", "b", "007", "-0",
    ]

    /// Seeded random single-line cases: a directive of the 7.0 table and a probe value, or an
    /// enum value of that directive.
    static func generated(seed: UInt64, count: Int) -> [String] {
        var rng = SeededRandom(state: seed)
        let table = RedisConfigTables.table(for: "7.0")!
        let specs = table.directives.filter { !untouchable.contains($0.name) && !$0.name.hasPrefix("tls-") && $0.kind != .special }
        return (0..<count).map { _ in
            let spec = specs.randomElement(using: &rng)!
            let name = Bool.random(using: &rng) ? spec.name : (spec.alias ?? spec.name.uppercased())
            var value = probes.randomElement(using: &rng)!
            if !spec.values.isEmpty && Bool.random(using: &rng) { value = spec.values.randomElement(using: &rng)! }
            return "\(name) \(value)"
        }
    }

    /// Seeded byte mutations of the stock 7.0 redis.conf's directive lines (quotes, escapes,
    /// units, signs, blanks), skipping the directives that change where the server starts.
    static func mutated(seed: UInt64, count: Int) throws -> [String] {
        var rng = SeededRandom(state: seed)
        let stock = try String(contentsOf: packageRoot.appendingPathComponent("Tests/MemopsCoreTests/Fixtures/redis-7.0.15.conf"), encoding: .utf8)
        let lines = stock.split(separator: "\n").filter { line in
            guard !line.hasPrefix("#"), let name = line.split(separator: " ").first?.lowercased() else { return false }
            return !untouchable.contains(name) && !name.hasPrefix("tls-") && name != "include"
        }.map { Array($0.utf8) }
        let alphabet = Array("\"'\\x# 0123456789kmgbKMGB-+.%\tyesnoA".utf8)
        return (0..<count).map { _ in
            var line = lines.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                line.mutateOnce(from: alphabet, using: &rng)
            }
            return String(decoding: line, as: UTF8.self)
        }
    }

    /// One generated case: its config text and what redis did with it.
    struct Outcome {
        var text: String
        var refused: Bool
        var log: String
    }

    @Test func memopsIsFatalExactlyWhenRedisRefusesToStart() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("memops-diff-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try "maxmemory 10mb\n".write(to: root.appendingPathComponent("inc-ok.conf"), atomically: true, encoding: .utf8)

        var cases = (Self.valid + Self.broken).map { $0.replacingOccurrences(of: "{dir}", with: root.path) }
        let env = ProcessInfo.processInfo.environment
        let seed = UInt64(env["MEMOPS_DIFF_SEED"] ?? "7") ?? 7, count = Int(env["MEMOPS_DIFF_COUNT"] ?? "60") ?? 60
        cases += Self.generated(seed: seed, count: count) + (try Self.mutated(seed: seed, count: count))
        #expect(cases.count >= 250)
        var mismatches: [String] = []
        var refusedCount = 0
        // A few servers at a time: config errors exit within milliseconds, good configs listen
        // within ~100 ms; each one gets at most 5 s.
        for batch in stride(from: 0, to: cases.count, by: 6) {
            let slice = Array(cases[batch..<min(batch + 6, cases.count)])
            var outcomes = try runBatch(slice, root: root, offset: batch)
            // A port taken between choosing it and binding it is not the config's fault: retry.
            for (i, o) in outcomes.enumerated() where o.refused && o.log.contains("Address already in use") {
                outcomes[i] = try runBatch([slice[i]], root: root, offset: batch + i)[0]
            }
            for (text, outcome) in zip(slice, outcomes) {
                if outcome.refused { refusedCount += 1 }
                let caseDir = root.appendingPathComponent("case-\(batch + slice.firstIndex(of: text)!)")
                var options = ConfigLintOptions()
                options.workingDirectory = caseDir.path
                options.host = HostFacts()
                let linter = try ConfigLinter(options: options)
                let report = try linter.lint(file: caseDir.appendingPathComponent("case.conf").path, appending: Self.appended(port: 1, dir: caseDir.path))
                if report.isFatal != outcome.refused {
                    let errors = report.diagnostics.filter { $0.severity == .error }.map { "[\($0.rule)] \($0.message)" }
                    mismatches.append("\(text.debugDescription): redis \(outcome.refused ? "refused" : "started"), memops errors \(errors); redis said: \(outcome.log.suffix(300))")
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches:\n\(mismatches.joined(separator: "\n"))")
        // The set must exercise both outcomes, or the test proves nothing.
        #expect(refusedCount >= Self.broken.count && refusedCount < cases.count - Self.valid.count)
    }

    /// The options the test passes on the command line, as redis appends them to the file.
    static func appended(port: Int, dir: String) -> String {
        "port \(port)\nbind 127.0.0.1\ndir \(dir)\ndaemonize no"
    }

    /// Starts one redis-server per case, then waits for each to exit (refused) or listen (started).
    private func runBatch(_ texts: [String], root: URL, offset: Int) throws -> [Outcome] {
        let binary = try RedisServerProcess.locate("redis-server")
        var running: [(Process, Int, URL)] = []
        for (i, text) in texts.enumerated() {
            let dir = root.appendingPathComponent("case-\(offset + i)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let port = try RedisServerProcess.freePort()
            let conf = dir.appendingPathComponent("case.conf")
            try text.replacingOccurrences(of: "{port}", with: "6380").write(to: conf, atomically: true, encoding: .utf8)
            let log = dir.appendingPathComponent("out.log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let p = Process()
            p.executableURL = binary
            p.currentDirectoryURL = dir
            p.arguments = [conf.path, "--port", String(port), "--bind", "127.0.0.1", "--dir", dir.path, "--daemonize", "no"]
            let handle = try FileHandle(forWritingTo: log)
            p.standardOutput = handle
            p.standardError = handle
            p.standardInput = FileHandle.nullDevice
            try p.run()
            // scripts/test kills whatever a crashed run leaves behind, by these pid files.
            if let pids = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] {
                try? String(p.processIdentifier).write(toFile: "\(pids)/server-\(p.processIdentifier).pid", atomically: true, encoding: .utf8)
            }
            running.append((p, port, log))
        }
        var outcomes: [Outcome?] = Array(repeating: nil, count: texts.count)
        var listeningSince: [Date?] = Array(repeating: nil, count: texts.count)
        let deadline = Date().addingTimeInterval(5)
        while outcomes.contains(where: { $0 == nil }) && Date() < deadline {
            for (i, (p, port, log)) in running.enumerated() where outcomes[i] == nil {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                if !p.isRunning {
                    outcomes[i] = Outcome(text: texts[i], refused: p.terminationStatus != 0, log: text)
                } else if text.contains("Ready to accept connections") {
                    // server.c logs this last, after modules are loaded.
                    outcomes[i] = Outcome(text: texts[i], refused: false, log: "")
                } else if let since = listeningSince[i] {
                    // Quiet log levels hide "Ready": listening and alive for a while counts.
                    if Date().timeIntervalSince(since) > 1.5 { outcomes[i] = Outcome(text: texts[i], refused: false, log: "") }
                } else if Self.listening(port) {
                    // Listening comes before module loading, which can still abort.
                    listeningSince[i] = Date()
                }
            }
            usleep(20_000)
        }
        for (i, (p, _, log)) in running.enumerated() {
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
            }
            if outcomes[i] == nil {
                outcomes[i] = Outcome(text: texts[i], refused: false, log: "(no answer within 5 s) " + ((try? String(contentsOf: log, encoding: .utf8)) ?? ""))
            }
        }
        return outcomes.map { $0! }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:port.
    static func listening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
