import Foundation
import Testing
@testable import MemopsRDB

/// The byte strings a JSON string may stand for: its UTF-8, or (rdb-rs writes binary as
/// \u00XX per byte) its scalars as bytes when all are below 256.
func candidates(_ s: String) -> [[UInt8]] {
    var out = [Array(s.utf8)]
    let scalars = s.unicodeScalars.map(\.value)
    if scalars.allSatisfy({ $0 < 256 }) {
        let latin = scalars.map { UInt8($0) }
        if latin != out[0] { out.append(latin) }
    }
    return out
}

func matches(_ bytes: [UInt8], _ any: Any?) -> Bool {
    guard let s = any as? String else { return false }
    return candidates(s).contains(bytes)
}

/// Compares a value from librdb's or rdb-rs's expected JSON with what the reader found;
/// returns a reason when they differ.
func mismatch(_ expected: Any, _ value: Model.Value) -> String? {
    switch value {
    case .string(let s):
        return matches(s, expected) ? nil : "string \(RDBError.printable(s)) vs \(expected)"
    case .list(let l):
        guard let e = expected as? [Any], e.count == l.count else { return "list length \(l.count) vs \(expected)" }
        for (a, b) in zip(l, e) where !matches(a, b) { return "list element \(RDBError.printable(a)) vs \(b)" }
        return nil
    case .set(let members):
        guard let e = expected as? [Any], e.count == members.count else { return "set size \(members.count)" }
        var pool = e
        for m in members {
            guard let i = pool.firstIndex(where: { matches(m, $0) }) else { return "set member \(RDBError.printable(m)) not expected" }
            pool.remove(at: i)
        }
        return nil
    case .zset(let members):
        guard let e = expected as? [String: Any], e.count == members.count else { return "zset size \(members.count)" }
        for m in members {
            guard let (_, score) = e.first(where: { candidates($0.key).contains(m.member) }) else {
                return "zset member \(RDBError.printable(m.member)) not expected"
            }
            guard let s = score as? String, let d = Double(s), d == m.score else { return "score of \(m.member.text): \(m.score) vs \(score)" }
        }
        return nil
    case .hash(let fields):
        guard let e = expected as? [String: Any], e.count == fields.count else { return "hash size \(fields.count) vs \(expected)" }
        for f in fields {
            guard let (_, v) = e.first(where: { candidates($0.key).contains(f.field) }) else {
                return "hash field \(RDBError.printable(f.field)) not expected"
            }
            if !matches(f.value, v) { return "hash value of \(RDBError.printable(f.field)): \(RDBError.printable(f.value)) vs \(v)" }
        }
        return nil
    case .stream(let s):
        guard let e = (expected as? [String: Any])?["entries"] as? [[String: Any]] else { return "no entries in \(expected)" }
        guard e.count == s.entries.count else { return "\(s.entries.count) stream entries vs \(e.count)" }
        for (x, got) in zip(e, s.entries) {
            guard x["id"] as? String == got.0.description else { return "entry id \(got.0) vs \(x["id"] ?? "")" }
            let items = x["items"] as? [String: Any] ?? [:]
            guard items.count * 2 == got.1.count else { return "fields of \(got.0)" }
            for i in stride(from: 0, to: got.1.count, by: 2) where !matches(got.1[i + 1], items[got.1[i].text]) {
                return "field \(got.1[i].text) of \(got.0)"
            }
        }
        return nil
    case .module(let name):
        return (expected as? String)?.contains("'\(name)'") == true ? nil : "module \(name) vs \(expected)"
    }
}

