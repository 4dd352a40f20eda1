import Foundation
import Testing
@testable import MemopsRDB

/// Records each key's summary under a fixed delivery, and the raw bytes when asked for.
struct DeliveryProbe: RDBVisitor {
    let delivery: RDBDelivery
    var summaries: [(key: [UInt8], elements: Int, valueBytes: Int, encoding: RDBEncoding)] = []
    var rawLengths: [Int] = []
    var raw = 0
    mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery {
        raw = 0
        return delivery
    }
    mutating func rawValue(_ info: RDBKeyInfo, _ bytes: [UInt8]) { raw += bytes.count }
    mutating func endKey(_ info: RDBKeyInfo, _ s: RDBKeySummary) {
        summaries.append((info.key, s.elementCount, s.valueBytes, s.encoding))
        rawLengths.append(raw)
    }
}

@Suite struct SummaryTests {
    /// Whatever a visitor asks for, the reader reads the same keys the same way; raw bytes
    /// cover exactly the value.
    @Test func deliveriesAgree() throws {
        for file in try Corpus.allFiles() where negativeFiles[file] == nil {
            let bytes = try Corpus.bytes(file)
            var results: [DeliveryProbe] = []
            for d in [RDBDelivery.elements, .summary, .raw, .elementsAndRaw] {
                var p = DeliveryProbe(delivery: d)
                try RDBReader(MemorySource(bytes)).read(into: &p)
                results.append(p)
            }
            let reference = results[0].summaries.map { "\($0.key)|\($0.elements)|\($0.valueBytes)|\($0.encoding)" }
            for r in results.dropFirst() {
                #expect(r.summaries.map { "\($0.key)|\($0.elements)|\($0.valueBytes)|\($0.encoding)" } == reference, "\(file): \(r.delivery)")
            }
            #expect(results[2].rawLengths == results[2].summaries.map(\.valueBytes), "\(file): raw bytes")
            #expect(results[3].rawLengths == results[3].summaries.map(\.valueBytes), "\(file): raw bytes")
        }
    }

    /// A 16-byte buffer makes every primitive cross a refill: same keys, same values, same raw
    /// bytes, same checksum verdict as with the default buffer.
    @Test func tinyBufferReadsTheSame() throws {
        for file in try Corpus.allFiles() where negativeFiles[file] == nil {
            let bytes = try Corpus.bytes(file)
            var big = Model()
            let bigStatus = try RDBReader(MemorySource(bytes)).read(into: &big)
            var small = Model()
            let smallStatus = try RDBReader(MemorySource(bytes), bufferSize: 16).read(into: &small)
            #expect(bigStatus == smallStatus, "\(file)")
            #expect(big.keys.count == small.keys.count, "\(file)")
            for (a, b) in zip(big.keys, small.keys) {
                #expect(a.info.key == b.info.key && a.value == b.value && a.summary?.valueBytes == b.summary?.valueBytes, "\(file)")
            }
            var rawBig = DumpPayloadCollector()
            try RDBReader(MemorySource(bytes)).read(into: &rawBig)
            var rawSmall = DumpPayloadCollector()
            try RDBReader(MemorySource(bytes), bufferSize: 16).read(into: &rawSmall)
            #expect(rawBig.payloads.map(\.payload) == rawSmall.payloads.map(\.payload), "\(file)")
            #expect(rawBig.functionPayload == rawSmall.functionPayload, "\(file)")
        }
    }

    @Test func generated70Summary() throws {
        let bytes = try Corpus.bytes("generated-7.0/all_types_7.0.rdb")
        let model = try Model.read(bytes)
        // "Already expired" is judged now, as redis-check-rdb does; the key's deadline passed at
        // SAVE time (the aux ctime has only second precision, so it cannot be the reference).
        let s = try RDBSummary.read(MemorySource(bytes), now: Int64(Date().timeIntervalSince1970 * 1000), top: 5)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try Corpus.bytes("generated-7.0/expected_all_types_7.0.json"))) as? [String: Any])
        let dbs = try #require(json["dbs"] as? [String: [String: Any]])
        #expect(s.databases.count == dbs.count)
        for (db, e) in dbs {
            let got = try #require(s.databases[Int(db)!])
            #expect(got.keys == e["dbsize"] as? Int, "db \(db) keys")
            #expect((got.keysByType as NSDictionary) == (e["by_type"] as? NSDictionary), "db \(db) by type")
            let keys = e["keys"] as? [[String: Any]] ?? []
            #expect(got.expires == keys.filter { $0["pexpireat_ms"] is Int }.count, "db \(db) expires")
            #expect(got.alreadyExpired == keys.filter { $0["already_expired_in_rdb"] as? Bool == true }.count, "db \(db) already expired")
            var encodings: [String: Int] = [:]
            for k in keys { if let enc = k["encoding"] as? String { encodings[enc, default: 0] += 1 } }
            #expect(got.keysByEncoding == encodings, "db \(db) by encoding")
        }
        #expect(s.totalKeys == 55 && s.totalExpires == 9 && s.totalAlreadyExpired == 1, "redis-check-rdb's counts in MANIFEST.txt")
        #expect(s.functions.map(\.name).sorted() == ["mylib", "mylib2"])
        #expect(s.functions.allSatisfy { $0.engine == "lua" })
        #expect(s.checksum == "verified" && s.fileBytes == bytes.count)
        #expect(s.aux.contains(["redis-ver", "7.0.15"]))
        let sizes = model.keys.compactMap { $0.summary?.recordBytes }.sorted(by: >)
        #expect(s.biggestKeys.map(\.bytes) == Array(sizes.prefix(5)))
        #expect(s.biggestKeys.count == 5)
        let encoded = try JSONEncoder().encode(s)
        #expect(encoded.count > 100)
    }

    @Test func modulesAreNamed() throws {
        let s = try RDBSummary.read(MemorySource(try Corpus.bytes("rdbtools-tests-dumps/redis_40_with_module.rdb")), now: 0)
        #expect(s.modules == ["ReJSON-RL"])
        let aux = try RDBSummary.read(MemorySource(try Corpus.bytes("librdb-test-dumps/module_aux_v12.rdb")), now: 0)
        #expect(!aux.modules.isEmpty)
    }
}
