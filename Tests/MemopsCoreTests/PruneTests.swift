import Foundation
import MemopsRDB
import MemopsTestSupport
import Testing
@testable import MemopsCore

private func connect(_ server: RedisServerProcess) throws -> RedisConnection {
    try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
}

/// Every key's contents, comparable across DUMP encodings: sorted sets as member/score lists,
/// hashes as sorted field=value pairs, other types by DUMP payload; plus each key's absolute expiry. Heartbeats are left out (they
/// expire by themselves while a test runs).
private func snapshot(_ redis: RedisConnection) throws -> [String: String] {
    var out: [String: String] = [:]
    var cursor: UInt64 = 0
    repeat {
        let step = try redis.scan(cursor: cursor, count: 500)
        cursor = step.cursor
        for key in step.keys where !key.reversed().starts(with: Array(":heartbeat".utf8).reversed()) {
            let type = try redis.command([b("TYPE"), key]).string ?? ""
            let expire = try redis.command([b("PEXPIRETIME"), key]).integer ?? 0
            let value: String
            if type == "zset" {
                value = (try redis.command([b("ZRANGE"), key, b("0"), b("-1"), b("WITHSCORES")]).elements ?? []).map { $0.string ?? "" }.joined(separator: ",")
            } else if type == "hash" {
                // A hashtable's field order can differ after RESTORE; compare contents.
                let items = (try redis.command([b("HGETALL"), key]).elements ?? []).map { $0.bytes ?? [] }
                value = stride(from: 0, to: items.count, by: 2).map { "\(items[$0])=\(items[$0 + 1])" }.sorted().joined(separator: ",")
            } else {
                value = (try redis.command([b("DUMP"), key]).bytes ?? []).map { String($0) }.joined(separator: ".")
            }
            out[KeyText.escaped(key)] = "\(type) \(expire) \(value)"
        }
    } while cursor != 0
    return out
}

/// The keys a journal holds removal records for, in file order.
private func journalledKeys(_ path: String) throws -> [[UInt8]] {
    try PruneJournal.read(path: path).compactMap { r -> [UInt8]? in
        if case .key(let k, _, _) = r { return k } else { return nil }
    }
}

private func journalPath(_ server: RedisServerProcess) -> String {
    server.directory.appendingPathComponent("prune-\(UUID().uuidString.prefix(6)).journal.zst").path
}

