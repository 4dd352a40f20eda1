import Foundation
import Testing
@testable import MemopsRDB

/// Files of the corpus that must fail, and how.
let negativeFiles: [String: @Sendable (RDBError.Kind) -> Bool] = [
    "librdb-test-dumps/future_v19.rdb": { if case .header(.unsupportedVersion(.redis, 99)) = $0 { true } else { false } },
    "librdb-test-dumps/invalid_chksum_v8.rdb": { if case .checksumMismatch = $0 { true } else { false } },
    "redis-tests-assets/corrupt_ziplist.rdb": { if case .corrupt(structure: "ziplist", _) = $0 { true } else { false } },
    // Redis Enterprise's non-OSS type 107 (RAM_LRU): redis-check-rdb 8.2 and Valkey fail too.
    "librdb-test-dumps/redis_ent_opcode_ram_lru.rdb": { if case .unknownType(107) = $0 { true } else { false } },
]

@Suite struct CorpusTests {
    @Test func corpusIsThere() throws {
        let files = try Corpus.allFiles()
        #expect(files.count > 100)
    }

    @Test func everyValidFileParses() throws {
        for file in try Corpus.allFiles() where negativeFiles[file] == nil {
            let bytes = try Corpus.bytes(file)
            do {
                let m = try Model.read(bytes)
                #expect(m.checksum != nil, "\(file): no end reported")
            } catch {
                Issue.record("\(file): \(error)")
            }
        }
    }

    @Test(arguments: negativeFiles.keys.sorted())
    func negativeFileFails(file: String) throws {
        let bytes = try Corpus.bytes(file)
        do {
            _ = try Model.read(bytes)
            Issue.record("\(file) parsed but must fail")
        } catch {
            #expect(negativeFiles[file]!(error.kind), "\(file): wrong error: \(error)")
        }
    }
}
