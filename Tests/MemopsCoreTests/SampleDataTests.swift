import Foundation
import MemopsRDB
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// A fixed "now" so every test's data is reproducible: 2026-02-01T12:00:00Z.
private let fixedNow: Int64 = 1_769_947_200

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

private func connect(_ server: RedisServerProcess) throws -> RedisConnection {
    try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
}

/// Every key on the server, by SCAN.
private func allKeys(_ redis: RedisConnection) throws -> [[UInt8]] {
    var keys: [[UInt8]] = []
    var cursor: UInt64 = 0
    repeat {
        let step = try redis.scan(cursor: cursor, count: 1000)
        keys += step.keys
        cursor = step.cursor
    } while cursor != 0
    return keys
}

/// The schema pattern a key belongs to, decided here independently of the generator:
/// segments split on ":", ids and hashes as lowercase hex of the schema's lengths.
private func pattern(of key: [UInt8]) -> String {
    let text = String(decoding: key, as: UTF8.self)
    let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    func hex(_ s: String, _ n: Int) -> Bool { s.count == n && s.allSatisfy { "0123456789abcdef".contains($0) } }
    switch (parts.count, parts.first ?? "") {
    case (2, "session") where hex(parts[1], 16): return "session:{id}"
    case (2, "sessions") where parts[1] == "recent": return "sessions:recent"
    case (3, "user") where parts[2] == "sessions" && !parts[1].isEmpty: return "user:{name}:sessions"
    case (2, "embedding") where hex(parts[1], 64): return "embedding:{sha256}"
    case (2, "embeddings") where parts[1] == "recent": return "embeddings:recent"
    case (3, "embeddings") where parts[1] == "session" && hex(parts[2], 16): return "embeddings:session:{id}"
    case (2, "learning") where parts[1] == "queue": return "learning:queue"
    case (2, "tool") where parts[1] == "stats": return "tool:stats"
    case (3, "tool") where hex(parts[2], 64): return "tool:{tool}:{hash}"
    case (2, "models") where parts[1] == "active": return "models:active"
    case (2, "model"): return "model:{name}"
    case (3, "model") where parts[2] == "stats": return "model:{name}:stats"
    case (2, "node"): return "node:{name}"
    case (3, "node") where parts[2] == "heartbeat": return "node:{name}:heartbeat"
    case (2, "nodes") where parts[1] == "active": return "nodes:active"
    case (2, "events") where parts[1] == "log": return "events:log"
    default: return "(no pattern)"
    }
}

private func counts(by keys: [[UInt8]]) -> [String: Int] {
    var result: [String: Int] = [:]
    for key in keys { result[pattern(of: key), default: 0] += 1 }
    return result
}

/// The schema's cache policy, by tool class, written out here rather than read from memops.
private let schemaCacheTTL: [String: Int] = [
    "read": 7_200, "grep": 7_200, "ls": 7_200, "cat": 7_200,
    "edit": 300, "write": 300, "git_commit": 300,
    "bash": 3_600, "python": 3_600, "web_fetch": 3_600,
    "inference": 86_400, "benchmark": 86_400,
]

/// Every key's TTL in seconds (-1 none).
private func ttls(_ redis: RedisConnection) throws -> [[UInt8]: Int64] {
    var result: [[UInt8]: Int64] = [:]
    for key in try allKeys(redis) { result[key] = try redis.command([b("TTL"), key]).integer ?? -3 }
    return result
}

/// A description of everything on a server that two loads of the same data must share: per key
/// its type, value (fields sorted), stream groups and pending ids. TTLs are apart: they tick.
private func snapshot(_ redis: RedisConnection) throws -> [[UInt8]: String] {
    var values: [[UInt8]: String] = [:]
    for key in try allKeys(redis) {
        let type = try redis.command([b("TYPE"), key]).string ?? "?"
        var text = type + ":"
        switch type {
        case "string":
            text += "\(try redis.command([b("GET"), key]))"
        case "hash":
            let flat = try redis.command([b("HGETALL"), key]).elements ?? []
            let pairs = stride(from: 0, to: flat.count, by: 2).map { "\(flat[$0])=\(flat[$0 + 1])" }
            text += pairs.sorted().joined(separator: ",")
        case "zset":
            text += "\(try redis.command([b("ZRANGE"), key, b("0"), b("-1"), b("WITHSCORES")]))"
        case "set":
            text += (try redis.command([b("SMEMBERS"), key]).elements ?? []).map { "\($0)" }.sorted().joined(separator: ",")
        case "stream":
            text += "\(try redis.command([b("XRANGE"), key, b("-"), b("+")]))"
            let groups = try redis.command([b("XINFO"), b("GROUPS"), key]).elements ?? []
            text += " groups:\(groups)"
            for group in groups {
                guard let fields = group.elements, fields.count >= 2, let name = fields[1].bytes else { continue }
                let pending = try redis.command([b("XPENDING"), key, name, b("-"), b("+"), b("1000")]).elements ?? []
                // id and consumer only: idle time and delivery time differ between loads.
                text += " pending:" + pending.map { "\($0.elements?.prefix(2).map { "\($0)" } ?? [])" }.joined()
            }
        default:
            text += "unexpected type"
        }
        values[key] = text
    }
    return values
}

