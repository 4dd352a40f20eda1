import Foundation

/// Everything `memops estimate` needs for the offline model; no argument-parser here.
public struct EstimateOptions: Sendable {
    /// A row of the schema's table; its counts are the base that explicit counts override.
    public var scenario: SampleDataScenario?
    /// Counts given explicitly (each overrides the scenario's).
    public var counts: PartialCounts = PartialCounts()
    /// The schema's per-entity sizes (for the schema model).
    public var schemaSizes: EntitySizes = .schema
    /// Calibrated sizes, with any overrides applied.
    public var calibratedSizes: EntitySizes = .calibrated
    /// maxmemory in bytes; the schema's "8 GB", as `maxmemory 8gb` (8 GiB) in redis.conf.
    public var maxmemory: Int64 = 8 << 30
    public var margins: SafetyMargins = SafetyMargins()
    public var retention: DataRetention = DataRetention()
    /// Growth rates given explicitly; the others come from the scenario (its counts over its
    /// period) or the measurement (index scores).
    public var rates: PartialRates = PartialRates()
    /// How far the projection looks, in days.
    public var horizonDays: Int = 3_650
    /// The projection's day 0.
    public var now: Date = Date()
    /// The schema whose keys a server or backup is measured by (roles, not names).
    public var schema: Schema = .seed

    public init() {}
}

/// Counts of which some may be unset.
public struct PartialCounts: Sendable, Equatable {
    public var sessions: Int?
    public var embeddings: Int?
    public var queue: Int?
    public var cache: Int?
    public var nodes: Int?

    public init(sessions: Int? = nil, embeddings: Int? = nil, queue: Int? = nil, cache: Int? = nil, nodes: Int? = nil) {
        self.sessions = sessions
        self.embeddings = embeddings
        self.queue = queue
        self.cache = cache
        self.nodes = nodes
    }

    /// Whether any count is set.
    public var any: Bool { [sessions, embeddings, queue, cache, nodes].contains { $0 != nil } }

    /// `base` with every set count put over it.
    public func applied(to base: EntityCounts) -> EntityCounts {
        var c = base
        if let sessions { c.sessions = sessions }
        if let embeddings { c.embeddings = embeddings }
        if let queue { c.queue = queue }
        if let cache { c.cache = cache }
        if let nodes { c.nodes = nodes }
        return c
    }
}

/// Growth rates of which some may be unset.
public struct PartialRates: Sendable, Equatable {
    public var sessions: Double?
    public var embeddings: Double?
    public var queue: Double?
    public var cache: Double?

    public init(sessions: Double? = nil, embeddings: Double? = nil, queue: Double? = nil, cache: Double? = nil) {
        self.sessions = sessions
        self.embeddings = embeddings
        self.queue = queue
        self.cache = cache
    }

    /// `base` with every set rate put over it.
    public func applied(to base: GrowthRates) -> GrowthRates {
        GrowthRates(sessions: sessions ?? base.sessions, embeddings: embeddings ?? base.embeddings,
                    queue: queue ?? base.queue, cache: cache ?? base.cache)
    }
}

/// One day of a growth projection.
public struct GrowthPoint: Codable, Sendable, Equatable {
    public var day: Double
    public var counts: EntityCounts
    public var bytes: Int64
}

/// Where the totals go at the given rates, priced with one model's sizes.
public struct GrowthProjection: Codable, Sendable, Equatable {
    public var model: String
    public var rates: GrowthRates
    /// Days from `start` until the total reaches the data budget (maxmemory minus margins);
    /// nil when it does not within the horizon. 0 when already over.
    public var daysToDataBudget: Double?
    /// Days until the total reaches maxmemory itself.
    public var daysToMaxmemory: Double?
    /// The date the data budget is reached (ISO 8601), when it is.
    public var dataBudgetDate: String?
    public var maxmemoryDate: String?
    public var horizonDays: Int
    /// Samples for charts, from day 0 to the horizon shown.
    public var points: [GrowthPoint]
}

