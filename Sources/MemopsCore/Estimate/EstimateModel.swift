import Foundation

/// The entities of the schema that capacity planning counts.
public enum EstimateEntity: String, CaseIterable, Codable, Sendable {
    case sessions, embeddings, queue, cache, nodes
}

/// One number per entity: how many there are (`EntityCounts`) or the bytes each takes
/// (`EntitySizes`). The unit is a type parameter so that counts are never passed as sizes.
public struct PerEntity<Unit: EntityUnit>: Codable, Sendable, Equatable {
    public var sessions: Int
    public var embeddings: Int
    public var queue: Int
    public var cache: Int
    public var nodes: Int

    public init(sessions: Int = 0, embeddings: Int = 0, queue: Int = 0, cache: Int = 0, nodes: Int = 0) {
        self.sessions = sessions
        self.embeddings = embeddings
        self.queue = queue
        self.cache = cache
        self.nodes = nodes
    }

    public subscript(entity: EstimateEntity) -> Int {
        get {
            switch entity {
            case .sessions: return sessions
            case .embeddings: return embeddings
            case .queue: return queue
            case .cache: return cache
            case .nodes: return nodes
            }
        }
        set {
            switch entity {
            case .sessions: sessions = newValue
            case .embeddings: embeddings = newValue
            case .queue: queue = newValue
            case .cache: cache = newValue
            case .nodes: nodes = newValue
            }
        }
    }
}

/// What a `PerEntity`'s numbers mean.
public protocol EntityUnit: Sendable {}
/// Entities.
public enum EntityCount: EntityUnit {}
/// Bytes of memory per entity.
public enum EntityBytes: EntityUnit {}

/// How many of each entity there are (or will be).
public typealias EntityCounts = PerEntity<EntityCount>

/// Bytes of memory per entity. For the calibrated and measured models a session or an
/// embedding includes its share of both indexes, and a key with a TTL its expires entry.
public typealias EntitySizes = PerEntity<EntityBytes>

extension PerEntity where Unit == EntityCount {
    /// The counts of the schema's "Total at Scale" table: sessions, embeddings and queue entries
    /// only (the table has no cache or node column).
    public static func schemaTable(_ scenario: SampleDataScenario) -> EntityCounts {
        let c = scenario.counts
        return EntityCounts(sessions: c.sessions, embeddings: c.embeddings, queue: c.queue)
    }
}

extension PerEntity where Unit == EntityBytes {
    /// The schema's "Per Entity" sizes, in decimal units (1 KB = 1,000 B). Only that reading
    /// reproduces the schema's totals: 1 month = 500 × 1 KB + 50K × 4 KB + 200K × 2 KB =
    /// 600,500,000 B ("~600 MB") and 1 year = 6,005,000,000 B ("~6 GB"); with 1 KB = 1,024 B
    /// they would be 586 MiB and 5.6 GiB. The week row is 140,100,000 B, which the schema rounds
    /// up to "~150 MB". The cache is "variable (typically < 10 KB)": memops takes the 10 KB bound.
    public static let schema = EntitySizes(sessions: 1_000, embeddings: 4_000, queue: 2_000, cache: 10_000, nodes: 500)

