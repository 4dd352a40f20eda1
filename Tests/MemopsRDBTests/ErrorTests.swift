import Foundation
import Testing
@testable import MemopsRDB

@Suite struct ErrorTests {
    func failure(_ bytes: [UInt8]) -> RDBError? {
        do {
            _ = try Model.read(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func corruptZiplistNamesKeyDatabaseAndOffset() throws {
        let error = try #require(failure(try Corpus.bytes("redis-tests-assets/corrupt_ziplist.rdb")))
        #expect(error.db == 0)
        #expect(error.key != nil)
        // redis-check-rdb stops at offset 494, after reading the 5-byte blob; memops names where
        // the blob starts: its length byte, 6 bytes earlier.
        #expect(error.offset == 494 - 6)
        #expect(error.kind == .corrupt(structure: "ziplist", detail: "5 bytes is shorter than a ziplist header and terminator"))
        #expect(error.description.hasPrefix("corrupt ziplist in key '"))
        #expect(error.description.contains("(db 0) at byte \(error.offset): "))
    }

    @Test func listpackCountMismatchIsExplained() throws {
        var bytes = try Corpus.bytes("generated-7.0/all_types_7.0_nocompress_nochecksum.rdb")
        let key = try #require(try Model.read(bytes).key("hash:small", db: 0))
        // The value is a short string: one length byte, then the listpack; its element count is
        // the 16-bit field after the 32-bit total size (listpack.c).
        let countAt = key.info.valueOffset + 1 + 4
        #expect(bytes[countAt] == 8)
        bytes[countAt] = 10
        let error = try #require(failure(bytes))
        #expect(error.kind == .corrupt(structure: "listpack", detail: "header says 10 entries but there are 8"))
        #expect(error.description == "corrupt listpack in key 'hash:small' (db 0) at byte \(key.info.valueOffset): header says 10 entries but there are 8")
    }

    @Test func truncationInsideAKey() throws {
        let bytes = try Corpus.bytes("generated-7.0/all_types_7.0.rdb")
        let key = try #require(try Model.read(bytes).key("list:big", db: 0))
        let error = try #require(failure(Array(bytes[..<(key.info.valueOffset + 100)])))
        #expect(error.kind == .truncated)
        #expect(error.key == Array("list:big".utf8) && error.db == 0)
        #expect(error.offset == key.info.valueOffset + 100)
        #expect(error.description.hasPrefix("truncated RDB file in key 'list:big' (db 0) at byte "))
        for cut in [0, 5, 9, 10, bytes.count - 8, bytes.count - 1] {
            #expect(failure(Array(bytes[..<cut])) != nil, "cut at \(cut)")
        }
    }

    @Test func flippedValueByteFailsTheChecksum() throws {
        var bytes = try Corpus.bytes("generated-7.0/all_types_7.0.rdb")
        let key = try #require(try Model.read(bytes).key("str:short", db: 0))
        bytes[key.info.valueOffset + 1] ^= 0x20
        let error = try #require(failure(bytes))
        guard case .checksumMismatch(let stored, let computed) = error.kind else {
            Issue.record("wrong error \(error)")
            return
        }
        #expect(stored != computed)
        #expect(error.offset == bytes.count - 8)
    }

    @Test func futureVersionIsNamed() throws {
        let error = try #require(failure(try Corpus.bytes("librdb-test-dumps/future_v19.rdb")))
        #expect(error.description.contains("RDB version 99"))
        #expect(failure(Array("REDIS".utf8))?.kind == .header(.truncated(5)))
        #expect(failure([])?.kind == .header(.truncated(0)))
        let valkey = try #require(failure(Array("VALKEY081".utf8) + [0xFF]))
        #expect(valkey.kind == .header(.unsupportedVersion(.valkey, 81)))
    }

    @Test func unknownTypeNamesTheByte() throws {
        // REDIS0010, SELECTDB 0, type 8 (never assigned), a key.
        let error = try #require(failure(Array("REDIS0010".utf8) + [0xFE, 0x00, 0x08, 0x01, 0x61]))
        #expect(error.kind == .unknownType(8))
        #expect(error.offset == 11 && error.db == 0)
        // Types 23-25 are Redis's; in a Valkey file they are unknown.
        let valkey = try #require(failure(Array("VALKEY080".utf8) + [0x19, 0x01, 0x61]))
        #expect(valkey.kind == .unknownType(25))
    }

    @Test func duplicateListpackMemberIsCorrupt() throws {
        var bytes = try Corpus.bytes("librdb-test-dumps/set_lp_v11.rdb")
        let key = try #require(try Model.read(bytes).keys.first)
        // Listpack entry "b": encoding 0x81 (6-bit string of length 1), the byte, back-length 2.
        let at = try #require((key.info.valueOffset..<bytes.count - 3).first { bytes[$0] == 0x81 && bytes[$0 + 1] == UInt8(ascii: "b") && bytes[$0 + 2] == 2 })
        bytes[at + 1] = UInt8(ascii: "a")
        let error = try #require(failure(bytes))
        #expect(error.kind == .corrupt(structure: "listpack", detail: "duplicate set member 'a'"))
    }

    @Test func trailingBytesAreCounted() throws {
        for (file, trailing) in [("redis-tests-assets/rdb-preamble.aof", 52), ("rdbtools-tests-dumps/redis_40_with_module.rdb", 40),
                                 ("generated-7.0/all_types_7.0.rdb", 0)] {
            let reader = RDBReader(MemorySource(try Corpus.bytes(file)))
            var m = Model()
            try reader.read(into: &m)
            #expect(try reader.countTrailingBytes() == trailing, "\(file), as its MANIFEST.txt says")
        }
    }

    /// Redis 7.0 RC FUNCTION DUMP output, from the FUNCTION DUMP page of redis-doc at the time:
    /// RDB_OPCODE_FUNCTION_PRE_GA (246), name, engine, no description, LZF code; version 10, CRC.
    @Test func preGAFunctionRecord() throws {
        let payload = hexBytes("f6056d796c6962034c554100c34044404a1a72656469732e72656769737465725f66756e6374696f6e28276d79400b02272c2040066012116b6579732c2061726773292072657475726e600c075b315d20656e64290a00400a2911c87c9be4")
        let record = Array(payload.dropLast(10))
        #expect(DumpPayloadBuilder.functionPayload(records: [record], rdbVersion: 10) == payload)
        let m = try Model.read(Array("REDIS0010".utf8) + record + [0xFF] + Array(repeating: 0, count: 8))
        #expect(m.functionRecords == [record])
        #expect(m.functions.first?.text.hasPrefix("redis.register_function('my") == true)
    }
}
