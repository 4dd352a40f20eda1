import Foundation
import MemopsRDB

/// The schema's sizing scenarios ("Memory Estimation → Total at Scale"), with memops' own
/// choice for the entities the schema's table leaves out (tool cache, nodes, event log).
public enum SampleDataScenario: String, CaseIterable, Sendable {
    case week, month, year

    /// The period the scenario's timestamps spread over, ending "now".
    public var days: Double {
        switch self {
        case .week: return 7
        case .month: return 30
        case .year: return 365
        }
    }

    /// Sessions, embeddings and queue entries are the schema's table; cache entries, nodes and
    /// events are memops' choice (the cache is bounded by its TTLs, so it barely grows).
    public var counts: SampleDataCounts {
        switch self {
        case .week:
            return SampleDataCounts(sessions: 100, embeddings: 10_000, queue: 50_000, cache: 1_000, nodes: 2, events: 500)
        case .month:
            return SampleDataCounts(sessions: 500, embeddings: 50_000, queue: 200_000, cache: 2_000, nodes: 3, events: 2_000)
        case .year:
            return SampleDataCounts(sessions: 5_000, embeddings: 500_000, queue: 2_000_000, cache: 5_000, nodes: 4, events: 20_000)
        }
    }
}

/// How many of each entity to generate.
public struct SampleDataCounts: Sendable, Equatable {
    /// `session:{id}` hashes (each indexed in `sessions:recent` and `user:{name}:sessions`).
    public var sessions: Int
    /// `embedding:{sha256}` hashes (each indexed in `embeddings:recent` and `embeddings:session:{id}`).
    public var embeddings: Int
    /// Entries in the `learning:queue` stream.
    public var queue: Int
    /// `tool:{tool}:{input_hash}` cache strings.
    public var cache: Int
    /// Cluster nodes: `node:{name}`, its heartbeat, its active model and that model's hashes.
    public var nodes: Int
    /// Entries in the `events:log` stream.
    public var events: Int

    public init(sessions: Int = 0, embeddings: Int = 0, queue: Int = 0, cache: Int = 0, nodes: Int = 0, events: Int = 0) {
        self.sessions = sessions
        self.embeddings = embeddings
        self.queue = queue
        self.cache = cache
        self.nodes = nodes
        self.events = events
    }

    /// Every count but `nodes` multiplied by `fraction` and rounded; a count that was not zero
    /// stays at least 1. Nodes are the cluster's size, not its history, so they do not scale.
    public func scaled(by fraction: Double) -> SampleDataCounts {
        func scale(_ n: Int) -> Int { n == 0 ? 0 : max(1, Int((Double(n) * fraction).rounded())) }
        return SampleDataCounts(
            sessions: scale(sessions), embeddings: scale(embeddings), queue: scale(queue),
            cache: scale(cache), nodes: nodes, events: scale(events))
    }
}

/// A kind of schema violation the generator can inject, for audit and prune tests.
public enum SampleDataFaultKind: String, CaseIterable, Sendable, Codable {
    /// A session hash written without its EXPIRE (TTL -1).
    case sessionWithoutTTL = "session-without-ttl"
    /// An index member (`sessions:recent` or `embeddings:recent`) whose entity key does not exist.
    case orphanIndexMember = "orphan-index-member"
    /// An entity key of the wrong type: a session or an embedding written as a STRING.
    case wrongType = "wrong-type"
    /// An extra key with a bad name: wrong case, an empty segment, trailing whitespace, a control byte.
    case badName = "bad-name"
    /// An embedding whose vector is not 3,072 bytes.
    case badVectorSize = "bad-vector-size"
    /// A tool-cache string written without a TTL.
    case cacheWithoutTTL = "cache-without-ttl"
    /// A node listed in `nodes:active` whose heartbeat key is missing (it stopped beating).
    case staleHeartbeat = "stale-heartbeat"
}

/// How many faults of each kind to inject. All zero (`.none`) means clean, schema-true data.
public struct SampleDataFaults: Sendable, Equatable {
    private var counts: [SampleDataFaultKind: Int] = [:]

    /// No faults.
    public static let none = SampleDataFaults()

    public init(_ counts: [SampleDataFaultKind: Int] = [:]) {
        self.counts = counts.filter { $0.value > 0 }
    }

    /// The number of faults of `kind` to inject.
    public subscript(kind: SampleDataFaultKind) -> Int {
        get { counts[kind] ?? 0 }
        set { counts[kind] = newValue > 0 ? newValue : nil }
    }

    /// The total number of faults asked for.
    public var total: Int { counts.values.reduce(0, +) }
}

/// One injected fault: which key (and, for an index, which member) breaks the schema, and how.
public struct SampleDataFault: Sendable, Hashable, CustomStringConvertible {
    public let kind: SampleDataFaultKind
    /// The key that is wrong (for `staleHeartbeat`, the heartbeat key that is missing; for
    /// `orphanIndexMember`, the index key). Binary: bad names may hold control bytes.
    public let key: [UInt8]
    /// For `orphanIndexMember`: the member whose entity does not exist.
    public let member: [UInt8]?

    public init(kind: SampleDataFaultKind, key: [UInt8], member: [UInt8]? = nil) {
        self.kind = kind
        self.key = key
        self.member = member
    }

    /// `kind key [member]`, escaped by `KeyText.escaped`.
    public var description: String {
        var text = "\(kind.rawValue) \(KeyText.escaped(key))"
        if let member { text += " \(KeyText.escaped(member))" }
        return text
    }
}

/// Everything that decides a sample dataset. The same spec always gives the same commands.
public struct SampleDataSpec: Sendable, Equatable {
    public var counts: SampleDataCounts
    /// Length of the period the timestamps spread over, ending at `now`.
    public var periodSeconds: Int64
    /// "Now" as unix seconds: the end of the period. Fix it to get byte-identical output.
    public var now: Int64
    /// Seed for every random choice.
    public var seed: UInt64
    /// Keep only the newest this many queue entries, as `XTRIM MAXLEN` would leave
    /// them; nil keeps every entry asked for. The schema's producers trim at ~100,000.
    public var queueMaxLength: Int?
    /// Faults to inject; `.none` for clean data.
    public var faults: SampleDataFaults
    /// The schema whose keys are written, found by role (`EntityRole`); the seed by default.
    public var schema: Schema = .seed

    /// The schema's producers cap `learning:queue` at about this many entries (`XTRIM MAXLEN ~`).
    public static let schemaQueueMaxLength = 100_000

    public init(
        counts: SampleDataCounts, days: Double = 7, now: Int64 = Int64(Date().timeIntervalSince1970),
        seed: UInt64 = 1, queueMaxLength: Int? = nil, faults: SampleDataFaults = .none
    ) {
        self.counts = counts
        self.periodSeconds = max(1, Int64((days * 86_400).rounded()))
        self.now = now
        self.seed = seed
        self.queueMaxLength = queueMaxLength
        self.faults = faults
    }

    /// A scenario from the schema's table, scaled by `scale` (e.g. `.year` at 0.01).
    public init(
        scenario: SampleDataScenario, scale: Double = 1, now: Int64 = Int64(Date().timeIntervalSince1970),
        seed: UInt64 = 1, queueMaxLength: Int? = nil, faults: SampleDataFaults = .none
    ) {
        self.init(
            counts: scenario.counts.scaled(by: scale), days: scenario.days, now: now, seed: seed,
            queueMaxLength: queueMaxLength, faults: faults)
    }
}