    /// Sizes measured on Redis 7.0.15 (jemalloc 5.3.0, default encodings) with memops' sample
    /// data: `memops sample-data --scenario month --queue 20000 -p P --flush` (500 sessions, 50K
    /// embeddings, 20K queue entries, 2K cache entries, 3 nodes) into an empty server, heartbeats
    /// re-sent (`--heartbeats-only`), then `memops estimate -p P --samples 2000` (`LiveEstimator`:
    /// MEMORY USAGE … SAMPLES 16 on each sampled entity key, SAMPLES 1000 on the indexes).
    /// Result: session 1,978 B, embedding 4,809–4,815 B, cache entry 2,457 B, node 503 B; the
    /// total came within −1.5% of the rise in used_memory (290.1 MB against 294.6 MB).
    /// The queue entry is the rise in used_memory over entries: `--queue 20000 --days 30` alone
    /// raised it by 44,142,432 B, 2,207 B an entry (the live estimator's listpack layout of the
    /// oldest 1,000 entries gives 2,154–2,178 B; MEMORY USAGE would say 2,507 B).
    /// `EstimateLiveTests.calibratedSizesMatchAMeasurement` re-measures a smaller shape.
    ///
    /// Each size is the key's MEMORY USAGE plus `KeyOverhead.keyspace` and, for a key with a
    /// TTL, `KeyOverhead.ttl`. A session includes its share of `sessions:recent` (a skiplist at
    /// this scale, ~120 B a member) and `user:{u}:sessions`; an embedding its share of
    /// `embeddings:recent` (~168 B a member) and `embeddings:session:{id}` (a listpack, ~83 B a
    /// member). Why above the schema: the session's ~1 KB context passes hash-max-listpack-value
    /// 64, so the hash is a hashtable; the 3,072-byte vector sits in a 3,584-byte jemalloc class;
    /// stream entries carry ~2.1 KB of values plus listpack and rax overhead in nodes capped at
    /// 4 KB. A node is its hash, its heartbeat (with TTL) and its share of nodes:active and
    /// models:active.
    public static let calibrated = EntitySizes(sessions: 1_978, embeddings: 4_812, queue: 2_207, cache: 2_457, nodes: 503)
}

/// Bytes the allocator and keyspace add per key beyond what MEMORY USAGE reports, and per TTL.
public enum KeyOverhead {
    /// Per key, beyond MEMORY USAGE: the main dict entry is counted as 24 B but lives in a
    /// 32-byte jemalloc class, and its bucket pointer (8 B × table size / keys) is not counted.
    /// Measured: 100,000 `SET k:%08d v%08d` raised used_memory by 90 B/key; MEMORY USAGE says 72.
    public static let keyspace = 18
    /// Per key with a TTL: its entry in the expires dict (32 B) and bucket share. Measured:
    /// EXPIRE on those 100,000 keys raised used_memory by 4,274,008 B, 42.7 B/key.
    public static let ttl = 42
}

/// Memory an operator must keep free beside the data, reserved inside the budget.
public struct SafetyMargins: Codable, Sendable, Equatable {
    /// Fraction of the budget for copy-on-write while a forked BGSAVE or AOF rewrite runs:
    /// every page written during the fork is copied once. 0.2 suits a write rate that touches a
    /// fifth of the data during one save; a write-heavy server needs up to 1.0.
    public var copyOnWrite: Double
    /// Fraction for allocator fragmentation: RSS above used_memory (mem_fragmentation_ratio 1.1).
    public var fragmentation: Double
    /// Bytes for replication and client output buffers and the replication backlog: the
    /// default replica hard limit (256 MB), a 1 MB backlog and ~63 MB of client buffers.
    public var buffers: Int64

    public init(copyOnWrite: Double = 0.2, fragmentation: Double = 0.1, buffers: Int64 = 320_000_000) {
        self.copyOnWrite = copyOnWrite
        self.fragmentation = fragmentation
        self.buffers = buffers
    }

    /// No margins: the whole budget is for data.
    public static let none = SafetyMargins(copyOnWrite: 0, fragmentation: 0, buffers: 0)
}

/// The budget split into margins and what is left for data.
public struct BudgetBreakdown: Codable, Sendable, Equatable {
    /// maxmemory in bytes.
    public var maxmemory: Int64
    public var copyOnWrite: Int64
    public var fragmentation: Int64
    public var buffers: Int64
    /// The three margins together.
    public var margins: Int64
    /// maxmemory minus the margins, never below 0.
    public var dataBudget: Int64

    public init(maxmemory: Int64, margins m: SafetyMargins) {
        self.maxmemory = maxmemory
        copyOnWrite = Int64((Double(maxmemory) * m.copyOnWrite).rounded())
        fragmentation = Int64((Double(maxmemory) * m.fragmentation).rounded())
        buffers = m.buffers
        margins = copyOnWrite + fragmentation + buffers
        dataBudget = max(0, maxmemory - margins)
    }
}

