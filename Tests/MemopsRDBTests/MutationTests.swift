import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsRDB

/// Reads mutated copies of corpus files: the reader must either succeed or throw an RDBError
/// (typed throws guarantee nothing else escapes), never crash, hang or allocate without bound.
@Suite struct MutationTests {
    static let seeds: [String] = [
        "generated-7.0/all_types_7.0.rdb", "librdb-test-dumps/stream_v11.rdb", "librdb-test-dumps/hash_lp_with_hexpire_v12.rdb",
        "librdb-test-dumps/hash_with_expire_v12.rdb", "librdb-test-dumps/module_aux_v12.rdb", "librdb-test-dumps/function2.rdb",
        "librdb-test-dumps/cluster_slot_info.rdb", "rdbtools-tests-dumps/redis_50_with_streams.rdb",
        "rdbtools-tests-dumps/parser_filters.rdb", "redis-tests-assets/encodings.rdb", "rdbtools-tests-dumps/ziplist_with_integers.rdb",
        "rdbtools-tests-dumps/zipmap_with_big_values.rdb", "librdb-test-dumps/set_lp_v11.rdb", "librdb-test-dumps/zset_lp_v11.rdb",
        "redis-tests-assets/list-quicklist.rdb", "rdbtools-tests-dumps/redis_40_with_module.rdb", "librdb-test-dumps/plain_zset_v6.rdb",
    ]

    @Test(arguments: seeds)
    func mutatedFilesNeverCrash(file: String) throws {
        let original = try Corpus.bytes(file)
        var rng = SeededRandom(state: 0x5EED_0000 &+ UInt64(file.utf8.count))
        // Big files get fewer mutations so the suite stays fast in debug builds.
        let rounds = original.count > 50_000 ? 150 : 400
        var failures = 0
        for _ in 0..<rounds {
            var m = original
            switch rng.next() % 5 {
            case 0:  // flip bits in a few bytes
                for _ in 0..<(1 + rng.next() % 4) {
                    m[Int(rng.next() % UInt64(m.count))] ^= UInt8(1 << (rng.next() % 8))
                }
            case 1:  // truncate
                m.removeLast(1 + Int(rng.next() % UInt64(m.count - 1)))
            case 2:  // overwrite a byte with an interesting value (length markers, opcodes)
                let values: [UInt8] = [0x00, 0x3F, 0x40, 0x7F, 0x80, 0x81, 0xBF, 0xC0, 0xC3, 0xF0, 0xF5, 0xFE, 0xFF]
                m[9 + Int(rng.next() % UInt64(m.count - 9))] = values[Int(rng.next() % UInt64(values.count))]
            case 3:  // insert random bytes
                let at = Int(rng.next() % UInt64(m.count))
                m.insert(contentsOf: (0..<(1 + rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            default:  // duplicate a range
                let a = Int(rng.next() % UInt64(m.count))
                let b = min(m.count, a + 1 + Int(rng.next() % 64))
                m.insert(contentsOf: m[a..<b], at: b)
            }
            do {
                _ = try Model.read(m)
            } catch {
                failures += 1
                #expect(!error.description.isEmpty)
            }
        }
        // Nearly every mutation of a checksummed file must be caught (by structure or CRC).
        if original.count > 200 { #expect(failures > rounds / 2, "\(file): only \(failures) of \(rounds) mutations detected") }
    }

    /// The checksum off and the CRC unable to help: structure checks alone must hold.
    @Test func mutationsWithoutChecksum() throws {
        let original = try Corpus.bytes("generated-7.0/all_types_7.0_nocompress_nochecksum.rdb")
        var rng = SeededRandom(state: 42)
        for _ in 0..<200 {
            var m = original
            for _ in 0..<(1 + rng.next() % 3) {
                m[9 + Int(rng.next() % UInt64(m.count - 9))] = UInt8(truncatingIfNeeded: rng.next())
            }
            _ = try? Model.read(m)
        }
    }
}
