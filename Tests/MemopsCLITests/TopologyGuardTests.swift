import Foundation
import MemopsCore
import MemopsTestSupport
import Testing

/// A command that needs the whole dataset refuses a Redis Cluster node and a Sentinel instead of
/// answering for part of the data: an audit of one cluster node used to say "0 findings" while
/// missing every orphan on the other shards.
@Suite struct TopologyGuardTests {
    @Test func aClusterNodeIsRefusedUnlessNodeOnly() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        let node = ["-p", String(cluster.nodes[0].port)]
        let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
        let dest = base + "/topology-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
        // The commands that do not yet work across shards.
        for command in [["estimate"], ["prune", "--orphans"], ["backup", "--dest", dest]] {
            let run = try MemopsProcess.run(command + node)
            let lines = run.stderr.split(separator: "\n")
            #expect(run.status == 10 && lines.count == 1 && run.stderr.contains("Redis Cluster") && run.stderr.contains("--node-only"),
                    "memops \(command.joined(separator: " ")): exit \(run.status): \(run.stderr)")
        }
        let audit = try MemopsProcess.run(["audit", "--node-only"] + node)
        #expect(audit.status == 0 || audit.status == 1, "\(audit.stderr)")
        // A node's configuration is its own: lint needs no --node-only.
        let lint = try MemopsProcess.run(["config", "lint", "--no-host-checks"] + node)
        #expect(lint.status == 0 || lint.status == 1, "\(lint.stderr)")
    }

    @Test func aSentinelIsRefusedWithWhereTheDataIs() throws {
        let master = try RedisServerProcess()
        let sentinel = try SentinelProcess(monitoring: master)
        for command in [["audit"], ["estimate"], ["audit", "-n", "2"]] {
            let run = try MemopsProcess.run(command + ["-p", String(sentinel.port)])
            #expect(run.status == 10 && run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("Sentinel")
                    && run.stderr.contains("redis-sentinel://127.0.0.1:\(sentinel.port)/mymaster") && run.stderr.contains("--master-name mymaster"), "memops \(command.joined(separator: " ")): exit \(run.status): \(run.stderr)")
        }
    }
}
