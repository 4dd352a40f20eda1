import Foundation
import MemopsRDB

/// What a live server (or a backup) holds, measured per namespace.
public struct LiveMeasurement: Codable, Sendable {
    /// `live` or `backup`.
    public var source: String
    /// Entities: live session and embedding hashes (index size × the fraction of sampled
    /// members whose key exists), XLEN of the queue, cache keys, nodes.
    public var counts: EntityCounts
    /// Measured bytes per entity, in the calibrated model's terms (indexes, TTL and keyspace included).
    public var sizes: EntitySizes
    /// Keys per entity whose size was actually measured (sampled).
    public var sampled: EntityCounts
    /// Members of `sessions:recent` and `embeddings:recent` (they outlive expired sessions).
    public var indexMembers: [String: Int]
    /// Bytes of the keys outside the five entities: events:log, tool:stats, the model registry, nodes:active.
    public var otherBytes: Int64
    public var otherKeys: Int
    /// Keys of the database (DBSIZE) none of the namespaces accounts for.
    public var unaccountedKeys: Int
    /// The estimate of all data: entity bytes plus `otherBytes`.
    public var estimatedBytes: Int64
    /// MEMORY USAGE of learning:queue (SAMPLES 1000), shown beside the size used (live only).
    public var streamMemoryUsage: Int64?
    /// Growth per day from the index scores: `sessions`/`embeddings` over the last 1, 7 and 30
    /// days (ZCOUNT / days), and the queue over its stream IDs' span.
    public var rates: [String: [String: Double]]
    /// The rates the projection uses (the 7-day window).
    public var projectionRates: GrowthRates
    /// INFO memory and CONFIG fields: used_memory, used_memory_rss, mem_fragmentation_ratio,
    /// used_memory_peak, maxmemory, maxmemory_policy (live only).
    public var info: [String: String]
    /// What maxmemory-policy means for data without a TTL.
    public var policyMeaning: String?
    /// How accurate the sizes are expected to be.
    public var accuracy: String
    /// A Redis Cluster's shards as measured (nil for one server).
    public var shards: [ShardMeasurement]? = nil
}

/// One shard of a cluster as the estimate sees it.
public struct ShardMeasurement: Codable, Sendable, Equatable {
    public var address: String
    public var slots: Int
    /// DBSIZE.
    public var keys: Int
    public var usedMemory: Int64
    /// The shard's maxmemory (0: none).
    public var maxmemory: Int64
    /// The schema's single keys this shard holds (an index, the queue, the event log…), with
    /// MEMORY USAGE: each is one key on one shard and cannot be split across shards.
    public var singleKeys: [SingleKey]

    public struct SingleKey: Codable, Sendable, Equatable {
        public var key: String
        public var bytes: Int64
    }
}

/// Errors of `memops estimate`.
public enum EstimateError: MemopsError, Equatable {
    case badInput(String)
    case failed(String)

    public var exitStatus: ExitStatus {
        switch self {
        case .badInput: return .usage
        case .failed: return .failed
        }
    }

    public var description: String {
        switch self {
        case .badInput(let m): return m
        case .failed(let m): return m
        }
    }
}

/// Measures a running server with bounded, non-blocking commands: ZCARD/ZCOUNT on the indexes,
/// ZRANDMEMBER for samples, SCAN MATCH (never KEYS) where the schema has no index, and
/// MEMORY USAGE with a bounded SAMPLES (never SAMPLES 0) on at most `samples` keys per namespace.
public struct LiveEstimator {
    public let connection: RedisConnection
    /// The cluster, when the server is one: keys are read on their shard, SCAN and DBSIZE
    /// cover every primary, and each shard is measured too.
    public var cluster: ClusterClient?
    /// The schema's keys by role: what is measured as sessions, the queue, the cache, ….
    public let keys: SchemaKeys
    /// Keys sampled per namespace.
    public var samples: Int
    /// SCAN's COUNT hint.
    public var scanCount: Int

    /// SAMPLES for an entity key (a session or embedding hash, a cache string): the schema's
    /// hashes have 6 fields, so 16 measures them whole. The default of 5 samples five fields and
    /// scales by 6/5, which, with one field (the vector) far bigger than the rest, overstates
    /// the hash whenever the vector is among the five.
    static let entitySamples = 16
    /// SAMPLES for a structure key (an index, the queue): bounded, so a big key costs at most
    /// this many element or node visits, yet enough to see a stream's nodes as they are: the
    /// default 5 looks only at its first five listpack nodes and extrapolates from them.
    static let structureSamples = 1_000

