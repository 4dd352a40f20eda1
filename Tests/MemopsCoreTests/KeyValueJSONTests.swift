import Foundation
import MemopsRDB
import MemopsTestSupport
import Testing
@testable import MemopsCore

private let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/rdb-corpus")

/// Every RDB file of the shared corpus (plain and compressed), sorted.
private func corpusFiles() -> [String] {
    let files = FileManager.default.enumerator(atPath: corpus.path)?.compactMap { $0 as? String } ?? []
    return files.filter { $0.hasSuffix(".rdb") || $0.hasSuffix(".rdb.zst") }.sorted()
}

/// `inspect --keys --json --values` as it was printed before issue 13: each key's value
/// gathered by `KeyLister` as `[Any]`, then JSONSerialization, merged into the row's JSON.
private func reference(_ path: String, now: Int64) throws -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var out: [UInt8] = []
    var lister = KeyLister(db: nil, pattern: nil, now: now, values: true) { row, value in
        var line = (try? encoder.encode(row)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        if let value, let data = try? JSONSerialization.data(withJSONObject: ["value": value.count == 1 && row.type == "string" ? value[0] : value], options: [.sortedKeys, .withoutEscapingSlashes]) {
            line = String(line.dropLast()) + "," + String(decoding: data.dropFirst(), as: UTF8.self)
        }
        out += Array((line + "\n").utf8)
    }
    _ = try readRDB(try openRDB(path: path), into: &lister)
    return out
}

/// The streaming lister's output; a tiny threshold sends every value through the spool file.
private func streamed(_ path: String, now: Int64, spoolThreshold: Int) throws -> [UInt8] {
    var out: [UInt8] = []
    var lister = KeyValueJSONLister(db: nil, pattern: nil, now: now, write: { out += $0 })
    lister.spoolThreshold = spoolThreshold
    _ = try readRDB(try openRDB(path: path), into: &lister)
    return out
}

@Suite struct KeyValueJSONTests {
    /// Byte for byte the output of before, for every key of every corpus file (every type and
    /// encoding, odd bytes, infinite scores, field TTLs, empty streams…), held or spooled.
    @Test(arguments: [1 << 20, 16])
    func streamedValuesAreByteIdenticalToJSONSerialization(spoolThreshold: Int) throws {
        let files = corpusFiles()
        #expect(files.count > 50)
        var compared = 0
        for file in files {
            let path = corpus.appendingPathComponent(file).path
            // Corrupt files (the corpus has some) fail both ways; only readable ones compare.
            guard let want = try? reference(path, now: 1_700_000_000_000) else { continue }
            let got = try streamed(path, now: 1_700_000_000_000, spoolThreshold: spoolThreshold)
            #expect(got == want, "\(file): \(String(decoding: got.prefix(300), as: UTF8.self)) vs \(String(decoding: want.prefix(300), as: UTF8.self))")
            compared += 1
        }
        #expect(compared > 40)
    }
}