@Suite("Prune", .serialized)
struct PruneTests {
    @Test("--orphans removes exactly the orphan members, nothing else; the journal undoes it")
    func orphans() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let gen = try SampleDataGenerator(auditSpec(everyFault))
        _ = try SampleDataLoader.load(gen, into: redis)
        let before = try snapshot(redis)
        var options = PruneOptions()
        options.orphans = true
        options.count = 7
        let pruner = Pruner(connection: redis, options: options)
        let plan = try pruner.plan()
        let path = journalPath(server)
        let journal = try PruneJournal(creating: path)
        let result = try pruner.apply(plan, journal: journal)
        try journal.close()
        #expect(result.membersRemoved == 5)
        #expect(result.keysRemoved == 0)
        #expect(result.keptBecauseChanged == 0)
        let after = try snapshot(redis)
        let orphans = gen.faults.filter { $0.kind == .orphanIndexMember }
        #expect(orphans.count == 5)
        for o in orphans {
            #expect(try redis.command([b("ZSCORE"), o.key, o.member!]) == .null)
        }
        // Everything but the two indexes is byte for byte the same; the indexes lost just the orphans.
        for (key, value) in before where key != "sessions:recent" && key != "embeddings:recent" {
            #expect(after[key] == value, "\(key) changed")
        }
        #expect(Set(after.keys) == Set(before.keys))
        for index in ["sessions:recent", "embeddings:recent"] {
            let removed = orphans.filter { KeyText.escaped($0.key) == index }.count
            let lengthBefore = before[index]!.split(separator: ",").count / 2
            let lengthAfter = after[index]!.split(separator: ",").count / 2
            #expect(lengthBefore - lengthAfter == removed)
        }
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        let undo = try PruneJournal.undo(path: path, into: redis)
        #expect(undo.membersRestored == 5)
        #expect(try snapshot(redis) == before)
    }

    @Test("a key or member changed between the scan and the removal survives")
    func changedSurvives() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let gen = try SampleDataGenerator(auditSpec(SampleDataFaults([.orphanIndexMember: 2]), nodes: 0))
        _ = try SampleDataLoader.load(gen, into: redis)
        var options = PruneOptions()
        options.pattern = "session:*"
        options.orphans = true
        let pruner = Pruner(connection: redis, options: options)
        let plan = try pruner.plan()
        #expect(plan.count == 40 + 2)
        // After the scan: one session rewritten, one given a fresh TTL, one orphan's session created.
        let sessions = (0..<40).map { KeyText.escaped(b("session:") + SampleDataGenerator.sessionID(7, $0)) }
        try redis.command("HSET", sessions[3], "context", "refreshed")
        try redis.command("EXPIRE", sessions[9], "604800")
        let orphan = gen.faults.first { $0.kind == .orphanIndexMember && KeyText.escaped($0.key) == "sessions:recent" }!
        try redis.command([b("HSET"), b("session:") + orphan.member!, b("timestamp"), b("now")])
        let path = journalPath(server)
        let journal = try PruneJournal(creating: path)
        let result = try pruner.apply(plan, journal: journal)
        try journal.close()
        #expect(result.keptBecauseChanged == 3)
        #expect(result.keysRemoved == 38)
        #expect(result.membersRemoved == 1)
        #expect(result.bytesFreed > 0)
        #expect(try redis.command("HGET", sessions[3], "context").string == "refreshed")
        #expect(try redis.command("EXISTS", sessions[9]).integer == 1)
        #expect(try redis.command("EXISTS", sessions[0]).integer == 0)
        #expect(try redis.command([b("ZSCORE"), orphan.key, orphan.member!]) != .null)
    }

    @Test("a key written between the read and the EXEC aborts the transaction: the retry keeps it; a batch aborted three times is checked key by key",
          arguments: [1, 3])
    func writerDuringTheTransaction(writes: Int) throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let other = try connect(server)
        for i in 0..<250 { try redis.command("SET", "cache:\(i)", "value \(i)") }
        try redis.command("SET", "keep:me", "x")
        var options = PruneOptions()
        options.pattern = "cache:*"
        let pruner = Pruner(connection: redis, options: options)
        let plan = try pruner.plan()
        #expect(plan.count == 250)
        // The first `writes` attempts see a write to one of their keys after their reads.
        var calls = 0
        var written: [[UInt8]] = []
        pruner.betweenReadAndExec = { keys in
            calls += 1
            guard calls <= writes, let key = keys.first else { return }
            try other.command([b("APPEND"), key, b("+")])
            written.append(key)
        }
        let path = journalPath(server)
        let journal = try PruneJournal(creating: path)
        let result = try pruner.apply(plan, journal: journal)
        try journal.close()
        #expect(written.count == writes && Set(written).count == writes)
        #expect(result.keysRemoved == 250 - writes && result.keptBecauseChanged == writes)
        for key in written { #expect(try redis.command([b("GET"), key]).string?.hasSuffix("+") == true) }
        #expect(try redis.command("DBSIZE").integer == Int64(1 + writes))
        // The journal holds exactly the removed keys, once each.
        let removed = try journalledKeys(path)
        #expect(removed.count == 250 - writes && Set(removed).count == removed.count && Set(removed).isDisjoint(with: written))
    }

    @Test("a connection lost mid-prune leaves every removed key in the journal on disk")
    func connectionLostMidPrune() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let other = try connect(server)
        for i in 0..<250 { try redis.command("SET", "cache:\(i)", "value \(i)") }
        var options = PruneOptions()
        options.pattern = "cache:*"
        let pruner = Pruner(connection: redis, options: options)
        let plan = try pruner.plan()
        // Two transactions go through; before the third's EXEC the pruner's connection is killed.
        var calls = 0
        pruner.betweenReadAndExec = { _ in
            calls += 1
            if calls == 3 { try other.command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes") }
        }
        let path = journalPath(server)
        let journal = try PruneJournal(creating: path)
        #expect(throws: RedisError.self) { try pruner.apply(plan, journal: journal) }
        let left = Int(try other.command("DBSIZE").integer ?? -1)
        #expect(left == 50)  // two transactions of 100 removed
        let journalled = Set(try journalledKeys(path))
        for i in 0..<250 where try other.command("EXISTS", "cache:\(i)").integer == 0 {
            #expect(journalled.contains(b("cache:\(i)")), "cache:\(i) was removed but is not in the journal")
        }
    }

    @Test("the journal restores every removed key with its TTL, and --older-than removes entity and index member together")
    func undoRestores() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let gen = try SampleDataGenerator(auditSpec(nodes: 0))
        _ = try SampleDataLoader.load(gen, into: redis)
        let before = try snapshot(redis)
        var options = PruneOptions()
        options.olderThanSeconds = 3 * 86_400
        options.namespace = "embedding"
        options.pattern = "session:*"
        let pruner = Pruner(connection: redis, options: options)
        let path = journalPath(server)
        let journal = try PruneJournal(creating: path)
        let result = try pruner.apply(try pruner.plan(), journal: journal)
        try journal.close()
        #expect(result.keysRemoved > 40)
        // Each embedding leaves embeddings:recent and its embeddings:session:{id}.
        #expect(result.membersRemoved == 2 * (result.keysRemoved - 40))
        #expect(result.keptBecauseChanged == 0)
        // No embedding older than 3 days is left, in the index or as a key.
        let cutoff = Int(Date().timeIntervalSince1970) - 3 * 86_400
        #expect(try redis.command("ZCOUNT", "embeddings:recent", "-inf", "(\(cutoff)").integer == 0)
        #expect(try redis.command("EXISTS", "session:" + String(decoding: SampleDataGenerator.sessionID(7, 0), as: UTF8.self)).integer == 0)
        // The per-session embedding indexes lost the removed embeddings too: no dangling members.
        let audit = try LiveAudit(connection: redis).run()
        #expect(!audit.diagnostics.contains { $0.auditRule == .danglingMember && ($0.key ?? "").hasPrefix("embeddings:") })
        #expect(audit.diagnostics.contains { $0.auditRule == .danglingMember && $0.key == "sessions:recent" })
        let undo = try PruneJournal.undo(path: path, into: redis)
        #expect(undo.keysRestored == result.keysRemoved)
        #expect(undo.errors.isEmpty)
        #expect(try snapshot(redis) == before)
    }

    @Test("replies lost after the scripts ran: the journal still holds every key and member they removed")
    func scriptRepliesLost() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let other = try connect(server)
        let gen = try SampleDataGenerator(auditSpec(nodes: 0))
        _ = try SampleDataLoader.load(gen, into: redis)
        let before = try snapshot(redis)
        var options = PruneOptions()
        options.olderThanSeconds = 3 * 86_400
        options.namespace = "embedding"
        options.count = 5
        let pruner = Pruner(connection: redis, options: options)
        let plan = try pruner.plan()
        // Embeddings leave with their index members: the script path. The second batch of
        // scripts runs, then the pruner fails before reading their replies.
        struct RepliesLost: Error {}
        var batches = 0
        var lost: [[UInt8]] = []
        pruner.afterSendingScripts = { keys in
            guard !keys.isEmpty else { return }
            batches += 1
            guard batches == 2 else { return }
            var waited = 0
            while try keys.contains(where: { try other.command([b("EXISTS"), $0]).integer == 1 }), waited < 500 {
                usleep(10_000)
                waited += 1
            }
            lost = keys
            throw RepliesLost()
        }
        let path = journalPath(server)
        let journal = try PruneJournal(creating: path)
        #expect(throws: RepliesLost.self) { try pruner.apply(plan, journal: journal) }
        try journal.close()
        #expect(plan.count > 2 * options.count && !lost.isEmpty)
        // The scripts did run: their keys are gone, and each is in the journal all the same.
        let journalled = Set(try journalledKeys(path))
        for key in lost {
            #expect(try other.command([b("EXISTS"), key]).integer == 0)
            #expect(journalled.contains(key), "\(KeyText.escaped(key)) was removed but is not in the journal")
        }
        // Undo brings back every key and index member: the database is as it was. (On another
        // connection: the pruner's still has the unread replies.)
        let undo = try PruneJournal.undo(path: path, into: other)
        #expect(undo.errors.isEmpty)
        #expect(try snapshot(other) == before)
    }

    @Test("a script failing mid-batch: the scripts after it ran too, and what they removed is journalled")
    func scriptErrorMidBatch() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        try redis.command("SET", "thing:1", "one")
        try redis.command("SET", "thing:2", "two")
        try redis.command("ZADD", "things", "1", "thing:1", "1", "thing:2")
        try redis.command("SET", "not-a-zset", "x")
        func remove(_ key: String) throws -> PruneAction {
            let payload = try #require(try redis.command([b("DUMP"), b(key)]).bytes)
            return .key(key: b(key), digest: Pruner.sha1(payload), expireAtMs: -1, memory: 0, index: [IndexMember(key: b("things"), member: b(key), score: b("1"))])
        }
        // The middle action's script fails: ZSCORE on a string is WRONGTYPE.
        let failing = PruneAction.member(DanglingMember(reference: 0, index: b("not-a-zset"), member: b("m"), field: nil, score: b("1"), target: b("missing")), via: .zsetMembers)
        let actions = [try remove("thing:1"), failing, try remove("thing:2")]
        let path = journalPath(server)
        let journal = try PruneJournal(creating: path)
        #expect(throws: PruneError.self) { try Pruner(connection: redis, options: PruneOptions()).apply(actions, journal: journal) }
        try journal.close()
        #expect(try redis.command("EXISTS", "thing:1", "thing:2").integer == 0)
        let journalled = Set(try journalledKeys(path).map { KeyText.escaped($0) })
        #expect(journalled == ["thing:1", "thing:2"])
        let undo = try PruneJournal.undo(path: path, into: redis)
        #expect(undo.keysRestored == 2 && undo.errors.isEmpty)
        #expect(try redis.command("GET", "thing:2").string == "two")
        #expect(try redis.command("ZCARD", "things").integer == 2)
    }

    @Test("--expired-policy --fix-ttl gives missing TTLs the policy's bound, and undo takes them back")
    func fixTTL() throws {
        let server = try RedisServerProcess()
        let redis = try connect(server)
        let gen = try SampleDataGenerator(auditSpec(SampleDataFaults([.sessionWithoutTTL: 2, .cacheWithoutTTL: 2]), nodes: 0))
        _ = try SampleDataLoader.load(gen, into: redis)
        let before = try snapshot(redis)
        var options = PruneOptions()
        options.expiredPolicy = true
        options.fixTTL = true
        let pruner = Pruner(connection: redis, options: options)
        let path = journalPath(server)
        let journal = try PruneJournal(creating: path)
        let result = try pruner.apply(try pruner.plan(), journal: journal)
        try journal.close()
        #expect(result.ttlsChanged == 4)
        for f in gen.faults where f.kind == .sessionWithoutTTL {
            let ttl = try redis.command([b("TTL"), f.key]).integer ?? -1
            #expect(ttl > 604_000 && ttl <= 604_800)
        }
        #expect(try LiveAudit(connection: redis).run().diagnostics.isEmpty)
        _ = try PruneJournal.undo(path: path, into: redis)
        #expect(try snapshot(redis) == before)
    }
}

