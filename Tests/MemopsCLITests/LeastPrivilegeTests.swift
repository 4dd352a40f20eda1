import Foundation
import MemopsCore
import MemopsTestSupport
import Testing

/// `memops acl`'s rules, against a real ACL user: with exactly the rules of a task its commands
/// succeed; with any one rule taken away they stop with exit 9 and one line that names the rule
/// in a valid `ACL SETUSER` command. A rule memops does not need fails the second half.
@Suite struct LeastPrivilegeTests {
    /// One task: the memops runs that make it up (connection options are added), what to load
    /// before each attempt, and the exit codes that count as success (1: findings were reported).
    struct Case: Sendable, CustomStringConvertible {
        var task: LeastPrivilege.Task
        var runs: [[String]]
        var ok: Set<Int32> = [0]
        /// Rules the command can do without, and what it must print instead of failing.
        var degraded: [String: String] = [:]
        /// Rules only a rare path needs, which the test's data cannot reach, and why.
        var rare: [String: String] = [:]
        var description: String { task.rawValue }
    }

    static let sample = ["--sessions", "40", "--embeddings", "40", "--cache", "20", "--queue", "50", "--nodes", "2", "--seed", "9"]
    static let faults = ["--inject", "orphan-index-member=4", "--inject", "session-without-ttl=3", "--inject", "cache-without-ttl=3"]

    static let cases: [Case] = [
        Case(task: .backup, runs: [["backup", "--dest", "DEST"]]),
        Case(task: .backupReplication, runs: [["backup", "--source", "replication", "--dest", "DEST"]]),
        Case(task: .audit, runs: [["audit"]], ok: [0, 1]),
        Case(task: .estimate, runs: [["estimate"]]),
        Case(task: .configLint, runs: [["config", "lint", "--no-host-checks"]], ok: [0, 1],
             degraded: ["+config|get": "linting only what INFO shows"]),
        Case(task: .sampleData, runs: [["sample-data"] + sample, ["sample-data", "--flush"] + sample]),
        Case(task: .restore, runs: [["restore", "BACKUP", "--dry-run"], ["restore", "BACKUP"]]),
        Case(task: .prune, runs: [
            ["prune", "--orphans", "--yes", "--journal", "DEST/j1"],
            ["prune", "--expired-policy", "--fix-ttl", "--yes", "--journal", "DEST/j2"],
            ["prune", "--expired-policy", "--yes", "--journal", "DEST/j3"],
            ["prune", "--older-than", "1s", "--namespace", "embedding", "--yes", "--journal", "DEST/j4"],
            ["prune", "--pattern", "tool:*", "--yes", "--journal", "DEST/j5"],
            ["prune", "--trim-streams", "--yes", "--journal", "DEST/j6"],
        ], rare: ["+unwatch": "sent only when every key of a batch was written between its read and its removal"]),
        Case(task: .pruneUndo, runs: [1, 2, 3].map { ["prune", "--undo", "JOURNAL\($0)"] }),
    ]