/// The retention policies of the schema that bound what stays in memory.
public struct DataRetention: Codable, Sendable, Equatable {
    /// `EXPIRE session:{id} 604800`.
    public var sessionTTLDays: Double = 7
    /// `XTRIM learning:queue MAXLEN ~ 100000`.
    public var queueMaxLength: Int = SampleDataSpec.schemaQueueMaxLength
    /// The cache's default TTL (1 h); read-only ops keep 2 h, writes 5 min, inference 24 h.
    public var cacheTTLHours: Double = 1
    /// The queue's key, for notes (`learning:queue` in the seed).
    public var queueName = Schema.seed.pattern(role: .queue)?.pattern ?? "queue"

    public init() {}

    /// The seed's retention with what `schema` says instead where it says it: the session
    /// pattern's TTL bound, the queue's name and trim length.
    public init(schema: Schema) {
        if let ttl = schema.pattern(role: .session)?.ttl.maxSeconds { sessionTTLDays = Double(ttl) / 86_400 }
        if let queue = schema.pattern(role: .queue) {
            queueName = queue.pattern
            if let max = queue.stream?.maxLength { queueMaxLength = max }
        }
    }
}

/// Entities created per day.
public struct GrowthRates: Codable, Sendable, Equatable {
    public var sessions: Double
    public var embeddings: Double
    public var queue: Double
    public var cache: Double

    public init(sessions: Double = 0, embeddings: Double = 0, queue: Double = 0, cache: Double = 0) {
        self.sessions = sessions
        self.embeddings = embeddings
        self.queue = queue
        self.cache = cache
    }

    /// Whether any rate is above zero.
    public var any: Bool { sessions > 0 || embeddings > 0 || queue > 0 || cache > 0 }
}

/// One entity's line: count × size = bytes.
public struct EstimateLine: Codable, Sendable, Equatable {
    public var entity: EstimateEntity
    public var count: Int
    public var bytesPerEntity: Int
    public var bytes: Int64
}

/// Counts priced with one set of sizes, against the budget.
public struct ModelEstimate: Codable, Sendable, Equatable {
    /// `schema`, `calibrated` or `measured`.
    public var model: String
    public var sizes: EntitySizes
    public var lines: [EstimateLine]
    /// Bytes of all lines (plus `otherBytes`).
    public var total: Int64
    /// Memory outside the five entities (event log, model registry, stats), when known.
    public var otherBytes: Int64
    /// `total` as a percentage of maxmemory.
    public var percentOfMaxmemory: Double
    /// `total` as a percentage of the data budget (maxmemory minus margins).
    public var percentOfDataBudget: Double
    /// Data budget minus total: negative when over.
    public var headroom: Int64
    /// How many more embeddings fit in the headroom at this model's embedding size.
    public var moreEmbeddings: Int

    /// Prices `counts` with `sizes` against `budget`.
    public init(model: String, counts: EntityCounts, sizes: EntitySizes, budget: BudgetBreakdown, otherBytes: Int64 = 0) {
        self.model = model
        self.sizes = sizes
        self.otherBytes = otherBytes
        lines = EstimateEntity.allCases.map { e in
            EstimateLine(entity: e, count: counts[e], bytesPerEntity: sizes[e], bytes: Int64(counts[e]) * Int64(sizes[e]))
        }
        total = lines.reduce(otherBytes) { $0 + $1.bytes }
        percentOfMaxmemory = budget.maxmemory > 0 ? Double(total) * 100 / Double(budget.maxmemory) : 0
        percentOfDataBudget = budget.dataBudget > 0 ? Double(total) * 100 / Double(budget.dataBudget) : 0
        headroom = budget.dataBudget - total
        moreEmbeddings = headroom > 0 && sizes.embeddings > 0 ? Int(headroom / Int64(sizes.embeddings)) : 0
    }
}

/// A note for the operator: where the schema contradicts itself, or an assumption was made.
public struct EstimateNote: Codable, Sendable, Equatable {
    /// `contradiction`, `retention`, `policy` or `info`.
    public var kind: String
    public var message: String

    public init(kind: String, message: String) {
        self.kind = kind
        self.message = message
    }
}
