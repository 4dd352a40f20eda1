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
    /// Keys sampled per namespace.
    public var samples: Int
    /// SCAN's COUNT hint.
    public var scanCount: Int

    /// SAMPLES for an entity key (a session or embedding hash, a cache string): the schema's
    /// hashes have 6 fields, so 16 measures them whole. The default of 5 samples five fields and
    /// scales by 6/5: with the 3,072-byte vector among them it overstates an embedding by ~15%
    /// (5,340 B against 4,544 B measured whole on Redis 7.0.15).
    static let entitySamples = 16
    /// SAMPLES for a structure key (an index, the queue): bounded, so a big key costs at most
    /// this many element or node visits. The default 5 looks only at the stream's first five
    /// listpack nodes: 43.5 MB for a 20,000-entry learning:queue that measures 50.5 MB whole
    /// (SAMPLES 0); SAMPLES 1000 gives 50.6 MB.
    static let structureSamples = 1_000

    public init(connection: RedisConnection, samples: Int = 200, scanCount: Int = 1_000) {
        self.connection = connection
        self.samples = max(1, samples)
        self.scanCount = scanCount
    }

    /// The mean MEMORY USAGE (plus keyspace overhead) and the number with a TTL, over `keys`.
    private func measure(_ keys: [[UInt8]]) throws(RedisError) -> (present: Int, bytes: Int64, withTTL: Int) {
        guard !keys.isEmpty else { return (0, 0, 0) }
        var commands: [[[UInt8]]] = []
        for key in keys {
            commands.append([Array("MEMORY".utf8), Array("USAGE".utf8), key, Array("SAMPLES".utf8), Array(String(LiveEstimator.entitySamples).utf8)])
            commands.append([Array("PTTL".utf8), key])
        }
        let replies = try connection.pipeline(commands)
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
    private func scanSample(_ pattern: String, excluding: Set<[UInt8]> = [], where keep: ([UInt8]) -> Bool = { _ in true })
        throws(RedisError) -> (count: Int, sample: [[UInt8]])
    {
        var cursor: UInt64 = 0
        var count = 0
        var sample: [[UInt8]] = []
        var rng = SystemRandomNumberGenerator()
        repeat {
            let step = try connection.scan(cursor: cursor, match: pattern, count: scanCount)
            cursor = step.cursor
            for key in step.keys where !excluding.contains(key) && keep(key) {
                count += 1
                if sample.count < samples {
                    sample.append(key)
                } else {
                    let j = Int.random(in: 0..<count, using: &rng)
                    if j < samples { sample[j] = key }
                }
            }
        } while cursor != 0
        return (count, sample)
    }

    /// MEMORY USAGE of one key plus keyspace overhead, 0 when it does not exist.
    private func usage(_ key: String) throws(RedisError) -> Int64 {
        guard let n = try connection.command("MEMORY", "USAGE", key, "SAMPLES", String(LiveEstimator.structureSamples)).integer else { return 0 }
        return n + Int64(KeyOverhead.keyspace)
    }

    /// An indexed entity: the index's ZCARD, a ZRANDMEMBER sample of its members' keys (the
    /// fraction that exists scales the count), the index itself and the per-owner indexes.
    private func indexed(index: String, prefix: String, secondary: String)
        throws(RedisError) -> (count: Int, members: Int, perEntity: Int, sampled: Int, keysMeasured: Int)
    {
        let members = Int(try connection.command("ZCARD", index).integer ?? 0)
        guard members > 0 else { return (0, 0, 0, 0, 0) }
        let picked = try connection.command("ZRANDMEMBER", index, String(min(samples, members))).elements ?? []
        let keys = picked.compactMap(\.bytes).map { Array(prefix.utf8) + $0 }
        let m = try measure(keys)
        let alive = keys.isEmpty ? 0 : Int((Double(members) * Double(m.present) / Double(keys.count)).rounded())
        let perKey = m.present > 0 ? Double(m.bytes) / Double(m.present) : 0
        let indexBytes = try usage(index)
        let owners = try scanSample(secondary)
        let ownerMeasured = try measure(owners.sample)
        let ownerBytes = ownerMeasured.present > 0 ? Double(ownerMeasured.bytes) / Double(ownerMeasured.present) * Double(owners.count) : 0
        let share = alive > 0 ? (Double(indexBytes) + ownerBytes) / Double(alive) : 0
        return (alive, members, Int((perKey + share).rounded()), m.present, 1 + owners.count)
    }

    /// Bytes per queue entry, from the oldest entries (XRANGE … COUNT n, bounded) laid into
    /// listpack nodes as XADD lays them (`StreamSizer`, shared with the backup estimate).
    /// MEMORY USAGE is not used for the size: on Redis 7.0.15 it reported 50.0 MB (SAMPLES 0)
    /// for a 20,000-entry sample-data queue whose load raised used_memory by 44.1 MB (+13%);
    /// the layout gives 2,188 B an entry against 2,207 B from used_memory. It is reported beside.
    private func queueEntrySize(count: Int) throws(RedisError) -> (size: Int, sampled: Int) {
        let n = min(count, max(samples, 1_000))
        let reply = try connection.command("XRANGE", "learning:queue", "-", "+", "COUNT", String(n))
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
        var counts = EntityCounts()
        var sizes = EntitySizes(sessions: 0, embeddings: 0, queue: 0, cache: 0, nodes: 0)
        var sampled = EntityCounts()
        var accounted = 0

        let s = try indexed(index: "sessions:recent", prefix: "session:", secondary: "user:*:sessions")
        counts.sessions = s.count; sizes.sessions = s.perEntity; sampled.sessions = s.sampled
        accounted += s.count + s.keysMeasured
        let e = try indexed(index: "embeddings:recent", prefix: "embedding:", secondary: "embeddings:session:*")
        counts.embeddings = e.count; sizes.embeddings = e.perEntity; sampled.embeddings = e.sampled
        accounted += e.count + e.keysMeasured

        counts.queue = Int(try connection.command("XLEN", "learning:queue").integer ?? 0)
        var streamUsage: Int64?
        if counts.queue > 0 {
            streamUsage = try usage("learning:queue")
            let q = try queueEntrySize(count: counts.queue)
            sizes.queue = q.size
            sampled.queue = q.sampled
            accounted += 1
        }

        let stats: Set<[UInt8]> = [Array("tool:stats".utf8)]
        let cache = try scanSample("tool:*", excluding: stats)
        let cm = try measure(cache.sample)
        counts.cache = cache.count; sampled.cache = cm.present
        sizes.cache = cm.present > 0 ? Int(cm.bytes / Int64(cm.present)) : 0
        accounted += cache.count

        let heartbeat = Array(":heartbeat".utf8)
        let nodeKeys = try scanSample("node:*")
        let nodes = nodeKeys.sample.filter { !$0.ends(with: heartbeat) }
        let nm = try measure(nodeKeys.sample)
        counts.nodes = nodeKeys.count == nodeKeys.sample.count ? nodes.count : Int(Double(nodeKeys.count) * Double(nodes.count) / Double(max(1, nodeKeys.sample.count)))
        let registryKeys = [try usage("nodes:active"), try usage("models:active")].filter { $0 > 0 }
        let registry = registryKeys.reduce(0, +)
        if counts.nodes > 0 {
            let nodeBytes = Double(nm.bytes) / Double(max(1, nm.present)) * Double(nodeKeys.count)
            sizes.nodes = Int(((nodeBytes + Double(registry)) / Double(counts.nodes)).rounded())
        }
        sampled.nodes = nodes.count
        accounted += nodeKeys.count + registryKeys.count

        // The rest of the schema: event log, tool stats and the model registry.
        var otherBytes: Int64 = 0
        var otherKeys = 0
        for key in ["events:log", "tool:stats"] {
            let b = try usage(key)
            if b > 0 { otherBytes += b; otherKeys += 1 }
        }
        let models = try scanSample("model:*")
        let mm = try measure(models.sample)
        if mm.present > 0 { otherBytes += Int64(Double(mm.bytes) / Double(mm.present) * Double(models.count)) }
        otherKeys += models.count
        accounted += otherKeys
        let dbsize = Int(try connection.command("DBSIZE").integer ?? 0)

        var entityBytes: Int64 = 0
        for entity in EstimateEntity.allCases { entityBytes += Int64(counts[entity]) * Int64(sizes[entity]) }

        // Growth from index scores (unix seconds), ZCOUNT over windows ending at the server's TIME.
        var rates: [String: [String: Double]] = [:]
        for (name, index) in [("sessions", "sessions:recent"), ("embeddings", "embeddings:recent")] {
            var r: [String: Double] = [:]
            for days in [1, 7, 30] {
                let n = try connection.command("ZCOUNT", index, String(time - Int64(days) * 86_400), "+inf").integer ?? 0
                r["\(days)d"] = Double(n) / Double(days)
            }
            rates[name] = r
        }
        var queueRate = 0.0
        if counts.queue > 1 {
            let first = try connection.command("XRANGE", "learning:queue", "-", "+", "COUNT", "1")
            let last = try connection.command("XREVRANGE", "learning:queue", "+", "-", "COUNT", "1")
            func ms(_ reply: RedisReply) -> Double? {
                guard let id = reply.elements?.first?.elements?.first?.string, let part = id.split(separator: "-").first else { return nil }
                return Double(part)
            }
            if let a = ms(first), let b = ms(last), b > a {
                queueRate = Double(counts.queue - 1) / ((b - a) / 86_400_000)
            }
            rates["queue"] = ["span": queueRate]
        }
        let projectionRates = GrowthRates(
            sessions: rates["sessions"]?["7d"] ?? 0, embeddings: rates["embeddings"]?["7d"] ?? 0, queue: queueRate, cache: 0)

        let memory = try connection.info("memory")
        var info: [String: String] = [:]
        for field in ["used_memory", "used_memory_rss", "mem_fragmentation_ratio", "used_memory_peak", "maxmemory", "maxmemory_policy", "used_memory_dataset"] {
            if let v = memory[field] { info[field] = v }
        }
        if let mm = try connection.configGet("maxmemory") { info["maxmemory"] = mm }
        if let policy = try connection.configGet("maxmemory-policy") { info["maxmemory_policy"] = policy }

        return LiveMeasurement(
            source: "live", counts: counts, sizes: sizes, sampled: sampled,
            indexMembers: ["sessions:recent": s.members, "embeddings:recent": e.members],
            otherBytes: otherBytes, otherKeys: otherKeys, unaccountedKeys: max(0, dbsize - accounted),
            estimatedBytes: entityBytes + otherBytes, streamMemoryUsage: streamUsage, rates: rates, projectionRates: projectionRates, info: info,
            policyMeaning: info["maxmemory_policy"].map(Self.policyMeaning),
            accuracy: "sizes are means of MEMORY USAGE over up to \(samples) keys per namespace (SAMPLES \(Self.entitySamples) per entity key, \(Self.structureSamples) per index or stream) plus measured keyspace and TTL overhead; expect the total within ±10% of used_memory's share for data")
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

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