    public init(connection: RedisConnection, schema: Schema = .seed, samples: Int = 200, scanCount: Int = 1_000) {
        self.connection = connection
        self.keys = SchemaKeys(schema)
        self.samples = max(1, samples)
        self.scanCount = scanCount
    }

    /// Measures every shard of a cluster; `connection` is any primary.
    public init(cluster: ClusterClient, schema: Schema = .seed, samples: Int = 200, scanCount: Int = 1_000) throws(RedisError) {
        self.init(connection: try cluster.connection(to: cluster.primaries[0]), schema: schema, samples: samples, scanCount: scanCount)
        self.cluster = cluster
    }

    private var keyspace: KeyspaceNodes { KeyspaceNodes(connection: connection, cluster: cluster) }

    /// The server that holds `key`.
    private func on(_ key: String) throws(RedisError) -> RedisConnection {
        try keyspace.holder(of: Array(key.utf8))
    }

    /// The mean MEMORY USAGE (plus keyspace overhead) and the number with a TTL, over `keys`.
    private func measure(_ keys: [[UInt8]]) throws(RedisError) -> (present: Int, bytes: Int64, withTTL: Int) {
        guard !keys.isEmpty else { return (0, 0, 0) }
        var commands: [[[UInt8]]] = []
        for key in keys {
            commands.append([Word.memory, Word.usage, key, Word.samples, Array(String(LiveEstimator.entitySamples).utf8)])
            commands.append([Word.pttl, key])
        }
        let replies = try keyspace.router.routed(commands, keys: keys.flatMap { [$0, $0] })
        var present = 0, bytes: Int64 = 0, withTTL = 0
        for i in stride(from: 0, to: replies.count, by: 2) {
            guard let usage = replies[i].integer else { continue }
            present += 1
            bytes += usage + Int64(KeyOverhead.keyspace)
            if let ttl = replies[i + 1].integer, ttl >= 0 {
                withTTL += 1
                bytes += Int64(KeyOverhead.ttl)
            }
        }
        return (present, bytes, withTTL)
    }

    /// Every key matching `pattern` (SCAN MATCH), counted, with a reservoir sample of at most `samples`.
    private func scanSample(_ pattern: String, excluding: Set<[UInt8]> = []) throws(RedisError) -> (count: Int, sample: [[UInt8]]) {
        var cursor: UInt64 = 0
        var count = 0
        var sample: [[UInt8]] = []
        var rng = SystemRandomNumberGenerator()
        for node in try keyspace.all() {
        cursor = 0
        repeat {
            let step = try node.scan(cursor: cursor, match: pattern, count: scanCount)
            cursor = step.cursor
            for key in step.keys where !excluding.contains(key) {
                count += 1
                if sample.count < samples {
                    sample.append(key)
                } else {
                    let j = Int.random(in: 0..<count, using: &rng)
                    if j < samples { sample[j] = key }
                }
            }
        } while cursor != 0
        }
        return (count, sample)
    }

    /// Every key of `role`'s pattern (its prefix and suffix), counted and sampled; none when the
    /// schema has no pattern of that role.
    private func scanSample(_ role: EntityRole, excluding: Set<[UInt8]> = []) throws(RedisError) -> (count: Int, sample: [[UInt8]]) {
        guard let pattern = keys[role] else { return (0, []) }
        return try scanSample(pattern.glob, excluding: excluding)
    }

    /// MEMORY USAGE of one key plus keyspace overhead, 0 when it does not exist or the schema
    /// has no pattern of that role.
    private func usage(_ role: EntityRole) throws(RedisError) -> Int64 {
        guard let key = keys[role]?.name,
            let n = try on(key).command("MEMORY", "USAGE", key, "SAMPLES", String(LiveEstimator.structureSamples)).integer
        else { return 0 }
        return n + Int64(KeyOverhead.keyspace)
    }

    /// An indexed entity: the index's ZCARD, a ZRANDMEMBER sample of its members' keys (the
    /// fraction that exists scales the count), the index itself and the per-owner indexes.
    private func indexed(index indexRole: EntityRole, entity: EntityRole, secondary: EntityRole)
        throws(RedisError) -> (count: Int, members: Int, perEntity: Int, sampled: Int, keysMeasured: Int)
    {
        guard let index = keys[indexRole]?.name, let entity = keys[entity] else { return (0, 0, 0, 0, 0) }
        let members = Int(try on(index).command("ZCARD", index).integer ?? 0)
        guard members > 0 else { return (0, 0, 0, 0, 0) }
        let picked = try on(index).command("ZRANDMEMBER", index, String(min(samples, members))).elements ?? []
        let keys = picked.compactMap(\.bytes).map { entity.key($0) }
        let m = try measure(keys)
        let alive = keys.isEmpty ? 0 : Int((Double(members) * Double(m.present) / Double(keys.count)).rounded())
        let perKey = m.present > 0 ? Double(m.bytes) / Double(m.present) : 0
        let indexBytes = try usage(indexRole)
        let owners = try scanSample(secondary)
        let ownerMeasured = try measure(owners.sample)
        let ownerBytes = ownerMeasured.present > 0 ? Double(ownerMeasured.bytes) / Double(ownerMeasured.present) * Double(owners.count) : 0
        let share = alive > 0 ? (Double(indexBytes) + ownerBytes) / Double(alive) : 0
        return (alive, members, Int((perKey + share).rounded()), m.present, 1 + owners.count)
    }