/// librdb's expected-output files are JSON fragments ("k": v, …) or a list of per-db objects.
func parseLibrdbJSON(_ bytes: [UInt8]) throws -> [[String: Any]] {
    let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    if text.hasPrefix("[") {
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    }
    if text.isEmpty { return [] }
    return [try #require(try JSONSerialization.jsonObject(with: Data(("{" + text + "}").utf8)) as? [String: Any])]
}

/// Which RDB file each librdb expected-data file describes (test/dumps naming in librdb).
let librdbPairs: [(json: String, rdb: String)] = [
    ("hash_data.json", "hash_v3.rdb"), ("plain_hash_data.json", "hash_v3.rdb"),
    ("hash_ex_v12_data.json", "hash_with_expire_v12.rdb"), ("hash_lp_ex_v12_data.json", "hash_lp_with_hexpire_v12.rdb"),
    ("hash_lp_v11_data.json", "hash_lp_v11.rdb"), ("hash_zl_v6_data.json", "hash_zl_v6.rdb"),
    ("hash_zm_v2_data.json", "hash_zm_v2.rdb"), ("module_data.json", "module.rdb"), ("module_aux_data.json", "module_aux.rdb"),
    ("multiple_dbs_data.json", "multiple_dbs.rdb"), ("multiple_lists_strings_data.json", "multiple_lists_strings.rdb"),
    ("plain_list_v6_data.json", "plain_list_v6.rdb"), ("plain_set_v6_data.json", "plain_set_v6.rdb"),
    ("plain_zset_2_v11_data.json", "plain_zset_2_v11.rdb"), ("plain_zset_v6_data.json", "plain_zset_v6.rdb"),
    ("quicklist_data.json", "quicklist.rdb"), ("set_is_v11_data.json", "set_is_v11.rdb"), ("set_lp_v11_data.json", "set_lp_v11.rdb"),
    ("single_key_data.json", "single_key.rdb"), ("single_list_data.json", "quicklist2_v11.rdb"), ("stream_data.json", "stream_v11.rdb"),
    ("string_int_encoded.json", "string_int_encoded.rdb"), ("ziplist_data.json", "ziplist_v3.rdb"),
    ("zset_lp_v11_data.json", "zset_lp_v11.rdb"), ("zset_zl_v6_data.json", "zset_zl_v6.rdb"), ("function2.json", "function2.rdb"),
    ("cluster_slot_info.json", "cluster_slot_info.rdb"), ("mem_policy_lfu.json", "mem_policy_lfu.rdb"),
    ("mem_policy_lru.json", "mem_policy_lru.rdb"), ("set_not_expired.json", "set_not_expired_v11.rdb"),
]

/// Compares every key of `dbs` (expected, one object per non-empty db in order) with the model.
func compareDatabases(_ dbs: [[String: Any]], _ m: Model, _ name: String, perDB: Bool) {
    let specials: Set<String> = ["__aux__", "__func__", "__dbsize__", "__slotinfo__"]
    var expectedKeys = 0
    let modelDBs = Array(Set(m.keys.map(\.info.db))).sorted()
    for (i, d) in dbs.enumerated() {
        for (key, value) in d where !specials.contains(key) {
            expectedKeys += 1
            let found = m.keys.filter { candidates(key).contains($0.info.key) && (!perDB || (i < modelDBs.count && $0.info.db == modelDBs[i])) }
            guard found.count == 1, let k = found.first else {
                Issue.record("\(name): key \(key) found \(found.count) times")
                continue
            }
            if let why = mismatch(value, k.value) { Issue.record("\(name): key \(key): \(why)") }
        }
        if let aux = d["__aux__"] as? [String: Any] {
            for (k, v) in aux {
                #expect(m.aux.contains { $0.key.text == k && matches($0.value, v) }, "\(name): aux \(k)")
            }
        }
        if let funcs = d["__func__"] as? [String: Any] {
            #expect(m.functions.map(\.text).sorted() == funcs.values.compactMap { $0 as? String }.sorted(), "\(name): functions")
        }
        if let slot = d["__slotinfo__"] as? [String: Any] {
            let s = m.slots.first
            #expect(s.map { Int($0.0) } == slot["slotId"] as? Int && s.map { Int($0.1) } == slot["slotSize"] as? Int
                    && s.map { Int($0.2) } == slot["slotSExpiresSize"] as? Int, "\(name): slot info")
        }
    }
    #expect(m.keys.count == expectedKeys, "\(name): \(m.keys.count) keys read, \(expectedKeys) expected")
}

@Suite struct ExpectedJSONTests {
    @Test(arguments: librdbPairs.map(\.json))
    func librdbKeysMatch(json: String) throws {
        let rdb = librdbPairs.first { $0.json == json }!.rdb
        let expected = try parseLibrdbJSON(try Corpus.bytes("librdb-test-dumps/" + json))
        let m = try Model.read(try Corpus.bytes("librdb-test-dumps/" + rdb))
        compareDatabases(expected, m, rdb, perDB: json == "multiple_dbs_data.json")
    }

    @Test func librdbSpecifics() throws {
        // Hash field TTLs: Redis 7.4 RC types 22 (absolute TTLs) and 23 (listpack with TTLs).
        for file in ["hash_with_expire_v12.rdb", "hash_lp_with_hexpire_v12.rdb"] {
            let m = try Model.read(try Corpus.bytes("librdb-test-dumps/" + file))
            guard case .hash(let fields) = m.keys.first?.value else { Issue.record("\(file): no hash"); continue }
            #expect(fields.contains { $0.expireAtMs != nil }, "\(file): field TTLs")
            #expect(fields.allSatisfy { ($0.expireAtMs ?? 1_700_000_000_000) > 1_600_000_000_000 }, "\(file): TTLs are absolute times")
        }
        let expired = try Model.read(try Corpus.bytes("librdb-test-dumps/set_expired_v11.rdb"))
        #expect(expired.keys.count == 1 && (expired.keys.first?.info.expireAtMs ?? .max) < 1_800_000_000_000)
        let lfu = try Model.read(try Corpus.bytes("librdb-test-dumps/mem_policy_lfu.rdb"))
        #expect(lfu.keys.first?.info.lfuFreq != nil)
        let lru = try Model.read(try Corpus.bytes("librdb-test-dumps/mem_policy_lru.rdb"))
        #expect(lru.keys.first?.info.lruIdle != nil)
        let module = try Model.read(try Corpus.bytes("librdb-test-dumps/module_aux_v12.rdb"))
        #expect(module.moduleAux.count == 2)
        #expect(module.keys.count == 1)
        let script = try Model.read(try Corpus.bytes("librdb-test-dumps/script.rdb"))
        #expect(script.checksum == .disabled)
        #expect(script.aux.contains { $0.key.text == "lua" })
    }

    @Test(arguments: (try? FileManager.default.contentsOfDirectory(atPath: Corpus.url("rdb-rs-tests-dumps/json").path).sorted()) ?? ["corpus-missing.json"])
    func rdbRsKeysMatch(json: String) throws {
        let rdb = json.replacingOccurrences(of: ".json", with: ".rdb")
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(try Corpus.bytes("rdb-rs-tests-dumps/json/" + json))) as? [[String: Any]])
        let m = try Model.read(try Corpus.bytes("rdb-rs-tests-dumps/" + rdb))
        if json == "keys_with_expiry.json" {
            // rdb-rs prints the expiry instead of the value: 2022-12-25 10:11:12.573 UTC.
            #expect(m.keys.first?.info.expireAtMs == 1_671_963_072_573)
            return
        }
        compareDatabases(expected, m, rdb, perDB: true)
    }
}
