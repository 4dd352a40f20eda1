import Foundation
import MemopsRDB
import MemopsTestSupport
import Testing
@testable import MemopsCore

private func connect(_ server: RedisServerProcess) throws -> RedisConnection {
    try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
}

/// A small dataset (now = the real clock, so TTLs and stream ages are current).
func auditSpec(_ faults: SampleDataFaults = .none, nodes: Int = 3) -> SampleDataSpec {
    SampleDataSpec(counts: SampleDataCounts(sessions: 40, embeddings: 60, queue: 200, cache: 50, nodes: nodes, events: 50),
                   days: 7, seed: 7, faults: faults)
}

/// Every fault kind, several of each.
let everyFault = SampleDataFaults([
    .sessionWithoutTTL: 3, .orphanIndexMember: 5, .wrongType: 4, .badName: 4, .badVectorSize: 3, .cacheWithoutTTL: 3, .staleHeartbeat: 1,
])

/// The rule and key (and for orphans, the member) audit must report for an injected fault.
private func expected(_ fault: SampleDataFault) -> (rule: AuditRule, key: String, member: String?) {
    let key = KeyText.escaped(fault.key)
    switch fault.kind {
    case .sessionWithoutTTL, .cacheWithoutTTL: return (.ttlMissing, key, nil)
    case .orphanIndexMember: return (.danglingMember, key, KeyText.escaped(fault.member ?? []))
    case .wrongType: return (.wrongType, key, nil)
    case .badName: return (.badName, key, nil)
    case .badVectorSize: return (.fieldSize, key, nil)
    case .staleHeartbeat: return (.staleHeartbeat, key, nil)
    }
}

/// Whether `d` is what `fault` should produce.
private func explains(_ fault: SampleDataFault, _ d: Diagnostic) -> Bool {
    let e = expected(fault)
    return d.rule == e.rule.rawValue && d.key == e.key && (e.member.map { d.message.contains(" \($0) ") } ?? true)
}