    /// Bytes per queue entry, from the oldest entries (XRANGE … COUNT n, bounded) laid into
    /// listpack nodes as XADD lays them (`StreamSizer`, shared with the backup estimate).
    /// MEMORY USAGE is not used for the size: for a stream it counts more than loading the
    /// entries adds to used_memory, while the node layout follows used_memory closely; it is
    /// reported beside.
    private func queueEntrySize(_ queue: String, count: Int) throws(RedisError) -> (size: Int, sampled: Int) {
        let n = min(count, max(samples, 1_000))
        let reply = try on(queue).command("XRANGE", queue, "-", "+", "COUNT", String(n))
        var sizer = StreamSizer()
        var entries = 0
        for entry in reply.elements ?? [] {
            guard let parts = entry.elements, parts.count == 2, let id = parts[0].string,
                let values = parts[1].elements?.compactMap(\.bytes)
            else { continue }
            let idParts = id.split(separator: "-")
            guard idParts.count == 2, let ms = UInt64(idParts[0]), let seq = UInt64(idParts[1]) else { continue }
            var fields: [(field: [UInt8], value: [UInt8])] = []
            for i in stride(from: 0, to: values.count - 1, by: 2) { fields.append((values[i], values[i + 1])) }
            sizer.add(id: StreamID(ms: ms, seq: seq), fields: fields)
            entries += 1
        }
        guard entries > 0 else { return (0, 0) }
        let keyShare = Double(KeyOverhead.keyspace + 16 + 96) / Double(count)
        return (Int((Double(sizer.total) / Double(entries) + keyShare).rounded()), entries)
    }

    /// Measures the server: counts, per-entity sizes, other keys, growth rates, INFO memory.
    public func run() throws(RedisError) -> LiveMeasurement {
        let time = try connection.command("TIME").elements?.first?.integer ?? Int64(Date().timeIntervalSince1970)
        var m = Entities()
        let (s, e) = try measureIndexed(&m)
        let streamUsage = try measureQueue(&m)
        try measureCache(&m)
        try measureNodes(&m)
        let other = try measureOthers()
        m.accounted += other.keys
        var dbsize = 0
        for node in try keyspace.all() { dbsize += Int(try node.command("DBSIZE").integer ?? 0) }

        var entityBytes: Int64 = 0
        for entity in EstimateEntity.allCases { entityBytes += Int64(m.counts[entity]) * Int64(m.sizes[entity]) }
        let (rates, projectionRates) = try growth(time: time, queueLength: m.counts.queue)
        var info = try memoryInfo()
        let shards = try measureShards(&info)

        var indexMembers: [String: Int] = [:]
        if let index = keys[.sessionIndex] { indexMembers[index.name] = s.members }
        if let index = keys[.embeddingIndex] { indexMembers[index.name] = e.members }
        return LiveMeasurement(
            source: "live", counts: m.counts, sizes: m.sizes, sampled: m.sampled,
            indexMembers: indexMembers,
            otherBytes: other.bytes, otherKeys: other.keys, unaccountedKeys: max(0, dbsize - m.accounted),
            estimatedBytes: entityBytes + other.bytes, streamMemoryUsage: streamUsage, rates: rates, projectionRates: projectionRates, info: info,
            policyMeaning: info["maxmemory_policy"].map(Self.policyMeaning),
            accuracy: "sizes are means of MEMORY USAGE over up to \(samples) keys per namespace (SAMPLES \(Self.entitySamples) per entity key, \(Self.structureSamples) per index or stream) plus measured keyspace and TTL overhead; expect the total within ±10% of used_memory's share for data", shards: shards)
    }

    /// What `run` has measured so far: counts, sizes, sampled keys, and keys accounted for.
    private struct Entities {
        var counts = EntityCounts()
        var sizes = EntitySizes(sessions: 0, embeddings: 0, queue: 0, cache: 0, nodes: 0)
        var sampled = EntityCounts()
        var accounted = 0
    }

