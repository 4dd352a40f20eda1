import Foundation
import Testing
@testable import MemopsRDB

/// ../shared/rdb-corpus beside the package (CI has shared/ next to the clone).
func corpus(_ relative: String) throws -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let url = root.deletingLastPathComponent().appendingPathComponent("shared/rdb-corpus").appendingPathComponent(relative)
    return try [UInt8](Data(contentsOf: url))
}

@Suite struct ShallowCheckTests {
    func check(_ bytes: [UInt8], chunk: Int = 4096) throws -> ShallowCheck.Result {
        var c = ShallowCheck()
        var i = 0
        while i < bytes.count {
            c.consume(Array(bytes[i..<min(bytes.count, i + chunk)]))
            i += chunk
        }
        return try c.finish()
    }

    @Test(arguments: [1, 3, 8, 9, 4096])
    func acceptsAValidFileInAnyChunking(chunk: Int) throws {
        let bytes = try corpus("generated-7.0/all_types_7.0.rdb")
        let result = try check(bytes, chunk: chunk)
        #expect(result.header == RDBHeader(flavor: .redis, version: 10))
        #expect(result.byteCount == UInt64(bytes.count))
        #expect(result.checksum == CRC64.checksum(bytes.dropLast(8)))
    }

    @Test func reportsADisabledChecksum() throws {
        let result = try check(corpus("generated-7.0/all_types_7.0_nocompress_nochecksum.rdb"))
        #expect(result.checksumDisabled && result.checksum == nil)
    }

    @Test func refusesAFlippedByte() throws {
        var bytes = try corpus("generated-7.0/all_types_7.0.rdb")
        bytes[5000] ^= 1
        #expect(throws: ShallowCheckError.self) { try check(bytes) }
    }

    @Test(arguments: [1, 8, 9, 100, 50_000])
    func refusesATruncatedFile(cut: Int) throws {
        let bytes = try corpus("generated-7.0/all_types_7.0.rdb")
        #expect(throws: ShallowCheckError.self) { try check(Array(bytes.dropLast(cut))) }
    }

    @Test func refusesTheCorpusBadChecksumAndFutureVersion() throws {
        #expect(throws: ShallowCheckError.self) { try check(corpus("librdb-test-dumps/invalid_chksum_v8.rdb")) }
        // librdb's "future" file claims a version far past what memops reads: named, refused.
        do {
            _ = try check(corpus("librdb-test-dumps/future_v19.rdb"))
            Issue.record("a future RDB version was accepted")
        } catch {
            guard case .header(.unsupportedVersion(.redis, let v))? = error as? ShallowCheckError, v > RDBHeader.newestRedisVersion else {
                Issue.record("expected unsupportedVersion, got \(error)")
                return
            }
        }
    }
}
