import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// The fault campaign's prune case: a key planned for removal (or a TTL fix) because of its
/// TTL, then given a TTL by a client before prune acts, is kept and counted; the same key left
/// alone is acted on (so the test fails if the re-check lets everything through, or nothing).
@Suite struct PruneRecheckTests {
    enum Shape: String, CaseIterable { case plain, indexed, fixTTL }

    private func run(_ shape: Shape, touch: Bool) throws -> (PruneResult, exists: Bool, ttl: Int) {
        let server = try RedisServerProcess()
        let redis = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        try redis.command("HSET", "session:abc", "timestamp", "x", "context", "c", "current_task", "t")
        if shape == .indexed { try redis.command("ZADD", "sessions:recent", "1700000000", "abc") }
        var options = PruneOptions()
        options.expiredPolicy = true
        options.fixTTL = shape == .fixTTL
        let pruner = Pruner(connection: redis, options: options)
        let plan = try pruner.plan()
        #expect(plan.count == 1, "\(plan.map(\.describe))")
        if touch {
            // Within the 7-day policy: the reason the key was planned for is gone.
            try redis.command("EXPIREAT", "session:abc", String(Int(Date().timeIntervalSince1970) + 3_600))
        }
        let result = try pruner.apply(plan, journal: nil)
        let exists = try redis.command("EXISTS", "session:abc").integer == 1
        let ttl = Int(try redis.command("TTL", "session:abc").integer ?? -3)
        return (result, exists, ttl)
    }

    @Test(arguments: Shape.allCases)
    func aKeyGivenATTLAfterTheScanIsKept(shape: Shape) throws {
        let (result, exists, ttl) = try run(shape, touch: true)
        #expect(exists && ttl > 3_000 && ttl <= 3_600, "\(shape): exists \(exists), ttl \(ttl)")
        #expect(result.keysRemoved == 0 && result.ttlsChanged == 0 && result.keptBecauseChanged == 1, "\(shape): \(result)")
    }

    @Test(arguments: Shape.allCases)
    func theSameKeyLeftAloneIsActedOn(shape: Shape) throws {
        let (result, exists, ttl) = try run(shape, touch: false)
        if shape == .fixTTL {
            #expect(exists && ttl > 600_000 && result.ttlsChanged == 1, "\(result), ttl \(ttl)")
        } else {
            #expect(!exists && result.keysRemoved == 1, "\(shape): \(result)")
        }
    }
}

@Suite struct PruneRateTests {
    /// --rate paces the changes only: planning 3,000 keys at 1 command a second would take
    /// hours if the scan were throttled, and takes seconds when it is not.
    @Test func theRateDoesNotThrottleThePlanningScan() throws {
        let server = try RedisServerProcess()
        var pipe = Data()
        for i in 0..<3_000 {
            let args = ["HSET", "session:s\(i)", "timestamp", "x", "context", "c", "current_task", "t"]
            pipe.append(contentsOf: Array(("*\(args.count)\r\n" + args.map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()).utf8))
        }
        _ = try server.cli(["--pipe"], stdin: pipe)
        let redis = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        var options = PruneOptions()
        options.expiredPolicy = true
        options.count = 100
        options.rate = 1
        let started = Date()
        let plan = try Pruner(connection: redis, options: options).plan()
        #expect(plan.count == 3_000)
        #expect(Date().timeIntervalSince(started) < 120, "planning took \(Date().timeIntervalSince(started)) s: --rate throttled the scan")
    }
}

@Suite struct PruneAgeTests {
    @Test func agesParseWithTheirUnitsAndRefuseTheRest() {
        #expect(PruneOptions.ageSeconds("90s") == 90)
        #expect(PruneOptions.ageSeconds("30m") == 1_800)
        #expect(PruneOptions.ageSeconds("12h") == 43_200)
        #expect(PruneOptions.ageSeconds("30d") == 2_592_000)
        for bad in ["", "d", "30", "30w", "-1d", "1.5d", "99999999999999999d", "36601d"] {
            #expect(PruneOptions.ageSeconds(bad) == nil, "\(bad)")
        }
        #expect(PruneOptions.ageSeconds("36600d") == Int64(36_600) * 86_400, "100 years of 366 days is the limit")
    }
}