/// The whole answer of `memops estimate`, for tables and `--json`.
public struct EstimateReport: Codable, Sendable {
    /// Where the counts came from: `scenario:week`, `explicit`, `live`, `backup`.
    public var source: String
    public var counts: EntityCounts
    public var budget: BudgetBreakdown
    public var margins: SafetyMargins
    /// The counts priced with the schema's sizes, calibrated sizes, and (live, backup) measured ones.
    public var models: [ModelEstimate]
    /// The schema's own total for the scenario, as its table writes it ("~150 MB").
    public var schemaTableTotal: String?
    /// The counts once retention has acted (sessions by TTL, queue by MAXLEN, cache by TTL).
    public var steadyCounts: EntityCounts?
    public var steadyModels: [ModelEstimate]?
    public var projection: GrowthProjection?
    public var notes: [EstimateNote]
    public var live: LiveMeasurement?
    /// A Redis Cluster's shards: balance, the keys that cannot be split, and how many shards
    /// the projection needs.
    public var cluster: ClusterEstimate? = nil
}

/// A Redis Cluster's side of the estimate.
public struct ClusterEstimate: Codable, Sendable, Equatable {
    public struct Shard: Codable, Sendable, Equatable {
        public var address: String
        public var slots: Int
        public var keys: Int
        public var usedMemory: Int64
        public var maxmemory: Int64
        /// used_memory against the shard's own maxmemory (nil without one).
        public var percentOfMaxmemory: Double?
        /// The schema's single keys on the shard, biggest first.
        public var singleKeys: [ShardMeasurement.SingleKey]
    }

    public var shards: [Shard]
    /// The busiest shard's keys over the mean (1.0 is even).
    public var keyImbalance: Double
    /// The busiest shard's used_memory over the mean.
    public var memoryImbalance: Double
    /// The biggest key that cannot be split: whatever the number of shards, the shard holding
    /// it holds at least this much.
    public var largestSingleKey: ShardMeasurement.SingleKey?
    public var largestSingleKeyShard: String?
    /// One shard's maxmemory, and its data budget (maxmemory less the margins).
    public var shardMaxmemory: Int64
    public var shardDataBudget: Int64
    /// Shards of `shardMaxmemory` the data needs now and at points of the projection: the
    /// largest single key and an even share of the rest must fit in one shard's data budget.
    public var shardsNeeded: [ShardsNeeded]

    public struct ShardsNeeded: Codable, Sendable, Equatable {
        public var day: Int
        public var bytes: Int64
        /// nil when no number of shards is enough (the largest single key alone is over one
        /// shard's data budget).
        public var shards: Int?
    }

    /// The fewest shards of `budget` bytes each for `total` bytes whose largest single key is
    /// `single` bytes: (total − single) / n + single ≤ budget.
    public static func shards(for total: Int64, single: Int64, budget: Int64) -> Int? {
        guard single < budget else { return nil }
        let rest = max(0, total - single)
        return max(1, Int((Double(rest) / Double(budget - single)).rounded(.up)))
    }
}

/// The offline capacity model: counts × sizes against a budget, retention, growth.
public enum Estimator {
    /// The schema table's total for a scenario, as written there.
    public static func schemaTableTotal(_ scenario: SampleDataScenario) -> String {
        switch scenario {
        case .week: return "~150 MB"
        case .month: return "~600 MB"
        case .year: return "~6 GB"
        }
    }