    /// Sessions and embeddings, through their indexes.
    private func measureIndexed(_ m: inout Entities) throws(RedisError)
        -> (sessions: (count: Int, members: Int, perEntity: Int, sampled: Int, keysMeasured: Int),
            embeddings: (count: Int, members: Int, perEntity: Int, sampled: Int, keysMeasured: Int))
    {
        let s = try indexed(index: .sessionIndex, entity: .session, secondary: .userSessions)
        m.counts.sessions = s.count; m.sizes.sessions = s.perEntity; m.sampled.sessions = s.sampled
        m.accounted += s.count + s.keysMeasured
        let e = try indexed(index: .embeddingIndex, entity: .embedding, secondary: .sessionEmbeddings)
        m.counts.embeddings = e.count; m.sizes.embeddings = e.perEntity; m.sampled.embeddings = e.sampled
        m.accounted += e.count + e.keysMeasured
        return (s, e)
    }

    /// The queue: XLEN, the entry size from its oldest entries; returns its MEMORY USAGE.
    private func measureQueue(_ m: inout Entities) throws(RedisError) -> Int64? {
        guard let queue = keys[.queue]?.name else { return nil }
        m.counts.queue = Int(try on(queue).command("XLEN", queue).integer ?? 0)
        guard m.counts.queue > 0 else { return nil }
        let streamUsage = try usage(.queue)
        let q = try queueEntrySize(queue, count: m.counts.queue)
        m.sizes.queue = q.size
        m.sampled.queue = q.sampled
        m.accounted += 1
        return streamUsage
    }

    /// The tool cache: every key of its pattern but the stats hash, sampled.
    private func measureCache(_ m: inout Entities) throws(RedisError) {
        let stats: Set<[UInt8]> = Set([keys[.cacheStats]?.key].compactMap { $0 })
        let cache = try scanSample(.cache, excluding: stats)
        let cm = try measure(cache.sample)
        m.counts.cache = cache.count; m.sampled.cache = cm.present
        m.sizes.cache = cm.present > 0 ? Int(cm.bytes / Int64(cm.present)) : 0
        m.accounted += cache.count
    }

    /// Nodes (their heartbeats among their keys) and the node and model registries.
    private func measureNodes(_ m: inout Entities) throws(RedisError) {
        let nodeKeys = try scanSample(.node)
        let heartbeat = keys[.heartbeat]
        let nodes = nodeKeys.sample.filter { !(heartbeat?.contains($0) ?? false) }
        let nm = try measure(nodeKeys.sample)
        m.counts.nodes = nodeKeys.count == nodeKeys.sample.count ? nodes.count : Int(Double(nodeKeys.count) * Double(nodes.count) / Double(max(1, nodeKeys.sample.count)))
        let registryKeys = [try usage(.activeNodes), try usage(.activeModels)].filter { $0 > 0 }
        let registry = registryKeys.reduce(0, +)
        if m.counts.nodes > 0 {
            let nodeBytes = Double(nm.bytes) / Double(max(1, nm.present)) * Double(nodeKeys.count)
            m.sizes.nodes = Int(((nodeBytes + Double(registry)) / Double(m.counts.nodes)).rounded())
        }
        m.sampled.nodes = nodes.count
        m.accounted += nodeKeys.count + registryKeys.count
    }

    /// The rest of the schema: event log, tool stats and the models.
    private func measureOthers() throws(RedisError) -> (bytes: Int64, keys: Int) {
        var otherBytes: Int64 = 0
        var otherKeys = 0
        for role in [EntityRole.events, .cacheStats] {
            let b = try usage(role)
            if b > 0 { otherBytes += b; otherKeys += 1 }
        }
        let models = try scanSample(.model)
        let mm = try measure(models.sample)
        if mm.present > 0 { otherBytes += Int64(Double(mm.bytes) / Double(mm.present) * Double(models.count)) }
        otherKeys += models.count
        return (otherBytes, otherKeys)
    }

