import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// The estimate across a cluster's shards: the same counts as one server holding the same
/// data, every shard measured, the single keys placed where they live, and the shards the
/// growth needs.
@Suite struct ClusterEstimateTests {
    @Test func aClusterIsMeasuredWholeAndPerShard() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        let single = try RedisServerProcess()
        let generator = try clusterSample(seed: 21)
        let deployment = try clusterDeployment(cluster)
        let client = ClusterClient(deployment)
        _ = try SampleDataLoader.load(generator, into: client)
        let standalone = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: single.port)))
        _ = try SampleDataLoader.load(generator, into: standalone)

        let whole = try LiveEstimator(cluster: client, samples: 1_000).run()
        let one = try LiveEstimator(connection: standalone, samples: 1_000).run()
        #expect(whole.counts == one.counts, "cluster \(whole.counts) vs one server \(one.counts)")
        #expect(whole.unaccountedKeys == one.unaccountedKeys && whole.otherKeys == one.otherKeys)
        let shards = try #require(whole.shards)
        #expect(shards.count == 3 && shards.reduce(0) { $0 + $1.keys } == generator.totalKeys)
        #expect(shards.reduce(0) { $0 + $1.slots } == HashSlot.count)
        // Each single key is reported on the shard that holds its slot, once.
        let singles = shards.flatMap { s in s.singleKeys.map { (s.address, $0.key) } }
        #expect(singles.count == Set(singles.map(\.1)).count && singles.contains { $0.1 == "learning:queue" })
        for (address, key) in singles { #expect(address == client.owner(ofKey: Array(key.utf8)), "\(key)") }

        var options = EstimateOptions()
        options.rates = PartialRates(sessions: 1_000, embeddings: 5_000, queue: 20_000, cache: nil)
        let report = Estimator.report(measured: whole, options: options)
        let c = try #require(report.cluster)
        #expect(c.shards.count == 3 && c.keyImbalance >= 1 && c.largestSingleKey != nil)
        #expect(c.shardsNeeded.first?.day == 0 && c.shardsNeeded.count > 1)
        #expect(zip(c.shardsNeeded, c.shardsNeeded.dropFirst()).allSatisfy { ($0.shards ?? .max) <= ($1.shards ?? .max) })
    }

    @Test func shardsNeededKeepTheLargestKeyWhole() {
        // 10 GB with a 1 GB stream, 3 GB per shard: (10 - 1) / (3 - 1) = 4.5 → 5 shards.
        #expect(ClusterEstimate.shards(for: 10_000, single: 1_000, budget: 3_000) == 5)
        #expect(ClusterEstimate.shards(for: 100, single: 10, budget: 3_000) == 1)
        // A key over one shard's budget cannot be helped by more shards.
        #expect(ClusterEstimate.shards(for: 10_000, single: 3_000, budget: 3_000) == nil)
    }
}
