import Testing
@testable import MemopsRDB

@Suite struct CRC64Tests {
    @Test func checkValueMatchesRedis() {
        // redis src/crc64.c: crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca
        #expect(CRC64.checksum(Array("123456789".utf8)) == 0xe9c6_d914_c4b8_d9ca)
    }

    @Test(arguments: [0, 1, 7, 8, 9, 15, 16, 17, 1000])
    func incrementalEqualsOneShot(split: Int) {
        let data = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var crc = CRC64()
        crc.update(data[..<split])
        crc.update(data[split...])
        #expect(crc.value == CRC64.checksum(data))
        #expect(crc.value == bitwise(data))
    }

    /// Lengths around the folding loops' edges (ISA-L folds 128 bytes a round after a 256-byte
    /// minimum, and finishes short tails byte by byte), from 0 and non-zero running values,
    /// against the bit-at-a-time reference.
    @Test(arguments: [15, 16, 127, 128, 255, 256, 257, 3 * 4096 + 1, 50_000, 100_003])
    func longInputsMatchTheReference(length: Int) {
        var x: UInt64 = 0x1234_5678_9abc_def1 &+ UInt64(length)
        let data = (0..<length).map { _ -> UInt8 in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            return UInt8(truncatingIfNeeded: x)
        }
        #expect(CRC64.checksum(data) == bitwise(data))
        // From a non-zero running value too (a file's CRC continues across refills).
        var crc = CRC64()
        crc.update(data[..<5])
        crc.update(data[5...])
        #expect(crc.value == bitwise(data))
    }

    /// Joining two CRCs computed apart gives the CRC of the whole, for any second length.
    @Test(arguments: [0, 1, 7, 100, 4096, 65_537])
    func combineMatchesOneShot(secondLength: Int) {
        let a = (0..<333).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let b = (0..<secondLength).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        let joined = CRC64.combine(CRC64.checksum(a), CRC64.checksum(b), zeroBytes: CRC64.zeroBytesTable(secondLength))
        #expect(joined == bitwise(a + b))
    }

    /// The textbook one-bit-at-a-time algorithm, as the reference for the library's.
    func bitwise(_ data: [UInt8]) -> UInt64 {
        var crc: UInt64 = 0
        for byte in data {
            crc ^= UInt64(byte)
            for _ in 0..<8 { crc = (crc & 1) == 1 ? (crc >> 1) ^ 0x95ac_9329_ac4b_c9b5 : crc >> 1 }
        }
        return crc
    }
}

@Suite struct RDBHeaderTests {
    @Test func parsesRedisAndValkey() throws {
        #expect(try RDBHeader(bytes: Array("REDIS0011".utf8)) == RDBHeader(flavor: .redis, version: 11))
        #expect(try RDBHeader(bytes: Array("VALKEY080".utf8)) == RDBHeader(flavor: .valkey, version: 80))
        #expect(RDBHeader(flavor: .redis, version: 9).text == "REDIS0009")
    }

    @Test func refusesFutureAndGarbage() {
        #expect(throws: RDBHeaderError.unsupportedVersion(.redis, 19)) { try RDBHeader(bytes: Array("REDIS0019".utf8)) }
        #expect(throws: RDBHeaderError.truncated(4)) { try RDBHeader(bytes: Array("REDI".utf8)) }
        #expect(throws: RDBHeaderError.self) { try RDBHeader(bytes: Array("HTTP/1.1 ".utf8)) }
    }
}
