import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// config lint of a whole deployment: every node linted and named, and the checks that need
/// the nodes together.
@Suite struct ClusterLintTests {
    private func rules(_ diagnostics: [Diagnostic]) -> [String: [String?]] {
        Dictionary(grouping: diagnostics, by: \.rule).mapValues { $0.map(\.node) }
    }

    @Test func topologyChecksOnNodesAsTheyAre() {
        let base = ["cluster-node-timeout": "15000", "maxmemory": "8589934592", "requirepass": "", "masterauth": "",
                    "replica-read-only": "yes", "replica-validity-factor": "10", "cluster-replica-no-failover": "no",
                    "cluster-require-full-coverage": "no", "cluster-allow-reads-when-down": "no"]
        func node(_ a: String, primary: String? = nil, _ changes: [String: String] = [:]) -> LintedNode {
            LintedNode(address: a, isPrimary: primary == nil, primary: primary, values: base.merging(changes) { $1 })
        }
        let clean = [node("p1", ["requirepass": "x", "masterauth": "x"]), node("r1", primary: "p1", ["requirepass": "x", "masterauth": "x"])]
        #expect(ConfigLinter.topologyDiagnostics(clean, cluster: true).isEmpty)

        let faulty = [
            node("p1", ["requirepass": "x", "cluster-node-timeout": "1000"]),
            node("r1", primary: "p1", ["requirepass": "x", "replica-validity-factor": "0", "cluster-replica-no-failover": "yes", "cluster-node-timeout": "1000"]),
            node("p2", ["maxmemory": "1073741824", "cluster-require-full-coverage": "yes"]),
            node("r2", primary: "p2", ["replica-read-only": "no", "maxmemory": "1073741824"]),
            node("p3", ["cluster-allow-reads-when-down": "yes"]),
        ]
        let found = rules(ConfigLinter.topologyDiagnostics(faulty, cluster: true))
        #expect(found["RC701"] == ["p1", "r1"])
        #expect(found["RC704"] == ["r1"] && found["RC705"] == ["r1"] && found["RC709"] == ["r2"])
        #expect(found["RC706"] == ["p1"] && found["RC708"] == ["p3"])
        #expect(found["RC702"] == [nil] && found["RC703"] == [nil])
        #expect(Set(ConfigLinter.topologyDiagnostics(faulty, cluster: true).filter { $0.rule == "RC707" }.compactMap(\.key)) == ["maxmemory", "cluster-node-timeout", "cluster-require-full-coverage"])
        // Behind Sentinel there are no cluster settings to check.
        #expect(rules(ConfigLinter.topologyDiagnostics(faulty, cluster: false))["RC701"] == nil)
    }

    @Test func everyNodeOfARealClusterIsLintedAndNamed() throws {
        let cluster = try RedisClusterProcess(primaries: 3, replicasPerPrimary: 1)
        let deployment = try clusterDeployment(cluster)
        let topology = try #require(deployment.topology)
        let firstReplica = try #require(cluster.nodes.first { $0.port == topology.shards[0].replicas.first?.port })
        try firstReplica.cli("CONFIG", "SET", "replica-read-only", "no")
        try cluster.nodes[2].cli("CONFIG", "SET", "maxmemory", "3gb")
        var options = ConfigLintOptions()
        options.hostChecks = false
        let report = try ConfigLinter.lintDeployment(deployment, options: options)
        let nodes = Set(report.diagnostics.compactMap(\.node))
        #expect(nodes.count == 6, "findings name \(nodes.count) nodes")
        let found = rules(report.diagnostics)
        #expect(found["RC709"] == ["127.0.0.1:\(firstReplica.port)"])
        #expect(report.diagnostics.contains { $0.rule == "RC707" && $0.key == "maxmemory" && $0.message.contains("127.0.0.1:\(cluster.nodes[2].port)") })
        #expect(found["RC702"] == [nil] && found["RC708"] == nil)
    }
}
