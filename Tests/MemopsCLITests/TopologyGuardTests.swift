import Foundation
import MemopsCore
import MemopsTestSupport
import Testing

/// Every command that works on data, run as a user would against a Redis Cluster (any node's
/// address) and against a master found through Sentinel; a Sentinel given as a data node is
/// named as what it is. (An audit of one cluster node used to say "0 findings" while missing
/// every orphan on the other shards.)
@Suite struct TopologyGuardTests {
    private func run(_ arguments: [String]) throws -> MemopsProcess.Outcome {
        try MemopsProcess.run(arguments)
    }

    @Test func everyCommandWorksOnAClusterFromAnyNode() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        let target = try RedisClusterProcess(primaries: 2)
        let node = ["-p", String(cluster.nodes[1].port)]
        let dest = try scratchDirectory("topology")

        let load = try run(["sample-data", "--sessions", "120", "--embeddings", "80", "--inject", "orphan-index-member=4", "-q"] + node)
        #expect(load.status == 0, "\(load.stderr)")
        let keys = try cluster.nodes.map { Int(try $0.cli("DBSIZE")) ?? 0 }
        #expect(keys.allSatisfy { $0 > 0 }, "\(keys)")

        let audit = try run(["audit", "--format", "json"] + node)
        #expect(audit.status == 1 && audit.stdoutText.components(separatedBy: "\"AUD009\"").count - 1 == 4, "\(audit.stderr)")
        // One node alone, on purpose, sees only its share.
        let one = try run(["audit", "--node-only", "--format", "json"] + node)
        #expect(one.stdoutText.components(separatedBy: "\"AUD009\"").count - 1 < 4)

        let estimate = try run(["estimate"] + node)
        #expect(estimate.status == 0 && estimate.stdoutText.contains("cluster: 3 shards"), "\(estimate.stderr)")

        let prune = try run(["prune", "--orphans"] + node)
        #expect(prune.status == 0 && prune.stdoutText.contains("would remove 0 keys") && prune.stdoutText.contains("and 4 index members"), "\(prune.stdoutText) \(prune.stderr)")

        let backup = try run(["backup", "--dest", dest, "--consistent", "-v"] + node)
        #expect(backup.status == 0 && backup.stdoutText.contains("3 shards") && backup.stdoutText.contains("writes paused"), "\(backup.stderr)")
        let list = try run(["backup", "list", "--dest", dest, "--json"])
        #expect(list.stdoutText.contains("\"kind\" : \"cluster\"") && list.stdoutText.contains("\"shards\" : 3"), "\(list.stdoutText)")
        let verify = try run(["verify", "--dest", dest, "--latest", "--deep"])
        #expect(verify.status == 0 && verify.stdoutText.split(separator: "\n").count == 3, "\(verify.stderr)")

        let set = try #require(try FileManager.default.contentsOfDirectory(atPath: dest).first { $0.hasSuffix(".cluster") })
        let into = ["-p", String(target.nodes[0].port)]
        let dry = try run(["restore", dest + "/" + set, "--dry-run"] + into)
        #expect(dry.status == 0 && dry.stdoutText.components(separatedBy: "  to 127.0.0.1:").count - 1 == 2, "\(dry.stdoutText)")
        let restore = try run(["restore", dest + "/" + set] + into)
        #expect(restore.status == 0, "\(restore.stderr)")
        let restored = try target.nodes.reduce(0) { $0 + (Int(try $1.cli("DBSIZE")) ?? 0) }
        #expect(restored == keys.reduce(0, +))