    /// Runs the offline model: the scenario's (or explicit) counts under the schema's and the
    /// calibrated sizes, the steady state retention leads to, and the growth projection.
    public static func model(_ o: EstimateOptions) -> EstimateReport {
        let base = o.scenario.map(EntityCounts.schemaTable) ?? EntityCounts()
        let counts = o.counts.applied(to: base)
        let budget = BudgetBreakdown(maxmemory: o.maxmemory, margins: o.margins)
        var notes: [EstimateNote] = []
        let periodDays = o.scenario?.days
        let derived = periodDays.map { d in
            GrowthRates(sessions: Double(counts.sessions) / d, embeddings: Double(counts.embeddings) / d,
                        queue: Double(counts.queue) / d, cache: 0)
        } ?? GrowthRates()
        let rates = o.rates.applied(to: derived)
        let steady = steadyState(counts, rates: rates, retention: o.retention, periodDays: periodDays, notes: &notes)
        let source = o.scenario.map { "scenario:\($0.rawValue)" } ?? "explicit"
        var report = EstimateReport(
            source: source, counts: counts, budget: budget, margins: o.margins,
            models: [
                ModelEstimate(model: "schema", counts: counts, sizes: o.schemaSizes, budget: budget),
                ModelEstimate(model: "calibrated", counts: counts, sizes: o.calibratedSizes, budget: budget),
            ],
            schemaTableTotal: o.scenario.map(schemaTableTotal), steadyCounts: steady, steadyModels: nil,
            projection: nil, notes: notes, live: nil)
        report.steadyModels = [
            ModelEstimate(model: "schema", counts: steady, sizes: o.schemaSizes, budget: budget),
            ModelEstimate(model: "calibrated", counts: steady, sizes: o.calibratedSizes, budget: budget),
        ]
        if rates.any {
            // From the steady state: counts beyond retention (the year row's 2M queue entries)
            // cannot be in memory at once, so day 0 is what retention leaves.
            report.projection = project(
                from: steady, rates: rates, sizes: o.calibratedSizes, model: "calibrated", budget: budget,
                retention: o.retention, horizonDays: o.horizonDays, now: o.now)
        }
        if let scenario = o.scenario, !o.counts.any, o.schemaSizes == .schema {
            report.notes.insert(EstimateNote(kind: "info", message:
                "the schema's sizes give \(MemoryUnits.grouped(report.models[0].total)) B for its \(scenario.rawValue) row (1 KB = 1,000 B), which its table writes \(schemaTableTotal(scenario)); the node and cache columns are not in its table"), at: 0)
        }
        report.notes += budgetNotes(report)
        return report
    }

    /// The counts retention leaves once it has acted, and notes where the counts exceed it.
    /// With a period (a scenario), sessions created faster than their TTL expires them are
    /// bounded by rate × TTL; the queue is bounded by its MAXLEN; the cache by rate × TTL.
    static func steadyState(
        _ counts: EntityCounts, rates: GrowthRates, retention: DataRetention, periodDays: Double?,
        notes: inout [EstimateNote]
    ) -> EntityCounts {
        var s = counts
        if rates.sessions > 0 {
            let bound = Int((rates.sessions * retention.sessionTTLDays).rounded())
            if let periodDays, periodDays > retention.sessionTTLDays, counts.sessions > bound {
                s.sessions = bound
                notes.append(EstimateNote(kind: "contradiction", message:
                    "\(counts.sessions) sessions over \(Int(periodDays)) days at a \(Int(retention.sessionTTLDays))-day TTL: only ~\(bound) are alive at once (\(String(format: "%.1f", rates.sessions))/day × \(Int(retention.sessionTTLDays)) days); the schema's table counts expired sessions"))
            } else if periodDays == nil {
                // Without a period the rate is the whole story: TTL × rate sessions stay alive.
                s.sessions = bound
            }
        }
        if counts.queue > retention.queueMaxLength {
            s.queue = retention.queueMaxLength
            notes.append(EstimateNote(kind: "contradiction", message:
                "\(counts.queue) \(retention.queueName) entries, but the producers run XTRIM MAXLEN ~ \(retention.queueMaxLength): the stream holds ~\(retention.queueMaxLength) (approximate trimming keeps up to one listpack node more); the schema's table contradicts its own retention"))
        }
        if rates.cache > 0 {
            s.cache = Int((rates.cache * retention.cacheTTLHours / 24).rounded())
        }
        return s
    }

    /// Counts after `days` at `rates`, starting from `c0`: sessions and cache entries present
    /// at day 0 expire evenly over their TTL while new ones accumulate up to rate × TTL; the
    /// queue grows to its MAXLEN (and is trimmed to it by the first XADD); embeddings have no
    /// TTL and only grow; nodes stay.
    public static func counts(after days: Double, from c0: EntityCounts, rates: GrowthRates, retention: DataRetention) -> EntityCounts {
        func expiring(_ n0: Int, _ rate: Double, ttlDays: Double) -> Int {
            guard ttlDays > 0 else { return n0 }
            if rate <= 0 { return n0 }
            let kept = Double(n0) * max(0, 1 - days / ttlDays)
            return Int((kept + rate * min(days, ttlDays)).rounded())
        }
        var c = c0
        c.sessions = expiring(c0.sessions, rates.sessions, ttlDays: retention.sessionTTLDays)
        c.cache = expiring(c0.cache, rates.cache, ttlDays: retention.cacheTTLHours / 24)
        c.embeddings = c0.embeddings + Int((rates.embeddings * days).rounded(.down))
        if rates.queue > 0 && days > 0 {
            c.queue = min(c0.queue + Int((rates.queue * days).rounded(.down)), retention.queueMaxLength)
        }
        return c
    }

