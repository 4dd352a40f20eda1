import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// The slot map and the key → slot function against a real Redis Cluster the test makes.
@Suite struct ClusterTopologyTests {
    @Test func hashSlotsAreTheServersOwn() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        let node = cluster.nodes[0]
        var keys = ["", "a", "session:45b173480d3e8e0c", "{user1000}.following", "foo{}{bar}", "foo{{bar}}zap", "foo{bar}{zap}", "{}x", "x{", "}{"]
        for i in 0..<200 { keys.append("k:\(i):\(i * 7919)") }
        for key in keys {
            #expect(try node.cli("CLUSTER", "KEYSLOT", key) == String(HashSlot.of(Array(key.utf8))), "\(key)")
        }
        // The reference value from the Redis Cluster specification.
        #expect(HashSlot.crc16(Array("123456789".utf8)) == 0x31C3)
    }

    @Test func shardsAndSlotsAgreeAndCoverEverySlot() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        var config = ConnectionConfig(address: .tcp(host: "127.0.0.1", port: cluster.nodes[1].port))
        config.scope = .node
        let redis = try RedisConnection(config)
        let topology = try ClusterTopology.read(from: redis)
        #expect(topology.shards.count == 3 && topology.unassignedSlots == 0)
        #expect(Set(topology.shards.map(\.primary.port)) == Set(cluster.nodes.map(\.port)))
        let slots = try #require(ClusterTopology.parse(slots: try redis.command("CLUSTER", "SLOTS"), fallbackHost: "127.0.0.1"))
        #expect(slots.shards.map(\.primary.id) == topology.shards.map(\.primary.id))
        #expect(slots.shards.map(\.slots) == topology.shards.map(\.slots))
        // Each key's owner, by the map, is the node that accepts it.
        for i in 0..<30 {
            let key = "k:\(i)"
            let owner = try #require(topology.shard(forSlot: HashSlot.of(Array(key.utf8))))
            let node = try #require(cluster.nodes.first { $0.port == owner.primary.port })
            #expect(try node.cli("SET", key, "v") == "OK")
        }
    }
}