        // A node's configuration is its own: lint needs no --node-only.
        let lint = try run(["config", "lint", "--no-host-checks"] + node)
        #expect(lint.status == 0 || lint.status == 1, "\(lint.stderr)")
    }

    @Test func aSentinelSetIsReachedThroughItsSentinels() throws {
        let set = try SentinelSet(replicas: 1, sentinels: 3, serverArguments: ["--dbfilename", "dump.rdb"])
        let load = try run(["sample-data", "--sessions", "30", "-q", "-u", set.url])
        #expect(load.status == 0, "\(load.stderr)")
        try set.replicas[0].cli("WAIT", "0", "0")
        usleep(300_000)
        let audit = try run(["audit"] + set.sentinelArguments)
        #expect(audit.status == 0, "\(audit.stderr)")
        // Behind Sentinel a backup is taken from a replica, so the fork never hits the master.
        let dest = try scratchDirectory("sentinel-backup")
        let backup = try run(["backup", "--dest", dest, "-v", "-u", set.url])
        #expect(backup.status == 0 && backup.stdoutText.contains("127.0.0.1:\(set.replicas[0].port)"), "\(backup.stdoutText) \(backup.stderr)")
        let master = try run(["backup", "--dest", dest, "-v", "--no-prefer-replica", "-u", set.url])
        #expect(master.status == 0 && master.stdoutText.contains("127.0.0.1:\(set.master.port)"), "\(master.stdoutText) \(master.stderr)")
    }

    /// The master dies in the middle of a restore behind Sentinel: memops waits for the
    /// sentinels to promote the replica and runs again against it, skipping what is there
    /// (replicated before the death), so every key arrives.
    @Test func aRestoreCarriesOnThroughAFailover() throws {
        let source = try RedisServerProcess(arguments: ["--dbfilename", "dump.rdb"])
        try source.populate(count: 20_000, valueSize: 40)
        let keys = Int(try source.cli("DBSIZE")) ?? 0
        let dest = try scratchDirectory("failover-restore")
        let backup = try run(["backup", "--dest", dest, "-p", String(source.port)])
        #expect(backup.status == 0, "\(backup.stderr)")
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: dest).first { $0.hasSuffix(".rdb.zst") })
        let set = try SentinelSet(replicas: 1, sentinels: 3)
        let (process, out, err) = try MemopsProcess.start(["restore", dest + "/" + file, "--batch", "1", "-u", set.url])
        usleep(300_000)
        set.master.stop()
        process.waitUntilExit()
        let newMaster = try set.currentMasterPort()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = out.fileHandleForReading.readDataToEndOfFile()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("the master moved"), "the restore ended before the failover: \(stderr)")
        let server = try #require(([set.master] + set.replicas).first { $0.port == newMaster })
        #expect(Int(try server.cli("DBSIZE")) == keys)
    }

    /// SENTINEL FAILOVER while the master's save runs: the backup either holds the snapshot
    /// the old master forked, or (when the demoted master dropped its save) runs again against
    /// the new one; either way one whole, verified backup is published and nothing else.
    @Test func aBackupSurvivesASentinelFailover() throws {
        let set = try SentinelSet(replicas: 1, sentinels: 3, serverArguments: ["--dbfilename", "dump.rdb"])
        let load = try run(["sample-data", "--sessions", "300", "--embeddings", "300", "-q", "-u", set.url])
        #expect(load.status == 0, "\(load.stderr)")
        try set.master.cli("CONFIG", "SET", "rdb-key-save-delay", "5000")
        let dest = try scratchDirectory("sentinel-failover")
        let (process, out, err) = try MemopsProcess.start(["backup", "--dest", dest, "-v", "--no-prefer-replica", "-u", set.url])
        usleep(400_000)
        let newMaster = try set.failover()
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(stderr)")
        if stderr.contains("the master moved") { #expect(stdout.contains("127.0.0.1:\(newMaster)"), "\(stdout)") }
        let names = try FileManager.default.contentsOfDirectory(atPath: dest).filter { !$0.hasPrefix(".memops") }
        #expect(names.filter { $0.hasSuffix(".rdb.zst") }.count == 1 && names.count == 2, "\(names)")
        let verify = try run(["verify", "--dest", dest, "--latest", "--deep"])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func aSentinelIsRefusedWithWhereTheDataIs() throws {
        let master = try RedisServerProcess()
        let sentinel = try SentinelProcess(monitoring: master)
        for command in [["audit"], ["estimate"], ["audit", "-n", "2"], ["backup", "--dest", "/tmp"]] {
            let outcome = try run(command + ["-p", String(sentinel.port)])
            #expect(outcome.status == 10 && outcome.stderr.split(separator: "\n").count == 1 && outcome.stderr.contains("Sentinel")
                    && outcome.stderr.contains("redis-sentinel://127.0.0.1:\(sentinel.port)/mymaster") && outcome.stderr.contains("--master-name mymaster"),
                    "memops \(command.joined(separator: " ")): exit \(outcome.status): \(outcome.stderr)")
        }
        let unknown = try run(["audit", "--sentinel", "127.0.0.1:\(sentinel.port)", "--master-name", "nosuch"])
        #expect(unknown.status == 3 && unknown.stderr.contains("monitors no master named nosuch"), "\(unknown.stderr)")
        let missing = try run(["audit", "--sentinel", "127.0.0.1:\(sentinel.port)"])
        #expect(missing.status == 2 && missing.stderr.contains("--master-name"), "\(missing.stderr)")
    }
}

/// A fresh directory under the run's temporary directory.
func scratchDirectory(_ name: String) throws -> String {
    let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
    let path = base + "/\(name)-\(UUID().uuidString.prefix(6))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
