import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// Prune across a cluster's shards: it removes exactly what it removes on one server holding
/// the same data, and its journal puts everything back on the right shards.
@Suite struct ClusterPruneTests {
    @Test func orphansAndOldEntitiesArePrunedAndUndoneAcrossShards() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        let single = try RedisServerProcess()
        let spec = SampleDataSpec(counts: SampleDataCounts(sessions: 150, embeddings: 150, queue: 50, cache: 40, nodes: 3, events: 20),
                                  days: 30, seed: 17, faults: SampleDataFaults([.orphanIndexMember: 9]))
        let generator = try SampleDataGenerator(spec)
        let deployment = try clusterDeployment(cluster)
        let client = ClusterClient(deployment)
        _ = try SampleDataLoader.load(generator, into: client)
        let standalone = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: single.port)))
        _ = try SampleDataLoader.load(generator, into: standalone)
        let before = try datasetDump(deployment)
        let dir = try scratchDirectory("cluster-prune")

        // Orphans: the dangling index members, wherever their index and missing entity hash.
        var orphans = PruneOptions()
        orphans.orphans = true
        let clusterPlan = try Pruner(cluster: client, options: orphans).plan()
        let singlePlan = try Pruner(connection: standalone, options: orphans).plan()
        #expect(clusterPlan.count == 9 && Set(clusterPlan.map(\.describe)) == Set(singlePlan.map(\.describe)))
        let journal = try PruneJournal(creating: dir + "/orphans.journal.zst")
        let removed = try Pruner(cluster: client, options: orphans).apply(clusterPlan, journal: journal)
        try journal.close()
        #expect(removed.membersRemoved == 9 && removed.keptBecauseChanged == 0)
        #expect(try LiveAudit(cluster: client).run().dangling.isEmpty)

        // Entities older than a week go with their index members (on other shards).
        var old = PruneOptions()
        old.olderThanSeconds = 7 * 86_400
        old.namespace = "session"
        let plan = try Pruner(cluster: client, options: old).plan()
        let reference = try Pruner(connection: standalone, options: old).plan()
        // The same keys and members (MEMORY USAGE differs a little: a cluster node keeps each key's slot).
        func steps(_ plan: [PruneAction]) -> Set<String> {
            Set(plan.map { $0.describe.replacingOccurrences(of: #"\(\d+ bytes\)"#, with: "", options: .regularExpression) })
        }
        #expect(!plan.isEmpty && steps(plan) == steps(reference), "\(steps(plan).symmetricDifference(steps(reference)).sorted().prefix(4))")
        // The index lives on one shard, the sessions on all three: members go from another shard.
        let indexShard = client.owner(ofKey: Array("sessions:recent".utf8))
        #expect(plan.contains { if case .key(let k, _, _, _, _) = $0 { return client.owner(ofKey: k) != indexShard } else { return false } })
        let members = plan.reduce(0) { if case .key(_, _, _, _, let index) = $1 { return $0 + index.count } else { return $0 } }
        let second = try PruneJournal(creating: dir + "/old.journal.zst")
        let gone = try Pruner(cluster: client, options: old).apply(plan, journal: second)
        try second.close()
        #expect(gone.keysRemoved == plan.count && gone.membersRemoved == members)
        let after = try datasetDump(deployment)
        #expect(after.count == before.count - gone.keysRemoved)

        // Undo, newest first: every key, member and TTL back on its own shard.
        _ = try PruneJournal.undo(path: dir + "/old.journal.zst", into: client)
        _ = try PruneJournal.undo(path: dir + "/orphans.journal.zst", into: client)
        let (same, why) = sameDataset(before, try datasetDump(deployment))
        #expect(same, "\(why)")
    }
}
