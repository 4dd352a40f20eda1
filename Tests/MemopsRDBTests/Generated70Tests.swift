import Foundation
import Testing
@testable import MemopsRDB

/// Decodes the generator's b2j form: UTF-8 text, or {"hex": "…"}.
func b2jBytes(_ any: Any?) -> [UInt8]? {
    if let s = any as? String { return Array(s.utf8) }
    if let d = any as? [String: Any], let h = d["hex"] as? String { return hexBytes(h) }
    return nil
}

func hexBytes(_ h: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = h.utf8.makeIterator()
    func nibble(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
    while let a = it.next(), let b = it.next() { out.append(nibble(a) << 4 | nibble(b)) }
    return out
}

func hexString(_ b: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    var s = ""
    for x in b { s.append(digits[Int(x >> 4)]); s.append(digits[Int(x & 15)]) }
    return s
}

func streamID(_ s: String) -> StreamID? {
    let parts = s.split(separator: "-")
    guard parts.count == 2, let a = UInt64(parts[0]), let b = UInt64(parts[1]) else { return nil }
    return StreamID(ms: a, seq: b)
}

extension Array where Element == [UInt8] {
    func sortedBytes() -> [[UInt8]] { sorted { $0.lexicographicallyPrecedes($1) } }
}

/// Checks one key of expected_all_types_7.0.json against what the reader found.
func checkGenerated(_ e: [String: Any], _ k: Model.Key, file: String) {
    let name = "\(file) key \(k.info.keyText)"
    #expect(Int(k.info.typeCode) == e["rdb_type_code"] as? Int, "\(name): type code")
    #expect(k.info.expireAtMs.map { Int($0) } == e["pexpireat_ms"] as? Int, "\(name): expiry")
    if let len = e["len"] as? Int { #expect(k.summary?.elementCount == len, "\(name): length") }
    if let enc = e["encoding"] as? String { #expect(k.summary?.encoding.rawValue == enc, "\(name): encoding") }
    let value = e["value"]
    switch k.value {
    case .string(let s):
        if let d = value as? [String: Any], let len = d["len"] as? Int, let digest = d["sha256"] as? String {
            #expect(s.count == len && sha256Hex(s) == digest, "\(name): big string")
        } else {
            #expect(b2jBytes(value) == s, "\(name): string value")
        }
    case .list(let l):
        #expect(Bool((value as? [Any])?.compactMap(b2jBytes) == l), "\(name): list")
    case .set(let members):
        #expect(Bool((value as? [Any])?.compactMap(b2jBytes).sortedBytes() == members.sortedBytes()), "\(name): set")
    case .zset(let members):
        let expected = (value as? [[Any]] ?? []).map { ($0[0] as? String ?? "", Double($0[1] as? String ?? "") ?? .nan) }
        let got = members.map { ($0.member.text, $0.score) }
        #expect(expected.sorted { $0.0 < $1.0 }.map(\.0) == got.sorted { $0.0 < $1.0 }.map(\.0), "\(name): zset members")
        #expect(expected.sorted { $0.0 < $1.0 }.map(\.1) == got.sorted { $0.0 < $1.0 }.map(\.1), "\(name): zset scores")
    case .hash(let fields):
        var expected: [[UInt8]: [UInt8]] = [:]
        for (jsonField, v) in value as? [String: Any] ?? [:] {
            // The generator keys hashes by json.dumps(b2j(field)).
            let f = try? JSONSerialization.jsonObject(with: Data(jsonField.utf8), options: [.fragmentsAllowed])
            if let fb = b2jBytes(f), let vb = b2jBytes(v) { expected[fb] = vb }
        }
        var got: [[UInt8]: [UInt8]] = [:]
        for f in fields { got[f.field] = f.value }
        #expect(got == expected && fields.count == expected.count, "\(name): hash")
    case .stream(let s):
        guard let d = value as? [String: Any], let info = s.info else {
            Issue.record("\(name): no stream data")
            return
        }
        #expect(UInt64(d["length"] as? Int ?? -1) == info.length, "\(name): stream length")
        #expect(d["radix-tree-keys"] as? Int == info.listpackCount, "\(name): listpacks")
        #expect(streamID(d["last-generated-id"] as? String ?? "") == info.lastID, "\(name): last id")
        #expect(streamID(d["max-deleted-entry-id"] as? String ?? "") == info.maxDeletedID, "\(name): max deleted id")
        #expect((d["entries-added"] as? Int).map(UInt64.init) == info.entriesAdded, "\(name): entries added")
        let entries = (d["entries"] as? [[Any]] ?? []).map { e in
            (streamID(e[0] as? String ?? ""), (e[1] as? [Any] ?? []).compactMap(b2jBytes))
        }
        #expect(Bool(entries.map(\.0) == s.entries.map { Optional($0.0) }), "\(name): entry ids")
        #expect(Bool(entries.map(\.1) == s.entries.map(\.1)), "\(name): entry fields")
        let groups = d["groups"] as? [[String: Any]] ?? []
        #expect(groups.count == s.groups.count, "\(name): groups")
        for (g, got) in zip(groups, s.groups) {
            #expect(b2jBytes(g["name"]) == got.group.name, "\(name): group name")
            #expect(streamID(g["last-delivered-id"] as? String ?? "") == got.group.lastDeliveredID, "\(name): group last id")
            #expect((g["entries-read"] as? Int).map(UInt64.init) == got.group.entriesRead, "\(name): entries read")
            #expect(g["pel-count"] as? Int == got.group.pendingCount, "\(name): pel count")
            #expect((g["pel_ids"] as? [String] ?? []).compactMap(streamID) == got.pending, "\(name): pel ids")
            let consumers = g["consumers"] as? [[String: Any]] ?? []
            #expect(consumers.compactMap { b2jBytes($0["name"]) } == got.consumers.map(\.0.name), "\(name): consumers")
            #expect(consumers.compactMap { $0["pel-count"] as? Int } == got.consumers.map(\.0.pendingCount), "\(name): consumer pel")
            #expect(got.consumers.map(\.1.count) == got.consumers.map(\.0.pendingCount), "\(name): consumer pel ids")
        }
    case .module:
        Issue.record("\(name): unexpected module value")
    }
}

@Suite struct Generated70Tests {
    let expected: [String: Any]

    init() throws {
        let d = try Corpus.bytes("generated-7.0/expected_all_types_7.0.json")
        expected = try #require(try JSONSerialization.jsonObject(with: Data(d)) as? [String: Any])
    }

    @Test(arguments: ["all_types_7.0.rdb", "all_types_7.0_lru.rdb", "all_types_7.0_lfu.rdb", "all_types_7.0_nocompress_nochecksum.rdb"])
    func everyKeyMatches(file: String) throws {
        let m = try Model.read(try Corpus.bytes("generated-7.0/" + file))
        let dbs = try #require(expected["dbs"] as? [String: [String: Any]], "expected_all_types_7.0.json is missing")
        let nocompress = file.contains("nocompress")
        var expectedCount = 0
        for (db, d) in dbs {
            for e in d["keys"] as? [[String: Any]] ?? [] {
                let key = try #require(b2jBytes(e["key"]))
                if nocompress && e["already_expired_in_rdb"] as? Bool == true {
                    #expect(!m.keys.contains { $0.info.key == key }, "the already-expired key was dropped on reload")
                    continue
                }
                expectedCount += 1
                guard let k = m.keys.first(where: { $0.info.key == key && $0.info.db == Int(db) }) else {
                    Issue.record("\(file): key \(RDBError.printable(key)) in db \(db) not found")
                    continue
                }
                checkGenerated(e, k, file: file)
                if file.contains("_lru") { #expect(k.info.lruIdle != nil) }
                if file.contains("_lfu") { #expect(k.info.lfuFreq != nil) }
            }
        }
        #expect(m.keys.count == expectedCount)
        #expect(m.checksum == (nocompress ? .disabled : m.checksum) && m.checksum != nil)
        if !nocompress, case .verified = m.checksum {} else if !nocompress { Issue.record("checksum not verified") }
        #expect(m.aux.first { $0.key.text == "redis-ver" }?.value.text == expected["redis_version"] as? String)
        let codes = (expected["functions"] as? [[String: Any]] ?? []).compactMap { $0["library_code"] as? String }
        #expect(m.functions.map(\.text).sorted() == codes.sorted())
        #expect(codes.count == 2)
    }

    @Test func dumpPayloadsMatchByteForByte() throws {
        let rdb = try Corpus.bytes("generated-7.0/all_types_7.0.rdb")
        var collector = DumpPayloadCollector()
        try RDBReader(MemorySource(rdb)).read(into: &collector)
        let lines = try Corpus.bytes("generated-7.0/dump_payloads_7.0.jsonl").split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 54)
        for line in lines {
            let j = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let key = try #require(b2jBytes(j["key"]))
            let db = try #require(j["db"] as? Int)
            let expected = hexBytes(try #require(j["payload_hex"] as? String))
            let got = collector.payloads.first { $0.key == key && $0.db == db }
            #expect(got?.payload == expected, "DUMP payload of \(RDBError.printable(key)) in db \(db)")
        }
        let functionHex = String(decoding: try Corpus.bytes("generated-7.0/function_dump_payload_7.0.hex"), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(collector.functionPayload.map(hexString) == functionHex)
    }

    @Test func emptyAndFunctionsOnly() throws {
        let empty = try Model.read(try Corpus.bytes("generated-7.0/empty_7.0.rdb"))
        #expect(empty.keys.isEmpty && empty.functions.isEmpty)
        if case .verified = empty.checksum {} else { Issue.record("empty_7.0.rdb checksum not verified") }
        let functions = try Model.read(try Corpus.bytes("generated-7.0/functions_only_7.0.rdb"))
        #expect(functions.keys.isEmpty)
        #expect(functions.functions.count == 1)
        #expect(functions.functions.first?.text.hasPrefix("#!lua name=onlylib") == true)
    }
}