    /// Total bytes of `counts` at `sizes`.
    public static func bytes(_ counts: EntityCounts, _ sizes: EntitySizes, other: Int64 = 0) -> Int64 {
        EstimateEntity.allCases.reduce(other) { $0 + Int64(counts[$1]) * Int64(sizes[$1]) }
    }

    /// Projects the total day by day, finds the first day it reaches the data budget and
    /// maxmemory (to a hundredth of a day, by bisection inside the crossing day), and samples
    /// points for charts up to a little past the later crossing (or the horizon).
    public static func project(
        from c0: EntityCounts, rates: GrowthRates, sizes: EntitySizes, model: String, budget: BudgetBreakdown,
        retention: DataRetention, horizonDays: Int, now: Date, otherBytes: Int64 = 0
    ) -> GrowthProjection {
        func total(_ d: Double) -> Int64 { bytes(counts(after: d, from: c0, rates: rates, retention: retention), sizes, other: otherBytes) }
        func crossing(_ limit: Int64) -> Double? {
            if total(0) >= limit { return 0 }
            var previous = 0.0
            for day in 1...max(1, horizonDays) {
                let d = Double(day)
                if total(d) >= limit {
                    var lo = previous, hi = d
                    for _ in 0..<30 {
                        let mid = (lo + hi) / 2
                        if total(mid) >= limit { hi = mid } else { lo = mid }
                    }
                    return (hi * 100).rounded(.up) / 100
                }
                previous = d
            }
            return nil
        }
        let toData = crossing(budget.dataBudget)
        let toMax = crossing(budget.maxmemory)
        let shown = min(Double(horizonDays), max(30, ((toMax ?? toData ?? Double(horizonDays)) * 1.25).rounded(.up)))
        let steps = 48
        let points = (0...steps).map { i -> GrowthPoint in
            let d = shown * Double(i) / Double(steps)
            let c = counts(after: d, from: c0, rates: rates, retention: retention)
            return GrowthPoint(day: d, counts: c, bytes: bytes(c, sizes, other: otherBytes))
        }
        func date(_ days: Double?) -> String? {
            days.map { UTCTime.day(now.addingTimeInterval($0 * 86_400)) }
        }
        return GrowthProjection(
            model: model, rates: rates, daysToDataBudget: toData, daysToMaxmemory: toMax,
            dataBudgetDate: date(toData), maxmemoryDate: date(toMax), horizonDays: horizonDays, points: points)
    }

    /// Notes on the budget: a model over the data budget or over maxmemory.
    static func budgetNotes(_ r: EstimateReport) -> [EstimateNote] {
        var notes: [EstimateNote] = []
        for m in r.models where m.total > r.budget.dataBudget {
            let over = m.total > r.budget.maxmemory ? "maxmemory itself" : "the data budget (maxmemory minus margins)"
            notes.append(EstimateNote(kind: "budget", message: "with \(m.model) sizes the data (\(MemoryUnits.decimal(m.total))) exceeds \(over)"))
        }
        return notes
    }
}