@Suite struct SampleDataGeneratorTests {
    @Test func scenariosAreTheSchemasTable() {
        #expect(SampleDataScenario.week.counts.sessions == 100 && SampleDataScenario.week.counts.embeddings == 10_000 && SampleDataScenario.week.counts.queue == 50_000)
        #expect(SampleDataScenario.month.counts.sessions == 500 && SampleDataScenario.month.counts.embeddings == 50_000 && SampleDataScenario.month.counts.queue == 200_000)
        #expect(SampleDataScenario.year.counts.sessions == 5_000 && SampleDataScenario.year.counts.embeddings == 500_000 && SampleDataScenario.year.counts.queue == 2_000_000)
        let small = SampleDataSpec(scenario: .year, scale: 0.01, now: fixedNow)
        #expect(small.counts.sessions == 50 && small.counts.embeddings == 5_000 && small.counts.queue == 20_000)
        #expect(small.counts.nodes == SampleDataScenario.year.counts.nodes)
        #expect(small.periodSeconds == 365 * 86_400)
        let tiny = SampleDataScenario.week.counts.scaled(by: 0.000_001)
        #expect(tiny.sessions == 1 && tiny.embeddings == 1)
    }

    @Test func sameSeedSameCommandsOtherSeedOtherCommands() throws {
        let counts = SampleDataCounts(sessions: 12, embeddings: 40, queue: 60, cache: 15, nodes: 2, events: 9)
        let faults = SampleDataFaults([.orphanIndexMember: 2, .badName: 4, .wrongType: 2])
        let spec = SampleDataSpec(counts: counts, days: 7, now: fixedNow, seed: 42, faults: faults)
        let first = SampleDataLoader.resp(try SampleDataGenerator(spec))
        let second = SampleDataLoader.resp(try SampleDataGenerator(spec))
        #expect(first == second)
        #expect(first.count > 40 * 3_072)
        var other = spec
        other.seed = 43
        #expect(SampleDataLoader.resp(try SampleDataGenerator(other)) != first)
        var later = spec
        later.now += 1
        #expect(SampleDataLoader.resp(try SampleDataGenerator(later)) != first)
        #expect(try SampleDataGenerator(spec).faults == SampleDataGenerator(spec).faults)
    }

    @Test func respEncodingIsExact() {
        var encoder = RESPEncoder()
        encoder.append([b("SET"), b("k"), [0, 13, 10], []])
        encoder.append([b("PING")])
        #expect(encoder.bytes == b("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\n") + [0, 13, 10] + b("\r\n$0\r\n\r\n*1\r\n$4\r\nPING\r\n"))
        #expect(RESPEncoder.encodedLength([b("SET"), b("k"), [0, 13, 10], []]) + RESPEncoder.encodedLength([b("PING")]) == encoder.bytes.count)
        let long = [b("HSET"), [UInt8](repeating: 7, count: 12_345)] + Array(repeating: b("f"), count: 10)
        var other = RESPEncoder()
        other.append(long)
        #expect(RESPEncoder.encodedLength(long) == other.bytes.count)
    }

    @Test func timestampsSpreadOverThePeriodEndingNow() throws {
        let spec = SampleDataSpec(counts: SampleDataCounts(sessions: 70, embeddings: 700), days: 7, now: fixedNow)
        var scores: [Int64] = []
        try SampleDataGenerator(spec).forEachCommand { command in
            if command[0] == b("ZADD") && command[1] == b("embeddings:recent") {
                scores.append(Int64(String(decoding: command[2], as: UTF8.self))!)
            }
        }
        #expect(scores.count == 700)
        #expect(scores == scores.sorted())
        #expect(scores.allSatisfy { $0 >= fixedNow - 7 * 86_400 && $0 < fixedNow })
        // Evenly spread: each day holds a seventh, give or take one at the day boundaries.
        for day in 0..<7 {
            let start = fixedNow - Int64(7 - day) * 86_400
            let n = scores.filter { $0 >= start && $0 < start + 86_400 }.count
            #expect(abs(n - 100) <= 1, "day \(day) holds \(n)")
        }
    }