@Suite("Audit", .serialized)
struct AuditTests {
    @Test("clean sample data: no findings, every key in its pattern")
    func clean() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let gen = try SampleDataGenerator(auditSpec())
        _ = try SampleDataLoader.load(gen, into: redis)
        try SampleDataLoader.beat(gen, into: redis)
        let report = try LiveAudit(connection: redis, options: AuditOptions(count: 50)).run()
        #expect(report.diagnostics == [])
        #expect(report.keysScanned == gen.totalKeys)
        #expect(!report.patterns.contains { $0.pattern.hasPrefix("(") })
        #expect(report.patterns.first { $0.pattern == "session:{session_id}" }?.keys == 40)
        let sessions = try #require(report.patterns.first { $0.pattern == "session:{session_id}" })
        #expect(sessions.withTTL == 40)
        #expect(sessions.ttlBuckets.reduce(0, +) == 40)
        #expect(sessions.ttlBuckets[0] == 0 && sessions.ttlBuckets[4] == 0)  // 1 h to 7 days, as generated
        #expect((sessions.ttlMaxSeconds ?? 0) <= 604_800 && (sessions.ttlMinSeconds ?? 0) >= 3_500)
        #expect(sessions.memory > 40 * 1_000, "memory \(sessions.memory)")
        #expect(sessions.biggest.count == 5, "biggest \(sessions.biggest.count)")
        #expect(report.patterns.first { $0.pattern == "embedding:{sha256}" }?.keys == 60)
    }

    @Test("every injected fault is found, and nothing else")
    func faults() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let gen = try SampleDataGenerator(auditSpec(everyFault))
        _ = try SampleDataLoader.load(gen, into: redis)
        try SampleDataLoader.beat(gen, into: redis)
        let report = try LiveAudit(connection: redis, options: AuditOptions(count: 37)).run()
        #expect(gen.faults.count == everyFault.total)
        for fault in gen.faults {
            #expect(report.diagnostics.contains { explains(fault, $0) }, "not found: \(fault)")
        }
        for d in report.diagnostics {
            #expect(gen.faults.contains { explains($0, d) }, "unexpected: \(d)")
        }
        #expect(report.dangling.count == 5)
    }

    @Test("rules on hand-made keys: TTL bounds, forbidden TTLs, fields, streams, binary names, unmatched, missing from index")
    func handMade() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let vector = [UInt8](repeating: 1, count: 3_072)
        _ = try redis.pipeline([
            [b("HSET"), b("session:aa"), b("timestamp"), b("t"), b("context"), b("c"), b("current_task"), b("x")],
            [b("EXPIRE"), b("session:aa"), b("900000")],  // above 7 days
            [b("ZADD"), b("sessions:recent"), b("1"), b("aa")],
            [b("HSET"), b("session:bb"), b("timestamp"), b("t"), b("context"), b("c")],  // no current_task, not in index
            [b("EXPIRE"), b("session:bb"), b("100")],
            [b("HSET"), b("embedding:e1"), b("vector"), vector, b("text"), b("t"), b("timestamp"), b("t"), b("source"), b("s")],
            [b("ZADD"), b("embeddings:recent"), b("1"), b("e1")],
            [b("HSET"), b("node:n1"), b("role"), b("r"), b("status"), b("online")],
            [b("EXPIRE"), b("node:n1"), b("50")],  // registry data must not expire
            [b("SADD"), b("nodes:active"), b("n1")],
            [b("SETEX"), b("node:n1:heartbeat"), b("30"), b("{}")],
            [b("SET"), b("tool:edit:abc"), b("out"), b("EX"), b("3600")],  // write class: 300 s at most
            [b("SET"), b("tool:read:/a/b.py:abc"), b("out"), b("EX"), b("3600")],  // colons in the hash; 2 h allowed
            [b("SET"), [0x73, 0x65, 0x73, 0x73, 0xff, 0xfe], b("x")],  // not UTF-8
            [b("SET"), b("misc:thing"), b("x")],
            [b("XADD"), b("learning:queue"), b("*"), b("a"), b("b")],
            [b("XGROUP"), b("CREATE"), b("learning:queue"), b("training_pipeline"), b("0")],
            [b("XADD"), b("events:log"), b("1000-0"), b("type"), b("old")],  // 1970: never trimmed
        ])
        let report = try LiveAudit(connection: redis).run()
        let found = Set(report.diagnostics.map { "\($0.rule) \($0.key ?? "")" })
        let want: Set<String> = [
            "AUD005 session:aa", "AUD007 session:bb", "AUD010 session:bb", "AUD006 node:n1", "AUD005 tool:edit:abc",
            "AUD002 sess\\xff\\xfe", "AUD001 misc:thing", "AUD012 learning:queue", "AUD015 events:log",
        ]
        #expect(found == want)
    }

    @Test("keys that vanish between SCAN and the pipeline are skipped")
    func vanished() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let audit = LiveAudit(connection: redis)
        var checker = AuditChecker(schema: .seed)
        var index: [Int: Set<[UInt8]>] = [:]
        try audit.inspect([b("session:gone"), b("sessions:recent")], nowMs: 0, checker: &checker, indexKeys: &index)
        let report = checker.finish(seconds: 0)
        #expect(report.keysScanned == 0)
        #expect(report.diagnostics.isEmpty)
    }

    @Test("--rate caps commands per second")
    func rate() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        _ = try redis.pipeline((0..<200).map { [b("SET"), b("misc:\($0)"), b("x")] })
        let started = Date()
        _ = try LiveAudit(connection: redis, options: AuditOptions(count: 100, rate: 1_000)).run()
        // 200 keys × 3 commands + SCAN calls at 1,000/s take at least 0.6 s.
        #expect(Date().timeIntervalSince(started) >= 0.55)
    }

    @Test("audit of a backup equals audit of the live data it came from")
    func backup() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let gen = try SampleDataGenerator(auditSpec(everyFault))
        _ = try SampleDataLoader.load(gen, into: redis)
        try SampleDataLoader.beat(gen, into: redis)
        try redis.command("SAVE")
        let live = try LiveAudit(connection: redis).run()
        let path = server.directory.appendingPathComponent("dump.rdb").path
        let offline = try BackupAudit(path: path).run()
        func shape(_ r: AuditReport) -> [String] { r.diagnostics.map { "\($0.key ?? "") \($0.severity) [\($0.rule)] \($0.message)" } }
        #expect(shape(offline) == shape(live))
        #expect(offline.keysScanned == live.keysScanned)
        #expect(offline.patterns.map { "\($0.pattern) \($0.keys) \($0.withTTL) \($0.findings)" } == live.patterns.map { "\($0.pattern) \($0.keys) \($0.withTTL) \($0.findings)" })
        #expect(!live.diagnostics.isEmpty)
    }
}