extension Estimator {
    /// The report for a measured server or backup: its counts priced with the schema's,
    /// calibrated and measured sizes; maxmemory from the server (`CONFIG GET maxmemory`) unless
    /// it is 0 (unlimited), then `options.maxmemory`; growth at the measured rates unless
    /// `options.rates` is given.
    public static func report(measured m: LiveMeasurement, options o: EstimateOptions) -> EstimateReport {
        let counts = o.counts.applied(to: m.counts)
        var maxmemory = o.maxmemory
        var notes: [EstimateNote] = []
        if let text = m.info["maxmemory"], let configured = Int64(text) {
            if configured > 0 {
                maxmemory = configured
            } else {
                notes.append(EstimateNote(kind: "policy", message: "the server has no maxmemory (0): projecting against the budget \(MemoryUnits.binary(o.maxmemory)); an unbounded Redis grows until the kernel's OOM killer stops it"))
            }
        }
        let budget = BudgetBreakdown(maxmemory: maxmemory, margins: o.margins)
        var measuredSizes = m.sizes
        for e in EstimateEntity.allCases where measuredSizes[e] == 0 { measuredSizes[e] = o.calibratedSizes[e] }
        let rates = o.rates.applied(to: m.projectionRates)
        var report = EstimateReport(
            source: m.source, counts: counts, budget: budget, margins: o.margins,
            models: [
                ModelEstimate(model: "schema", counts: counts, sizes: o.schemaSizes, budget: budget),
                ModelEstimate(model: "calibrated", counts: counts, sizes: o.calibratedSizes, budget: budget),
                ModelEstimate(model: "measured", counts: counts, sizes: measuredSizes, budget: budget, otherBytes: m.otherBytes),
            ],
            schemaTableTotal: nil, steadyCounts: nil, steadyModels: nil, projection: nil, notes: notes, live: m)
        let steady = steadyState(counts, rates: rates, retention: o.retention, periodDays: nil, notes: &report.notes)
        if steady != counts {
            report.steadyCounts = steady
            report.steadyModels = [ModelEstimate(model: "measured", counts: steady, sizes: measuredSizes, budget: budget, otherBytes: m.otherBytes)]
        }
        if let policy = m.policyMeaning { report.notes.append(EstimateNote(kind: "policy", message: policy)) }
        if m.unaccountedKeys > 0 {
            report.notes.append(EstimateNote(kind: "info", message: "\(m.unaccountedKeys) keys match none of the schema's namespaces and are not in the estimate"))
        }
        if rates.any {
            report.projection = project(
                from: counts, rates: rates, sizes: measuredSizes, model: "measured", budget: budget,
                retention: o.retention, horizonDays: o.horizonDays, now: o.now, otherBytes: m.otherBytes)
        }
        report.notes += budgetNotes(report)
        if let shards = m.shards { report.cluster = clusterEstimate(shards, report: report, options: o) }
        return report
    }

    /// The cluster's balance, its largest unsplittable key, and the shards the growth needs.
    static func clusterEstimate(_ measured: [ShardMeasurement], report: EstimateReport, options o: EstimateOptions) -> ClusterEstimate {
        let shards = measured.map { m in
            ClusterEstimate.Shard(address: m.address, slots: m.slots, keys: m.keys, usedMemory: m.usedMemory, maxmemory: m.maxmemory,
                                  percentOfMaxmemory: m.maxmemory > 0 ? Double(m.usedMemory) / Double(m.maxmemory) * 100 : nil,
                                  singleKeys: m.singleKeys)
        }
        func imbalance(_ values: [Double]) -> Double {
            let mean = values.reduce(0, +) / Double(max(1, values.count))
            return mean > 0 ? (values.max() ?? 0) / mean : 1
        }
        var largest: (ShardMeasurement.SingleKey, String)?
        for m in measured { for k in m.singleKeys where k.bytes > largest?.0.bytes ?? -1 { largest = (k, m.address) } }
        let shardMaxmemory = measured.map(\.maxmemory).filter { $0 > 0 }.min() ?? o.maxmemory
        let budget = BudgetBreakdown(maxmemory: shardMaxmemory, margins: o.margins).dataBudget
        let single = largest?.0.bytes ?? 0
        let total = report.models.first { $0.model == "measured" }?.total ?? 0
        var needed = [ClusterEstimate.ShardsNeeded(day: 0, bytes: total, shards: ClusterEstimate.shards(for: total, single: single, budget: budget))]
        if let p = report.projection {
            for day in [30, 90, 180, 365, 730] where day <= p.horizonDays {
                guard let point = p.points.min(by: { abs($0.day - Double(day)) < abs($1.day - Double(day)) }) else { continue }
                needed.append(.init(day: day, bytes: point.bytes, shards: ClusterEstimate.shards(for: point.bytes, single: single, budget: budget)))
            }
        }
        return ClusterEstimate(
            shards: shards, keyImbalance: imbalance(measured.map { Double($0.keys) }),
            memoryImbalance: imbalance(measured.map { Double($0.usedMemory) }),
            largestSingleKey: largest?.0, largestSingleKeyShard: largest?.1,
            shardMaxmemory: shardMaxmemory, shardDataBudget: budget, shardsNeeded: needed)
    }
}