@Suite("Prune streams")
struct PruneStreamTests {
    @Test("--trim-streams: MAXLEN ~ to the policy, exact MINID for the retention")
    func trim() throws {
        let server = try RedisServerProcess()
        let redis = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        _ = try redis.pipeline((1...5).map { [b("XADD"), b("events:log"), b("\($0)000-0"), b("type"), b("old")] })
        _ = try redis.pipeline([[b("XADD"), b("events:log"), b("*"), b("type"), b("new")]])
        _ = try redis.pipeline((0..<1_000).map { [b("XADD"), b("learning:queue"), b("*"), b("n"), b("\($0)")] })
        var schema = Schema.seed
        let queue = schema.patterns.firstIndex { $0.pattern == "learning:queue" }!
        schema.patterns[queue].stream?.maxLength = 300
        schema.patterns[queue].stream?.slack = 100
        var options = PruneOptions()
        options.trimStreams = true
        let pruner = Pruner(connection: redis, schema: schema, options: options)
        let result = try pruner.apply(try pruner.plan(), journal: nil)
        #expect(try redis.command("XLEN", "events:log").integer == 1)
        let length = try redis.command("XLEN", "learning:queue").integer ?? 0
        #expect(length >= 300 && length <= 400)
        #expect(result.entriesTrimmed == 5 + 1_000 - Int(length))
    }
}

