import Foundation
import Testing
@testable import MemopsRDB

/// A callback that throws stops the read at once, and its error comes out of `read` as itself,
/// from every place the reader calls back: plain callbacks, string pieces, and the packed
/// encodings' walkers (intset, ziplist, listpack, zipmap, stream nodes).
@Suite struct VisitorStopTests {
    struct Stop: Error, Equatable { var at: String }

    /// Throws at the first callback of `kind`, and counts what came after (nothing may).
    struct StoppingVisitor: RDBVisitor {
        let kind: String
        var stopped = false
        var after = 0

        mutating func hit(_ name: String) throws {
            if stopped { after += 1 }
            if name == kind {
                stopped = true
                throw Stop(at: name)
            }
        }
        mutating func beginKey(_ info: RDBKeyInfo) throws -> RDBDelivery {
            try hit("beginKey")
            return kind == "rawValue" ? .raw : .elements
        }
        mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) throws { try hit("stringChunk") }
        mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) throws { try hit("listElement") }
        mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) throws { try hit("setMember") }
        mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) throws { try hit("zsetMember") }
        mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) throws { try hit("hashField") }
        mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) throws { try hit("streamEntry") }
        mutating func streamGroup(_ info: RDBKeyInfo, _ group: RDBStreamGroup) throws { try hit("streamGroup") }
        mutating func rawValue(_ info: RDBKeyInfo, _ bytes: [UInt8]) throws { try hit("rawValue") }
        mutating func aux(key: [UInt8], value: [UInt8]) throws { try hit("aux") }
        mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) throws { try hit("endKey") }
        mutating func end(checksum: RDBChecksum, offset: Int) throws { try hit("end") }
    }

    static let files = ["generated-7.0/all_types_7.0.rdb", "redis-tests-assets/hash-zipmap.rdb", "redis-tests-assets/encodings.rdb",
                        "redis-tests-assets/hash-ziplist.rdb", "redis-tests-assets/zset-ziplist.rdb", "redis-tests-assets/list-quicklist.rdb"]
    static let kinds = ["aux", "beginKey", "stringChunk", "listElement", "setMember", "zsetMember", "hashField",
                        "streamEntry", "streamGroup", "rawValue", "endKey", "end"]

    @Test(arguments: kinds)
    func aThrowingCallbackStopsTheRead(kind: String) throws {
        // Old encodings (zipmap, ziplist, intset) and new ones (listpack, stream nodes).
        for file in Self.files {
            let bytes = try Corpus.bytes(file)
            var visitor = StoppingVisitor(kind: kind)
            var caught: (any Error)?
            do {
                try RDBReader(MemorySource(bytes), bufferSize: 64).read(into: &visitor)
            } catch {
                caught = error
            }
            guard visitor.stopped else { continue }  // this file has no such callback
            #expect(caught as? Stop == Stop(at: kind), "\(file): \(String(describing: caught))")
            #expect(visitor.after == 0, "\(file): \(visitor.after) callbacks after the one that threw")
        }
    }

    @Test func everyKindIsReachedInTheCorpus() throws {
        var reached: Set<String> = []
        for kind in Self.kinds {
            for file in Self.files {
                var visitor = StoppingVisitor(kind: kind)
                _ = try? RDBReader(MemorySource(try Corpus.bytes(file))).read(into: &visitor)
                if visitor.stopped { reached.insert(kind) }
            }
        }
        #expect(reached == Set(Self.kinds))
    }
}
