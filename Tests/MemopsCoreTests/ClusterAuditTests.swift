import Foundation
import MemopsRDB
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// Audit across a Redis Cluster's shards: the same data audited on one standalone server and
/// on a 3-shard cluster gives the same findings, each naming the shard that holds its key, and
/// an orphan is found whichever shard its index and its missing entity hash to.
@Suite struct ClusterAuditTests {
    /// Findings without the node, to compare a cluster's with a standalone server's.
    private func plain(_ report: AuditReport) -> [Diagnostic] {
        report.diagnostics.map { var d = $0; d.node = nil; return d }.sorted { ($0.key ?? "", $0.rule, $0.message) < ($1.key ?? "", $1.rule, $1.message) }
    }

    @Test func aClusterIsAuditedWholeAndFindingsNameTheirShard() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        let single = try RedisServerProcess()
        let spec = SampleDataSpec(counts: SampleDataCounts(sessions: 120, embeddings: 150, queue: 100, cache: 60, nodes: 4, events: 40),
                                  days: 7, seed: 11, faults: everyFault)
        let generator = try SampleDataGenerator(spec)

        let deployment = try Deployment.resolve(ServerTarget(config: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: cluster.nodes[1].port))))
        #expect(deployment.topology?.shards.count == 3)
        let client = ClusterClient(deployment)
        _ = try SampleDataLoader.load(generator, into: client, batchSize: 97)
        try SampleDataLoader.beat(generator, into: client)
        // Every shard holds part of the data: routing by slot spread it.
        for node in cluster.nodes { #expect(Int(try node.cli("DBSIZE")) ?? 0 > 50) }

        let standalone = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: single.port)))
        _ = try SampleDataLoader.load(generator, into: standalone)
        try SampleDataLoader.beat(generator, into: standalone)

        let whole = try LiveAudit(cluster: client, options: AuditOptions(count: 29)).run()
        let reference = try LiveAudit(connection: standalone, options: AuditOptions(count: 29)).run()
        #expect(whole.keysScanned == generator.totalKeys)
        #expect(!reference.diagnostics.isEmpty)
        #expect(plain(whole) == plain(reference))
        #expect(Set(whole.dangling) == Set(reference.dangling) && whole.dangling.count == 5)
        // Each finding names the primary that holds its key's slot.
        for d in whole.diagnostics {
            let key = try #require(d.key)
            let raw = try #require(KeyText.unescaped(key))
            #expect(d.node == client.owner(ofKey: raw), "\(key) on \(d.node ?? "no node")")
        }
        // One node alone (--node-only) misses what the other shards hold: the gap this closes.
        var one = ConnectionConfig(address: .tcp(host: "127.0.0.1", port: cluster.nodes[0].port))
        one.scope = .node
        let partial = try LiveAudit(connection: try RedisConnection(one), options: AuditOptions(count: 29)).run()
        #expect(partial.diagnostics.count < whole.diagnostics.count)
    }

    @Test func redirectsAreFollowed() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        let deployment = try Deployment.resolve(ServerTarget(config: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: cluster.nodes[0].port))))
        let client = ClusterClient(deployment)
        let topology = try #require(deployment.topology)
        // A key, its slot, the shard that has it and another one.
        let key = Array("session:redirect".utf8)
        let slot = HashSlot.of(key)
        let owner = try #require(topology.shard(forSlot: slot))
        let other = try #require(topology.shards.first { $0.primary.id != owner.primary.id })
        let ownerNode = try #require(cluster.nodes.first { $0.port == owner.primary.port })
        let otherNode = try #require(cluster.nodes.first { $0.port == other.primary.port })
        #expect(try client.routed([[Array("SET".utf8), key, Array("v1".utf8)]], keys: [key]) == [.status("OK")])

        // ASK: the slot is migrating; a key that is not on the source goes to the target.
        try otherNode.cli("CLUSTER", "SETSLOT", String(slot), "IMPORTING", owner.primary.id)
        try ownerNode.cli("CLUSTER", "SETSLOT", String(slot), "MIGRATING", other.primary.id)
        let migrating = try client.routed([[Array("SET".utf8), Array("ask:{session:redirect}".utf8), Array("v".utf8)]],
                                          keys: [Array("ask:{session:redirect}".utf8)])
        #expect(migrating == [.status("OK")])
        // It went to the importing shard (the same slot: its hash tag is the first key's name).
        #expect(try otherNode.cli("CLUSTER", "COUNTKEYSINSLOT", String(slot)) == "1")
        #expect(throws: (any Error).self) { try client.checkNoSlotsMoving() }

        // MOVED: the slot now belongs to the other shard; the client follows and learns it.
        try ownerNode.cli("MIGRATE", "127.0.0.1", String(other.primary.port), "", "0", "5000", "KEYS", "session:redirect")
        for node in cluster.nodes { try node.cli("CLUSTER", "SETSLOT", String(slot), "NODE", other.primary.id) }
        let reply = try client.routed([[Array("GET".utf8), key]], keys: [key])
        #expect(reply == [.bulk(Array("v1".utf8))])
        #expect(client.owner(ofKey: key) == other.primary.address)
        try client.checkNoSlotsMoving()
    }
}
