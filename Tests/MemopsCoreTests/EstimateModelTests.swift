import Foundation
import Testing

@testable import MemopsCore

/// The offline model: the schema's table, units, retention, margins and the projection.
@Suite struct EstimateModelTests {
    /// The schema's table with its own sizes, to the byte (1 KB = 1,000 B).
    @Test(arguments: [
        (SampleDataScenario.week, Int64(140_100_000)),
        (.month, 600_500_000),
        (.year, 6_005_000_000),
    ])
    func schemaTableToTheByte(scenario: SampleDataScenario, expected: Int64) {
        var o = EstimateOptions()
        o.scenario = scenario
        let report = Estimator.model(o)
        let schema = report.models.first { $0.model == "schema" }!
        #expect(schema.total == expected)
        #expect(report.schemaTableTotal == Estimator.schemaTableTotal(scenario))
        let c = scenario.counts
        #expect(schema.lines.map(\.bytes) == [Int64(c.sessions) * 1_000, Int64(c.embeddings) * 4_000, Int64(c.queue) * 2_000, 0, 0])
        // The calibrated model prices the same counts higher, with indexes and TTLs.
        let calibrated = report.models.first { $0.model == "calibrated" }!
        #expect(calibrated.lines.map(\.count) == schema.lines.map(\.count))
        #expect(calibrated.total > schema.total)
    }

    /// "8 GB maxmemory allows ~1M embeddings + queue": the year row leaves room for ~0.5M more.
    @Test func schemaRoomForAMillionEmbeddings() {
        var o = EstimateOptions()
        o.scenario = .year
        o.maxmemory = MemoryUnits.parse("8g")!
        o.margins = .none
        let schema = Estimator.model(o).models[0]
        #expect(schema.headroom == 1_995_000_000)
        #expect(schema.moreEmbeddings == 498_750)
    }

    @Test(arguments: [
        ("8gb", Int64(8_589_934_592)), ("8g", 8_000_000_000), ("8GB", 8_589_934_592), ("500mb", 524_288_000),
        ("500m", 500_000_000), ("4k", 4_000), ("4kb", 4_096), ("1720", 1_720), ("12b", 12),
    ])
    func redisMemoryUnits(text: String, bytes: Int64) {
        #expect(MemoryUnits.parse(text) == bytes)
    }

    @Test(arguments: ["", "gb", "8 tb", "-1", "1.5gb", "8gib"])
    func badMemoryUnits(text: String) {
        #expect(MemoryUnits.parse(text) == nil)
    }

    /// Retention: the year row's 2M queue entries become 100K and its 5K sessions ~96; the
    /// week row is consistent with its own retention.
    @Test func steadyStateFlagsTheSchemasContradictions() {
        var o = EstimateOptions()
        o.scenario = .year
        let year = Estimator.model(o)
        #expect(year.steadyCounts?.queue == 100_000)
        #expect(year.steadyCounts?.sessions == 96)
        #expect(year.steadyCounts?.embeddings == 500_000)
        #expect(year.notes.filter { $0.kind == "contradiction" }.count == 2)
        #expect(year.notes.contains { $0.message.contains("2000000 learning:queue entries") })
        o.scenario = .week
        let week = Estimator.model(o)
        #expect(week.steadyCounts == week.counts)
        #expect(!week.notes.contains { $0.kind == "contradiction" })
    }

    /// With explicit counts and rates, sessions settle at rate × TTL whatever the count now.
    @Test func steadySessionsFollowTheRate() throws {
        var o = EstimateOptions()
        o.counts = PartialCounts(sessions: 5_000, embeddings: 1_000)
        o.rates = PartialRates(sessions: 10)
        let r = Estimator.model(o)
        #expect(r.steadyCounts?.sessions == 70)
        #expect(r.steadyCounts?.embeddings == 1_000)
        let p = try #require(r.projection)
        #expect(p.points.last?.counts.sessions == 70)
    }

    @Test func marginsComeOutOfTheBudget() {
        let b = BudgetBreakdown(maxmemory: 8_000_000_000, margins: SafetyMargins(copyOnWrite: 0.25, fragmentation: 0.1, buffers: 300_000_000))
        #expect(b.copyOnWrite == 2_000_000_000)
        #expect(b.fragmentation == 800_000_000)
        #expect(b.margins == 3_100_000_000)
        #expect(b.dataBudget == 4_900_000_000)
    }

    /// 1,000 embeddings a day at 4,000 B fill 1 GB in exactly 250 days.
    @Test func projectionFindsTheDay() {
        var o = EstimateOptions()
        o.counts = PartialCounts(embeddings: 0)
        o.calibratedSizes.embeddings = 4_000
        o.maxmemory = 1_000_000_000
        o.margins = .none
        o.rates = PartialRates(embeddings: 1_000)
        o.now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
        let p = Estimator.model(o).projection!
        #expect(p.daysToMaxmemory == 250)
        #expect(p.maxmemoryDate == "2026-09-08")
        #expect(p.points.first?.bytes == 0)
        #expect(p.points.last!.bytes >= 1_000_000_000)
        let svg = EstimatePlot.svg(p, budget: BudgetBreakdown(maxmemory: o.maxmemory, margins: .none), title: "t")
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.hasSuffix("</svg>\n"))
    }

    /// Sessions and the queue are bounded by retention as they grow; embeddings are not.
    @Test func retentionBoundsGrowth() {
        let c0 = EntityCounts(sessions: 0, embeddings: 10, queue: 99_000, cache: 0)
        let c = Estimator.counts(after: 30, from: c0, rates: GrowthRates(sessions: 100, embeddings: 10, queue: 1_000, cache: 2_400), retention: DataRetention())
        #expect(c.sessions == 700)
        #expect(c.queue == 100_000)
        #expect(c.cache == 100)
        #expect(c.embeddings == 310)
    }

    /// jemalloc's size classes, which the backup estimate rebuilds allocations with.
    @Test(arguments: [(1, 8), (9, 16), (100, 112), (128, 128), (129, 160), (3_078, 3_584), (4_096, 4_096), (4_097, 5_120), (40_000, 40_960)])
    func jemallocSizeClasses(request: Int, size: Int) {
        #expect(BackupEstimator.jemalloc(request) == size)
    }
}