@Suite("Prune journal")
struct PruneJournalTests {
    /// A directory of its own for one test's journals.
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a cancelled record is never read back, in a later batch or the same one; a journal stopped before any removal is valid and empty")
    func cancelledRecords() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("j.zst").path
        let journal = try PruneJournal(creating: path)
        #expect(try PruneJournal.read(path: path).isEmpty, "the header is on disk from the start")
        let kept = journal.append(.setMember(key: b("s"), member: b("kept")))
        let first = journal.append(.setMember(key: b("s"), member: b("removed")))
        try journal.flush()
        let second = journal.append(.ttl(key: b("t"), expireAtMs: 5))
        journal.cancel(kept)
        journal.cancel(second)
        journal.append(.ttl(key: b("t"), expireAtMs: 6))
        try journal.close()
        #expect((kept, first, second) == (0, 1, 2))
        #expect(try PruneJournal.read(path: path) == [.setMember(key: b("s"), member: b("removed")), .ttl(key: b("t"), expireAtMs: 6)])
        let contents = try readSmallFile(path)
        var inMemory: [JournalRecord] = []
        try PruneJournal.forEach(contents: contents, name: "j") { inMemory.append($0) }
        #expect(inMemory == (try PruneJournal.read(path: path)))
    }

    @Test("records of every kind round-trip across batches; a cut last frame is left out; foreign files are refused")
    func roundTrip() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("j.zst").path
        let big = [UInt8]((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let records: [JournalRecord] = [
            .key(key: [0xff, 0x00, 0x3a], expireAtMs: 1_800_000_000_123, payload: big),
            .zsetMember(key: b("sessions:recent"), member: b("abc"), score: b("1769943600")),
            .setMember(key: b("nodes:active"), member: b("dell")),
            .hashField(key: b("models:active"), field: b("dell"), value: b("llama")),
            .ttl(key: b("session:1"), expireAtMs: -1),
            .key(key: b("k"), expireAtMs: -1, payload: []),
        ]
        let journal = try PruneJournal(creating: path)
        for (n, r) in records.enumerated() {
            journal.append(r)
            if n % 2 == 0 { try journal.flush() }
        }
        try journal.close()
        #expect(try PruneJournal.read(path: path) == records)
        #expect(throws: JournalError.self) { _ = try PruneJournal(creating: path) }

        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = dir.appendingPathComponent("cut.zst").path
        try data.prefix(data.count - 7).write(to: URL(fileURLWithPath: cut))
        // A prune stopped while it wrote a frame: the frames before it are read whole (the cut
        // frame's commands were never sent; it is synced before they are).
        let kept = try PruneJournal.read(path: cut)
        #expect(kept.count >= 5 && Array(records.prefix(kept.count)) == kept, "\(kept.count) records")
        let foreign = dir.appendingPathComponent("foreign.zst").path
        let z = try ZstdCompressor()
        var frame: [UInt8] = []
        try Array("hello, not a journal at all".utf8).withUnsafeBytes { raw in try z.compress(raw) { frame.append(contentsOf: $0) } }
        try z.finish { frame.append(contentsOf: $0) }
        try Data(frame).write(to: URL(fileURLWithPath: foreign))
        #expect(throws: JournalError.self) { _ = try PruneJournal.read(path: foreign) }
    }
}