    @Test(arguments: cases)
    func exactlyTheseRulesAreEnough(_ c: Case) throws {
        let server = try RedisServerProcess()
        let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
        let dir = base + "/acl-\(c.task.rawValue)-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let passFile = dir + "/pass"
        try "s3cret\n".write(toFile: passFile, atomically: true, encoding: .utf8)
        chmod(passFile, 0o600)
        let admin = ["-p", String(server.port)]
        let user = "t-\(c.task.rawValue)"
        let rules = LeastPrivilege([c.task]).rules
        #expect(try MemopsProcess.run(["acl", c.task.rawValue, "--user", user]).stdoutText == LeastPrivilege([c.task]).setUser(user) + "\n")
        try server.cli(LeastPrivilege([c.task]).setUser(user).split(separator: " ").map(String.init) + [">s3cret"])

        // A backup of the dataset (for restore) and a journal of a prune (for its undo), made as
        // the admin, once.
        var backup = "", journal = ""
        func prepare() throws {
            try FileManager.default.removeItem(atPath: dir + "/dest")
            try FileManager.default.createDirectory(atPath: dir + "/dest", withIntermediateDirectories: true)
            let load = try MemopsProcess.run(["sample-data", "--flush"] + Self.sample + Self.faults + admin)
            #expect(load.status == 0, "\(load.stderr)")
            // Orphans in the set and hash indexes too, a TTL longer than its policy allows, and
            // one where the policy forbids any.
            try server.cli("SADD", "nodes:active", "ghost-node")
            try server.cli("HSET", "models:active", "ghost-node", "ghost-model")
            let session = try #require(try server.cli("ZRANGE", "sessions:recent", "0", "0").split(separator: "\n").first)
            try server.cli("EXPIRE", "session:\(session)", "9999999")
            try server.cli("EXPIRE", "tool:stats", "99999")
            if c.task == .restore {
                if backup.isEmpty {
                    try server.cli("FUNCTION", "LOAD", "#!lua name=acltest\nredis.register_function('f', function() return 1 end)")
                    let made = try MemopsProcess.run(["backup", "--dest", dir] + admin)
                    #expect(made.status == 0, "\(made.stderr)")
                    backup = dir + "/" + (try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".rdb.zst") } ?? "")
                }
                try server.cli("FLUSHALL")
                try server.cli("FUNCTION", "FLUSH")
            }
            if c.task == .sampleData { try server.cli("FLUSHALL") }
            if c.task == .pruneUndo {
                // Journals of every kind of record: members, TTLs, whole keys.
                journal = dir + "/undo"
                for (n, mode) in [["--orphans"], ["--expired-policy", "--fix-ttl"], ["--pattern", "session:*"]].enumerated() {
                    try? FileManager.default.removeItem(atPath: journal + "\(n + 1)")
                    let pruned = try MemopsProcess.run(["prune"] + mode + ["--yes", "--journal", journal + "\(n + 1)"] + admin)
                    #expect(pruned.status == 0, "\(pruned.stderr)")
                }
            }
        }
        try FileManager.default.createDirectory(atPath: dir + "/dest", withIntermediateDirectories: true)
        var lastOutput = ""
        func runAll() throws -> (status: Int32, stderr: String)? {
            for run in c.runs {
                let args = run.map { $0.replacingOccurrences(of: "DEST", with: dir + "/dest").replacingOccurrences(of: "BACKUP", with: backup).replacingOccurrences(of: "JOURNAL", with: journal) }
                let outcome = try MemopsProcess.run(args + admin + ["--user", user, "--pass-file", passFile])
                lastOutput = outcome.stdoutText + outcome.stderr
                if !c.ok.contains(outcome.status) { return (outcome.status, outcome.stderr) }
            }
            return nil
        }

        for rule in rules {
            try prepare()
            let (take, give) = rule.hasPrefix("+") ? ("-" + rule.dropFirst(), rule) : ("resetkeys", rule)
            try server.cli("ACL", "SETUSER", user, take)
            let failure = try runAll()
            try server.cli("ACL", "SETUSER", user, give)
            if let expected = c.degraded[rule] {
                #expect(failure == nil && lastOutput.contains(expected), "\(c.task) without \(rule): \(failure.map { "exit \($0.status): \($0.stderr)" } ?? lastOutput)")
                continue
            }
            guard let failure else {
                if c.rare[rule] == nil { Issue.record("\(c.task): without \(rule) every run still succeeded, so the rule is not needed") }
                continue
            }
            // One error line (prune names its journal first), whose ACL SETUSER grants the rule.
            let errors = failure.stderr.split(separator: "\n").filter { $0.hasPrefix("memops: error: ") }
            let grant = errors.first.flatMap { $0.range(of: "ACL SETUSER \(user) ").map { line in line.upperBound } }
                .map { errors[0][$0...].split(separator: " ").map(String.init) } ?? []
            #expect(failure.status == 9 && errors.count == 1 && grant.contains(rule.hasPrefix("+") ? rule : "~*"),
                    "\(c.task) without \(rule): exit \(failure.status): \(failure.stderr)")
        }
        try prepare()
        let failure = try runAll()
        #expect(failure == nil, "\(c.task) with exactly \(rules.joined(separator: " ")): \(failure.map { "exit \($0.status): \($0.stderr)" } ?? "")")
    }
}

/// The cluster's own rules (`memops acl --topology cluster`) against a real cluster whose every
/// node has the user: audit and a consistent backup set succeed with exactly them, and stop
/// with exit 9 naming each one taken away.
@Suite struct ClusterLeastPrivilegeTests {
    @Test func clusterRulesAreEnoughAndEachIsNeeded() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        let dir = try scratchDirectory("acl-cluster")
        let passFile = dir + "/pass"
        try "s3cret\n".write(toFile: passFile, atomically: true, encoding: .utf8)
        chmod(passFile, 0o600)
        let node = ["-p", String(cluster.nodes[0].port)]
        let load = try MemopsProcess.run(["sample-data", "--sessions", "30", "--inject", "orphan-index-member=2", "-q"] + node)
        #expect(load.status == 0, "\(load.stderr)")
        let privilege = LeastPrivilege([.audit, .backup], topology: .cluster)
        let user = "t-cluster"
        #expect(try MemopsProcess.run(["acl", "audit", "backup", "--topology", "cluster", "--user", user]).stdoutText == privilege.setUser(user) + "\n")
        func everyNode(_ args: [String]) throws { for n in cluster.nodes { try n.cli(args) } }
        try everyNode(privilege.setUser(user).split(separator: " ").map(String.init) + [">s3cret"])
        let asUser = node + ["--user", user, "--pass-file", passFile]
        func attempt() throws -> (Int32, String)? {
            let audit = try MemopsProcess.run(["audit"] + asUser)
            if audit.status > 1 { return (audit.status, audit.stderr) }
            let backup = try MemopsProcess.run(["backup", "--dest", dir, "--consistent"] + asUser)
            if backup.status != 0 { return (backup.status, backup.stderr) }
            return nil
        }
        // Only for a slot on the move, and for servers older than CLUSTER SHARDS.
        let rare: Set<String> = ["+asking", "+cluster|slots"]
        for rule in LeastPrivilege.Topology.cluster.extra(for: .audit) + LeastPrivilege.Topology.cluster.extra(for: .backup) where !rare.contains("+" + rule) {
            try everyNode(["ACL", "SETUSER", user, "-" + rule])
            let failure = try attempt()
            try everyNode(["ACL", "SETUSER", user, "+" + rule])
            #expect(failure?.0 == 9 && failure?.1.contains("+" + rule) == true, "without +\(rule): \(failure.map { "exit \($0.0): \($0.1)" } ?? "it worked")")
        }
        let failure = try attempt()
        #expect(failure == nil, "with exactly the rules: \(failure.map { "exit \($0.0): \($0.1)" } ?? "")")
    }
}