@Suite("Schema")
struct SchemaTests {
    @Test("the seed schema round-trips through JSON and matches every pattern of the issue")
    func roundTrip() throws {
        let json = Schema.seed.json()
        let back = try Schema.parse(Data(json.utf8), path: "seed.json")
        #expect(back == Schema.seed)
        for key in ["session:1", "sessions:recent", "user:alice:sessions", "embedding:ab", "embeddings:recent", "embeddings:session:1",
                    "learning:queue", "tool:bash:1", "tool:stats", "models:active", "model:m", "model:m:stats", "node:n:heartbeat",
                    "node:n", "nodes:active", "events:log"] {
            #expect(Schema.seed.match(Array(key.utf8)) != nil, "\(key)")
        }
        #expect(Schema.seed.match(Array("tool:stats".utf8))?.pattern.pattern == "tool:stats")
        #expect(Schema.seed.match(Array("model:m:stats".utf8))?.pattern.pattern == "model:{name}:stats")
    }

    @Test("bad schema files name their line", arguments: [
        ("{\n  \"version\": 1,\n  \"patterns\": [\n    {\"pattern\": \"a:{x}\", \"type\": \"hashh\", \"ttl\": {\"policy\": \"optional\"}}\n  ],\n  \"references\": []\n}", 4, "type"),
        ("{\n  \"version\": 1,\n  \"patterns\": [\n  ,\n  ]\n}", 4, "not valid JSON"),
        ("{\n  \"version\": 1,\n  \"patterns\": [],\n  \"references\": [\n    {\"from\": \"nope\", \"via\": \"zset-members\", \"to\": \"x:{member}\"}\n  ]\n}", 5, "no such pattern"),
        ("{\n  \"version\": 1,\n  \"patterns\": [\n    {\"pattern\": \"a:{x}\", \"type\": \"hash\",\n     \"requiredField\": [\"f\"], \"ttl\": {\"policy\": \"optional\"}}\n  ],\n  \"references\": []\n}", 5, "unknown name \"requiredField\""),
    ])
    func badFile(text: String, line: Int, reason: String) throws {
        #expect {
            _ = try Schema.parse(Data(text.utf8), path: "s.json")
        } throws: { error in
            guard let e = error as? SchemaError else { return false }
            return e.line == line && e.description.contains(reason)
        }
    }

    @Test("naming faults")
    func naming() {
        #expect(AuditChecker.namingFault(Array("session:abc".utf8)) == nil)
        #expect(AuditChecker.namingFault(Array("model:qwen3-30B-A3B".utf8)) == nil)
        for bad in ["Session:1", "session::1", "session:1 ", ":x", "x:", "a b:c"] {
            #expect(AuditChecker.namingFault(Array(bad.utf8)) != nil, "\(bad)")
        }
        #expect(AuditChecker.namingFault([0x73, 0x3a, 0x01]) != nil)
        #expect(AuditChecker.namingFault([0x73, 0x3a, 0xc3]) != nil)
    }
}

@Suite("Audit streams")
struct AuditStreamTests {
    @Test("stream rules: too long, too many pending, idle consumer, missing group — live and from a backup")
    func streams() throws {
        let server = try RedisServerProcess()
        let redis = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        _ = try redis.pipeline((0..<5).map { [b("XADD"), b("learning:queue"), b("*"), b("n"), b("\($0)")] })
        try redis.command("XGROUP", "CREATE", "learning:queue", "training_pipeline", "0")
        try redis.command("XREADGROUP", "GROUP", "training_pipeline", "w1", "COUNT", "3", "STREAMS", "learning:queue", ">")
        Thread.sleep(forTimeInterval: 1.1)
        var schema = Schema.seed
        let queue = schema.patterns.firstIndex { $0.pattern == "learning:queue" }!
        schema.patterns[queue].stream = StreamPolicy(maxLength: 2, slack: 1, maxAgeDays: nil, requiredGroups: ["training_pipeline", "analytics"],
                                                     maxPending: 2, maxIdleSeconds: 1)
        let live = try LiveAudit(connection: redis, schema: schema).run()
        let rules = live.diagnostics.compactMap(\.auditRule).sorted { $0.rawValue < $1.rawValue }
        #expect(rules == [.streamTooLong, .groupMissing, .pendingTooMany, .consumerIdle])
        #expect(live.diagnostics.first { $0.auditRule == .consumerIdle }?.message.contains("\"w1\"") == true)
        try redis.command("SAVE")
        let offline = try BackupAudit(path: server.directory.appendingPathComponent("dump.rdb").path, schema: schema).run()
        #expect(offline.diagnostics == live.diagnostics)
        // Within the policy: nothing.
        schema.patterns[queue].stream = StreamPolicy(maxLength: 5, slack: 0, maxAgeDays: 1, requiredGroups: ["training_pipeline"],
                                                     maxPending: 3, maxIdleSeconds: 3_600)
        #expect(try LiveAudit(connection: redis, schema: schema).run().diagnostics.isEmpty)
    }
}