    /// Growth from index scores (unix seconds), ZCOUNT over windows ending at the server's
    /// TIME, and the queue's over the span of its stream IDs.
    private func growth(time: Int64, queueLength: Int) throws(RedisError) -> (rates: [String: [String: Double]], projection: GrowthRates) {
        var rates: [String: [String: Double]] = [:]
        for (name, role) in [("sessions", EntityRole.sessionIndex), ("embeddings", .embeddingIndex)] {
            var r: [String: Double] = [:]
            for days in [1, 7, 30] {
                let n = try keys[role].map { index throws(RedisError) in
                    try on(index.name).command("ZCOUNT", index.name, String(time - Int64(days) * 86_400), "+inf").integer ?? 0
                } ?? 0
                r["\(days)d"] = Double(n) / Double(days)
            }
            rates[name] = r
        }
        var queueRate = 0.0
        if queueLength > 1, let queue = keys[.queue]?.name {
            let first = try on(queue).command("XRANGE", queue, "-", "+", "COUNT", "1")
            let last = try on(queue).command("XREVRANGE", queue, "+", "-", "COUNT", "1")
            func ms(_ reply: RedisReply) -> Double? {
                guard let id = reply.elements?.first?.elements?.first?.string, let part = id.split(separator: "-").first else { return nil }
                return Double(part)
            }
            if let a = ms(first), let b = ms(last), b > a {
                queueRate = Double(queueLength - 1) / ((b - a) / 86_400_000)
            }
            rates["queue"] = ["span": queueRate]
        }
        return (rates, GrowthRates(sessions: rates["sessions"]?["7d"] ?? 0, embeddings: rates["embeddings"]?["7d"] ?? 0, queue: queueRate, cache: 0))
    }

    /// Each shard of a cluster: slots, DBSIZE, used_memory, maxmemory and the schema's single
    /// keys it holds; `info`'s used_memory and maxmemory become the cluster's sums. Nil for one
    /// server.
    private func measureShards(_ info: inout [String: String]) throws(RedisError) -> [ShardMeasurement]? {
        guard let cluster else { return nil }
        let single: [EntityRole] = [.sessionIndex, .embeddingIndex, .queue, .events, .cacheStats, .activeNodes, .activeModels]
        var byNode: [String: [ShardMeasurement.SingleKey]] = [:]
        for role in single {
            guard let name = keys[role]?.name else { continue }
            let bytes = try usage(role)
            if bytes > 0 { byNode[cluster.owner(ofKey: Array(name.utf8)), default: []].append(.init(key: name, bytes: bytes)) }
        }
        var shards: [ShardMeasurement] = []
        for shard in cluster.topology.shards {
            let node = try cluster.connection(to: shard.primary.address)
            let memory = try node.info("memory")
            let maxmemory = Int64(try node.configGet("maxmemory") ?? "0") ?? 0
            shards.append(ShardMeasurement(
                address: shard.primary.address, slots: shard.slots.reduce(0) { $0 + $1.count },
                keys: Int(try node.command("DBSIZE").integer ?? 0), usedMemory: Int64(memory["used_memory"] ?? "0") ?? 0,
                maxmemory: maxmemory, singleKeys: (byNode[shard.primary.address] ?? []).sorted { $0.bytes > $1.bytes }))
        }
        info["used_memory"] = String(shards.reduce(0) { $0 + $1.usedMemory })
        // The cluster's budget is every shard's, when every shard has one.
        info["maxmemory"] = shards.allSatisfy({ $0.maxmemory > 0 }) ? String(shards.reduce(0) { $0 + $1.maxmemory }) : "0"
        for field in ["used_memory_rss", "used_memory_peak", "used_memory_dataset", "mem_fragmentation_ratio"] { info[field] = nil }
        return shards
    }

    /// INFO memory's fields and the maxmemory settings CONFIG GET reports.
    private func memoryInfo() throws(RedisError) -> [String: String] {
        let memory = try connection.info("memory")
        var info: [String: String] = [:]
        for field in ["used_memory", "used_memory_rss", "mem_fragmentation_ratio", "used_memory_peak", "maxmemory", "maxmemory_policy", "used_memory_dataset"] {
            if let v = memory[field] { info[field] = v }
        }
        if let mm = try connection.configGet("maxmemory") { info["maxmemory"] = mm }
        if let policy = try connection.configGet("maxmemory-policy") { info["maxmemory_policy"] = policy }
        return info
    }

    /// What a maxmemory-policy does to data that has no TTL (embeddings, the queue, the indexes).
    public static func policyMeaning(_ policy: String) -> String {
        switch policy {
        case "noeviction":
            return "noeviction: nothing is evicted; at maxmemory every write fails with OOM, including queue XADDs and session updates"
        case "allkeys-lru", "allkeys-lfu", "allkeys-random":
            return "\(policy): any key may be evicted at maxmemory, including embeddings, indexes and the queue that have no TTL: silent loss of memory data"
        case "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl":
            return "\(policy): only keys with a TTL (sessions, cache, heartbeats) are evicted; embeddings, indexes and the queue never are, and once only they remain writes fail with OOM"
        default:
            return "\(policy): unknown policy"
        }
    }
}

