import Foundation
import MemopsTestSupport
import Testing

@testable import MemopsCore

/// `memops estimate` against real redis-server 7.0 processes loaded with sample data.
@Suite(.serialized) struct EstimateLiveTests {
    private func connect(_ server: RedisServerProcess) throws -> RedisConnection {
        try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
    }

    private func usedMemory(_ server: RedisServerProcess) throws -> Int64 {
        let info = try connect(server).info("memory")
        return Int64(info["used_memory"] ?? "") ?? -1
    }

    /// The live estimate of sample data is within ±10% of what loading it added to used_memory.
    @Test func liveEstimateMatchesUsedMemory() throws {
        let server = try RedisServerProcess()
        let before = try usedMemory(server)
        _ = try SampleDataLoader.load(SampleDataSpec(scenario: .month, scale: 0.1), into: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        let delta = try usedMemory(server) - before
        let m = try LiveEstimator(connection: try connect(server), samples: 200).run()
        let error = Double(m.estimatedBytes - delta) / Double(delta)
        print("live estimate \(m.estimatedBytes) B, used_memory grew \(delta) B, error \(String(format: "%+.2f%%", error * 100)); sizes \(m.sizes)")
        #expect(abs(error) <= 0.10)
        #expect(m.counts == EntityCounts(sessions: 50, embeddings: 5_000, queue: 20_000, cache: 200, nodes: 3))
        #expect(m.unaccountedKeys == 0)
        #expect(m.info["maxmemory_policy"] == "noeviction")
        #expect(m.policyMeaning?.hasPrefix("noeviction") == true)
    }

    /// The built-in calibrated sizes are what the same measurement gives today (±10%): if the
    /// sample data, the encodings or the server change, this fails and the constants must be redone.
    @Test func calibratedSizesMatchAMeasurement() throws {
        let server = try RedisServerProcess()
        // The calibration's shape, smaller: 100 embeddings per session, indexes past the listpack
        // limit (128) as at scale. Nodes are measured at once, before their 30 s heartbeats expire.
        let counts = SampleDataCounts(sessions: 150, embeddings: 15_000, queue: 5_000, cache: 1_000, nodes: 3)
        _ = try SampleDataLoader.load(SampleDataSpec(counts: counts, days: 30), into: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        let m = try LiveEstimator(connection: try connect(server), samples: 1_000).run()
        for e in EstimateEntity.allCases {
            let built = Double(EntitySizes.calibrated[e]), measured = Double(m.sizes[e])
            print("\(e): calibrated \(Int(built)) B, measured \(Int(measured)) B")
            #expect(abs(built - measured) / measured <= 0.10, "\(e): calibrated \(built) vs measured \(measured)")
        }
    }

    /// Rates from index scores of data with known timestamps, and the day maxmemory is reached.
    @Test func growthFromIndexScores() throws {
        let server = try RedisServerProcess()
        let now = Int64(Date().timeIntervalSince1970)
        // 70 sessions and 700 embeddings spread evenly over the 7 days ending now: 10 and 100 a day.
        let spec = SampleDataSpec(counts: SampleDataCounts(sessions: 70, embeddings: 700, nodes: 1), days: 7, now: now)
        _ = try SampleDataLoader.load(spec, into: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        let redis = try connect(server)
        let used = try usedMemory(server)
        try redis.command("CONFIG", "SET", "maxmemory", String(used + 50_000_000))
        let m = try LiveEstimator(connection: redis).run()
        // The server's TIME is read a moment after `now`: the oldest member may fall out of a window.
        #expect(abs((m.rates["embeddings"]?["7d"] ?? 0) - 100) <= 0.15)
        #expect(abs((m.rates["embeddings"]?["1d"] ?? 0) - 100) <= 2)
        #expect(abs((m.rates["embeddings"]?["30d"] ?? 0) - 700.0 / 30) < 0.001)
        #expect(abs((m.rates["sessions"]?["7d"] ?? 0) - 10) <= 0.15)
        var o = EstimateOptions()
        o.margins = .none
        let report = Estimator.report(measured: m, options: o)
        #expect(report.budget.maxmemory == used + 50_000_000)
        // Sessions are already at their steady state (10/day × 7 days), so only embeddings grow:
        // the headroom over 100 embeddings a day at the measured size.
        let expected = Double(report.budget.maxmemory - m.estimatedBytes) / (100 * Double(m.sizes.embeddings))
        let days = try #require(report.projection?.daysToMaxmemory)
        print("projected \(days) days, expected \(expected)")
        #expect(abs(days - expected) / expected < 0.02)
        #expect(expected > 50 && expected < 150)
    }

    /// The estimate from a backup of the same data is within ±5% of the live one (the stated
    /// accuracy, `BackupEstimator.accuracy`), with the same counts.
    @Test func backupEstimateMatchesLive() throws {
        let server = try RedisServerProcess()
        _ = try SampleDataLoader.load(SampleDataSpec(scenario: .month, scale: 0.1), into: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        let redis = try connect(server)
        let live = try LiveEstimator(connection: redis, samples: 1_000).run()
        // A real `memops backup` (BGSAVE, zstd-compressed .rdb.zst), read back through openRDB.
        let destination = server.directory.appendingPathComponent("backups").path
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        let made = try BackupEngine(
            connection: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)),
            request: BackupRequest(destination: destination)
        ).run()
        #expect(made.path.hasSuffix(".zst"))
        let backup = try BackupEstimator.measure(path: made.path)
        #expect(backup.counts == live.counts)
        let error = Double(backup.estimatedBytes - live.estimatedBytes) / Double(live.estimatedBytes)
        print("backup estimate \(backup.estimatedBytes) B, live \(live.estimatedBytes) B, error \(String(format: "%+.2f%%", error * 100))")
        for e in EstimateEntity.allCases {
            print("\(e): backup \(backup.sizes[e]) B, live \(live.sizes[e]) B")
        }
        #expect(abs(error) <= 0.05)
        for e in [EstimateEntity.sessions, .embeddings, .queue] {
            #expect(abs(Double(backup.sizes[e] - live.sizes[e])) / Double(live.sizes[e]) <= 0.10, "\(e)")
        }
        #expect(backup.rates["embeddings"]?["30d"] ?? 0 > 0)
    }
}