    @Test func tooManyFaultsAreRefused() {
        let spec = SampleDataSpec(counts: SampleDataCounts(sessions: 2, embeddings: 1), now: fixedNow,
                                  faults: SampleDataFaults([.sessionWithoutTTL: 2, .wrongType: 2]))
        #expect(throws: SampleDataError.self) { try SampleDataGenerator(spec) }
        let stale = SampleDataSpec(counts: SampleDataCounts(nodes: 1), now: fixedNow, faults: SampleDataFaults([.staleHeartbeat: 2]))
        #expect(throws: SampleDataError.self) { try SampleDataGenerator(stale) }
        let fits = SampleDataSpec(counts: SampleDataCounts(sessions: 2, embeddings: 1), now: fixedNow,
                                  faults: SampleDataFaults([.sessionWithoutTTL: 1, .wrongType: 2]))
        #expect(throws: Never.self) { try SampleDataGenerator(fits) }
    }
}

@Suite struct SampleDataServerTests {
    static let sample = SampleDataCounts(sessions: 30, embeddings: 120, queue: 400, cache: 60, nodes: 3, events: 25)

    @Test func directLoadHasTheExpectedKeysPerNamespace() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let generator = try SampleDataGenerator(SampleDataSpec(counts: Self.sample, days: 30, now: fixedNow))
        let result = try SampleDataLoader.load(generator, into: redis, batchSize: 97)
        #expect(result.bytes == SampleDataLoader.resp(generator).count)
        let keys = try allKeys(redis)
        let expected: [String: Int] = [
            "session:{id}": 30, "sessions:recent": 1, "user:{name}:sessions": 8,
            "embedding:{sha256}": 120, "embeddings:recent": 1, "embeddings:session:{id}": 30,
            "learning:queue": 1, "tool:{tool}:{hash}": 60, "tool:stats": 1,
            "models:active": 1, "model:{name}": 3, "model:{name}:stats": 3,
            "node:{name}": 3, "node:{name}:heartbeat": 3, "nodes:active": 1, "events:log": 1,
        ]
        #expect(counts(by: keys) == expected)
        #expect(result.keys == keys.count)
        #expect(generator.totalKeys == keys.count)
        #expect(try redis.command("ZCARD", "sessions:recent").integer == 30)
        #expect(try redis.command("ZCARD", "embeddings:recent").integer == 120)
        #expect(try redis.command("XLEN", "learning:queue").integer == 400)
        #expect(try redis.command("XLEN", "events:log").integer == 25)
        #expect(try redis.command("SCARD", "nodes:active").integer == 3)
        #expect(try redis.command("HLEN", "models:active").integer == 3)
        var perUser = 0
        var perSession = 0
        for key in keys {
            switch pattern(of: key) {
            case "user:{name}:sessions": perUser += Int(try redis.command([b("ZCARD"), key]).integer ?? 0)
            case "embeddings:session:{id}": perSession += Int(try redis.command([b("ZCARD"), key]).integer ?? 0)
            default: break
            }
        }
        #expect(perUser == 30)
        #expect(perSession == 120)
        // Clean data: every index member has its entity, every entity is indexed.
        let sessionKeys = Set(keys.filter { pattern(of: $0) == "session:{id}" })
        let indexed = try redis.command("ZRANGE", "sessions:recent", "0", "-1", "WITHSCORES").elements ?? []
        #expect(Set(stride(from: 0, to: indexed.count, by: 2).map { b("session:") + indexed[$0].bytes! }) == sessionKeys)
        let scores = stride(from: 1, to: indexed.count, by: 2).map { indexed[$0].integer ?? 0 }
        #expect(scores.allSatisfy { $0 >= fixedNow - 30 * 86_400 && $0 <= fixedNow })
        let embeddingKeys = Set(keys.filter { pattern(of: $0) == "embedding:{sha256}" })
        let embeddingMembers = try redis.command("ZRANGE", "embeddings:recent", "0", "-1").elements ?? []
        #expect(Set(embeddingMembers.map { b("embedding:") + $0.bytes! }) == embeddingKeys)
        for member in try redis.command("SMEMBERS", "nodes:active").elements ?? [] {
            #expect(try redis.command([b("EXISTS"), b("node:") + member.bytes!]).integer == 1)
            let model = try redis.command([b("HGET"), b("models:active"), member.bytes!])
            #expect(try redis.command([b("EXISTS"), b("model:") + model.bytes!]).integer == 1)
        }
    }

    @Test func ttlsVectorsFieldsAndConsumerGroups() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        _ = try SampleDataLoader.load(try SampleDataGenerator(SampleDataSpec(counts: Self.sample, now: fixedNow)), into: redis)
        var seen: [String: Int] = [:]
        for key in try allKeys(redis) {
            let kind = pattern(of: key)
            seen[kind, default: 0] += 1
            let ttl = try redis.command([b("TTL"), key]).integer ?? -3
            switch kind {
            case "session:{id}":
                #expect(ttl >= 3_500 && ttl <= 604_800, "session TTL \(ttl)")
                let fields = (try redis.command([b("HKEYS"), key]).elements ?? []).compactMap(\.string)
                #expect(Set(fields) == ["timestamp", "context", "files", "current_task", "last_tool", "node"])
                let context = try redis.command([b("HSTRLEN"), key, b("context")]).integer ?? 0
                #expect(context >= 850 && context <= 1_250, "context of \(context) bytes")
            case "embedding:{sha256}":
                #expect(ttl == -1)
                #expect(try redis.command([b("HSTRLEN"), key, b("vector")]).integer == 3_072)
                let fields = (try redis.command([b("HKEYS"), key]).elements ?? []).compactMap(\.string)
                #expect(Set(fields) == ["vector", "text", "timestamp", "source", "tool_context", "success"])
                let source = try redis.command([b("HGET"), key, b("source")]).bytes ?? []
                #expect(try redis.command([b("TYPE"), source]).string == "hash", "source \(String(decoding: source, as: UTF8.self))")
            case "tool:{tool}:{hash}":
                let tool = String(String(decoding: key, as: UTF8.self).split(separator: ":")[1])
                let classTTL = try #require(schemaCacheTTL[tool], "tool \(tool) has no class")
                #expect(Int(ttl) >= classTTL / 2 - 60 && Int(ttl) <= classTTL, "\(tool) TTL \(ttl)")
                let size = try redis.command([b("STRLEN"), key]).integer ?? 0
                #expect(size >= 200 && size <= 10_000)
            case "node:{name}:heartbeat":
                #expect(ttl >= 1 && ttl <= 30)
            default:
                #expect(ttl == -1, "\(String(decoding: key, as: UTF8.self)) has TTL \(ttl)")
            }
        }
        #expect(seen["embedding:{sha256}"] == 120 && seen["tool:{tool}:{hash}"] == 60)
        let groups = try redis.command("XINFO", "GROUPS", "learning:queue").elements ?? []
        var pendingByGroup: [String: Int64] = [:]
        for group in groups {
            let fields = group.elements ?? []
            var info: [String: RedisReply] = [:]
            for k in stride(from: 0, to: fields.count - 1, by: 2) { info[fields[k].string ?? ""] = fields[k + 1] }
            pendingByGroup[info["name"]?.string ?? "?"] = info["pending"]?.integer
        }
        #expect(Set(pendingByGroup.keys) == ["training_pipeline", "analytics"])
        #expect(pendingByGroup.values.allSatisfy { $0 > 0 })
        let entry = try redis.command("XRANGE", "learning:queue", "-", "+", "COUNT", "1").elements?.first?.elements?[1].elements ?? []
        let names = stride(from: 0, to: entry.count, by: 2).compactMap { entry[$0].string }
        #expect(names == ["timestamp", "session_id", "user_query", "tool_used", "tool_args", "result", "success", "duration_ms", "node"])
        let entrySize = entry.reduce(0) { $0 + ($1.bytes?.count ?? 0) }
        #expect(entrySize >= 1_500 && entrySize <= 2_600, "queue entry of \(entrySize) bytes")
    }

    @Test func respThroughRedisCliPipeEqualsDirectLoad() throws {
        let faults = SampleDataFaults([.badName: 4, .orphanIndexMember: 3, .wrongType: 2, .sessionWithoutTTL: 1])
        let spec = SampleDataSpec(counts: Self.sample, days: 7, now: fixedNow, seed: 9, faults: faults)
        let generator = try SampleDataGenerator(spec)
        let piped = try RedisServerProcess()
        let direct = try RedisServerProcess()
        // TTLs are read right after each load; they may differ by the time each load and read
        // took, and no more.
        var started = Date()
        let output = try piped.cli(["--pipe"], stdin: Data(SampleDataLoader.resp(generator)))
        #expect(output.contains("errors: 0"), "redis-cli --pipe said: \(output)")
        let pipedTTLs = try ttls(try connect(piped))
        let pipedSeconds = Date().timeIntervalSince(started)
        started = Date()
        _ = try SampleDataLoader.load(generator, into: try connect(direct))
        let directTTLs = try ttls(try connect(direct))
        let slack = Int64(max(pipedSeconds, Date().timeIntervalSince(started)).rounded(.up)) + 1

        let a = try snapshot(try connect(piped))
        let c = try snapshot(try connect(direct))
        #expect(a.count == generator.totalKeys)
        #expect(a == c)
        #expect(Set(pipedTTLs.keys) == Set(directTTLs.keys))
        for (key, ttl) in pipedTTLs {
            let other = directTTLs[key] ?? -3
            #expect((ttl < 0) == (other < 0) && abs(ttl - other) <= slack, "\(KeyText.escaped(key)): \(ttl) vs \(other), slack \(slack)")
        }
    }

    @Test func injectedFaultsAreExactlyThereOnTheServer() throws {
        let faults = SampleDataFaults([
            .sessionWithoutTTL: 3, .orphanIndexMember: 5, .wrongType: 4, .badName: 4,
            .badVectorSize: 3, .cacheWithoutTTL: 2, .staleHeartbeat: 1,
        ])
        let generator = try SampleDataGenerator(SampleDataSpec(counts: Self.sample, now: fixedNow, seed: 5, faults: faults))
        #expect(generator.faults.count == 22)
        for kind in SampleDataFaultKind.allCases {
            #expect(generator.faults.filter { $0.kind == kind }.count == faults[kind], "\(kind)")
        }
        #expect(Set(generator.faults).count == 22)
        let server = try RedisServerProcess()
        let redis = try connect(server)
        _ = try SampleDataLoader.load(generator, into: redis)
        let keys = try allKeys(redis)

        // What the server holds, found without looking at the fault list.
        var found: Set<SampleDataFault> = []
        for key in keys {
            let type = try redis.command([b("TYPE"), key]).string
            let ttl = try redis.command([b("TTL"), key]).integer
            switch pattern(of: key) {
            case "session:{id}":
                if type != "hash" { found.insert(SampleDataFault(kind: .wrongType, key: key)) } else if ttl == -1 { found.insert(SampleDataFault(kind: .sessionWithoutTTL, key: key)) }
            case "embedding:{sha256}":
                if type != "hash" {
                    found.insert(SampleDataFault(kind: .wrongType, key: key))
                } else if try redis.command([b("HSTRLEN"), key, b("vector")]).integer != 3_072 {
                    found.insert(SampleDataFault(kind: .badVectorSize, key: key))
                }
            case "tool:{tool}:{hash}":
                if ttl == -1 { found.insert(SampleDataFault(kind: .cacheWithoutTTL, key: key)) }
            case "(no pattern)":
                found.insert(SampleDataFault(kind: .badName, key: key))
            default:
                break
            }
        }
        for (index, prefix) in [("sessions:recent", "session:"), ("embeddings:recent", "embedding:")] {
            for member in try redis.command("ZRANGE", index, "0", "-1").elements ?? [] {
                if try redis.command([b("EXISTS"), b(prefix) + member.bytes!]).integer == 0 {
                    found.insert(SampleDataFault(kind: .orphanIndexMember, key: b(index), member: member.bytes!))
                }
            }
        }
        for node in try redis.command("SMEMBERS", "nodes:active").elements ?? [] {
            let heartbeat = b("node:") + node.bytes! + b(":heartbeat")
            if try redis.command([b("EXISTS"), heartbeat]).integer == 0 {
                found.insert(SampleDataFault(kind: .staleHeartbeat, key: heartbeat))
            }
        }
        #expect(found == Set(generator.faults))
        // Each bad-name variant is there: case, empty segment, whitespace, control byte.
        let bad = generator.faults.filter { $0.kind == .badName }.map(\.key)
        #expect(bad.contains { $0.starts(with: b("Session:")) })
        #expect(bad.contains { $0.starts(with: b("session::")) })
        #expect(bad.contains { $0.last == 0x20 })
        #expect(bad.contains { $0.contains(0x01) })
    }

    @Test func queueMaxLengthKeepsTheNewestEntries() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let spec = SampleDataSpec(counts: SampleDataCounts(queue: 1_000), days: 10, now: fixedNow, queueMaxLength: 100)
        let generator = try SampleDataGenerator(spec)
        #expect(generator.queueEntries == 100)
        _ = try SampleDataLoader.load(generator, into: redis)
        #expect(try redis.command("XLEN", "learning:queue").integer == 100)
        let firstID = try redis.command("XRANGE", "learning:queue", "-", "+", "COUNT", "1").elements?.first?.elements?.first?.string ?? ""
        let firstMs = Int64(firstID.split(separator: "-").first ?? "") ?? 0
        // The newest tenth of 1,000 entries spread over 10 days: the last day.
        #expect(firstMs >= (fixedNow - 86_400) * 1_000 - 1_000 && firstMs < fixedNow * 1_000, "first id \(firstID)")
        let groups = try redis.command("XINFO", "GROUPS", "learning:queue").elements ?? []
        #expect(groups.count == 2)
    }

    @Test func heartbeatsComeLastAndCanBeSentAgain() throws {
        let spec = SampleDataSpec(counts: SampleDataCounts(sessions: 2, nodes: 3), now: fixedNow, faults: SampleDataFaults([.staleHeartbeat: 1]))
        let generator = try SampleDataGenerator(spec)
        var commands: [[[UInt8]]] = []
        generator.forEachCommand { commands.append($0) }
        #expect(commands.suffix(2).allSatisfy { $0[0] == b("SETEX") && $0[2] == b("30") })
        #expect(commands.filter { $0[0] == b("SETEX") }.count == 2)
        let server = try RedisServerProcess()
        let redis = try connect(server)
        _ = try SampleDataLoader.load(generator, into: redis)
        let stale = try #require(generator.faults.first { $0.kind == .staleHeartbeat }?.key)
        var live: [[UInt8]] = []
        for node in generator.nodes {
            let key = b("node:\(node):heartbeat")
            if key != stale { live.append(key) }
            try redis.command([b("DEL"), key])
        }
        #expect(live.count == 2)
        try SampleDataLoader.beat(generator, into: redis)
        for key in live {
            let ttl = try redis.command([b("TTL"), key]).integer ?? -3
            #expect(ttl >= 1 && ttl <= 30)
        }
        #expect(try redis.command([b("EXISTS"), stale]).integer == 0)
    }

    @Test func nonEmptyDatabaseIsRefusedUnlessFlushOrMerge() throws {
        let server = try RedisServerProcess()
        try server.cli("SET", "precious", "1")
        let config = ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port))
        let spec = SampleDataSpec(counts: SampleDataCounts(sessions: 3), now: fixedNow)
        #expect(throws: SampleDataError.databaseNotEmpty(server: config.description, keys: 1)) {
            try SampleDataLoader.load(spec, into: config)
        }
        #expect(try server.cli("DBSIZE") == "1")
        let merged = try SampleDataLoader.load(spec, into: config, merge: true)
        #expect(try server.cli("DBSIZE") == String(merged.keys + 1))
        let flushed = try SampleDataLoader.load(spec, into: config, flush: true)
        #expect(try server.cli("DBSIZE") == String(flushed.keys))
        #expect(try server.cli("EXISTS", "precious") == "0")
    }

    @Test func errorRepliesAreReportedWithTheirKey() throws {
        let server = try RedisServerProcess()
        // A string where the generator writes the sessions:recent index: every ZADD fails.
        try server.cli("SET", "sessions:recent", "in the way")
        let config = ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port))
        do {
            _ = try SampleDataLoader.load(SampleDataSpec(counts: SampleDataCounts(sessions: 4), now: fixedNow), into: config, merge: true)
            Issue.record("the load succeeded")
        } catch let error as SampleDataError {
            #expect(error.description.contains("refused 4 sample-data commands"))
            #expect(error.description.contains("ZADD sessions:recent: WRONGTYPE"))
            #expect(error.exitStatus == .failed)
        }
        // The other commands still ran.
        #expect(try server.cli("ZCARD", "user:alice:sessions") == "1")
    }
}
