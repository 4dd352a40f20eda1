import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsRDB

/// Reading ahead on a second thread (the CRC64 computed there, chunk by chunk) must read every
/// file exactly as the plain reader does: same keys and values, same checksum verdict, and for
/// damaged files the same error at the same offset. Small buffers and chunks make every chunk
/// boundary land inside values, headers and the trailer.
@Suite struct ReadAheadTests {
    /// The outcome of a read, comparable across readers.
    static func outcome(_ bytes: [UInt8], bufferSize: Int, readAheadChunk: Int?, crc: ReadAheadCRC = .adaptive) -> String {
        var m = Model()
        do {
            let reader = readAheadChunk.map { RDBReader(MemorySource(bytes), bufferSize: bufferSize, readAheadChunk: $0, crcPolicy: crc) }
                ?? RDBReader(MemorySource(bytes), bufferSize: bufferSize)
            let status = try reader.read(into: &m)
            let keys = m.keys.map { "\($0.info.key)|\(String(describing: $0.value))|\($0.summary?.valueBytes ?? -1)" }
            return "ok \(status) \(keys)"
        } catch {
            return "error \(error)"
        }
    }

    @Test func corpusReadsTheSame() throws {
        for file in try Corpus.allFiles() {
            let bytes = try Corpus.bytes(file)
            let reference = Self.outcome(bytes, bufferSize: 1 << 20, readAheadChunk: nil)
            for (buffer, chunk) in [(1 << 20, 1 << 20), (64, 16), (16, 64), (4096, 1000), (1 << 20, 7)] {
                for crc in [ReadAheadCRC.adaptive, .worker, .reader] {
                    #expect(Self.outcome(bytes, bufferSize: buffer, readAheadChunk: chunk, crc: crc) == reference,
                            "\(file) buffer \(buffer) chunk \(chunk) crc \(crc)")
                }
            }
        }
    }

    /// Damaged copies fail (or pass) identically, checksum mismatches included.
    @Test func damagedFilesFailTheSame() throws {
        var rng = SeededRandom(state: 0xA4EAD_5EED)
        for file in ["generated-7.0/all_types_7.0.rdb", "librdb-test-dumps/stream_v11.rdb", "redis-tests-assets/encodings.rdb",
                     "rdbtools-tests-dumps/redis_50_with_streams.rdb", "librdb-test-dumps/set_lp_v11.rdb"] {
            let original = try Corpus.bytes(file)
            var mismatches = 0
            for round in 0..<60 {
                var m = original
                switch round % 3 {
                case 0: m[9 + Int(rng.next() % UInt64(m.count - 9))] ^= UInt8(1 << (rng.next() % 8))
                case 1: m.removeLast(1 + Int(rng.next() % UInt64(m.count - 1)))
                default: m[m.count - 1 - Int(rng.next() % 8)] ^= 0x10  // the CRC trailer
                }
                let reference = Self.outcome(m, bufferSize: 1 << 20, readAheadChunk: nil)
                if reference.contains("CRC64") || reference.contains("checksum") { mismatches += 1 }
                for (buffer, chunk, crc) in [(64, 16, ReadAheadCRC.worker), (64, 100, .reader), (4096, 333, .adaptive)] {
                    #expect(Self.outcome(m, bufferSize: buffer, readAheadChunk: chunk, crc: crc) == reference, "\(file) round \(round) crc \(crc)")
                }
            }
            // RDB 4 files (encodings.rdb) have no checksum trailer.
            let hasChecksum = (Int(String(decoding: original[5..<9], as: UTF8.self)) ?? 0) >= 5
            #expect(!hasChecksum || mismatches > 0, "\(file): some damage must reach the checksum check")
        }
    }

    /// A source that fails mid-way: the error comes after the bytes before it, as without
    /// reading ahead.
    @Test func sourceErrorsArriveInOrder() throws {
        struct Failing: ByteSource {
            var inner: MemorySource
            var left: Int
            struct Boom: Error {}
            mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
                if left == 0 { throw Boom() }
                let n = try inner.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, left)]))
                left -= n
                return n
            }
        }
        let bytes = try Corpus.bytes("generated-7.0/all_types_7.0.rdb")
        for cut in [5, 100, bytes.count / 2] {
            var a = Model()
            var b = Model()
            let plain = Result { () throws in try RDBReader(Failing(inner: MemorySource(bytes), left: cut), bufferSize: 64).read(into: &a) }
            let ahead = Result { () throws in
                try RDBReader(Failing(inner: MemorySource(bytes), left: cut), bufferSize: 64, readAheadChunk: 32).read(into: &b)
            }
            #expect(String(describing: plain) == String(describing: ahead), "cut at \(cut)")
            #expect(a.keys.count == b.keys.count, "cut at \(cut)")
        }
    }

    /// After the read, the source is the caller's again and nothing read ahead is lost:
    /// the bytes after the RDB are all counted.
    @Test func trailingBytesAreNotLost() throws {
        let bytes = try Corpus.bytes("generated-7.0/all_types_7.0.rdb") + [UInt8](repeating: 0xAB, count: 10_000)
        let reader = RDBReader(MemorySource(bytes), bufferSize: 64, readAheadChunk: 100)
        var m = Model()
        try reader.read(into: &m)
        #expect(try reader.countTrailingBytes() == 10_000)
    }
}
