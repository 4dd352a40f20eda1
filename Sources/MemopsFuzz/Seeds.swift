import Foundation
import MemopsCore
import MemopsRDB

/// Starting inputs the files on disk do not provide (the rdb and conf corpora come from
/// `../shared/rdb-corpus` and the lint fixtures): made with memops' own writers where it has
/// one, so that they are the real formats.
enum Seeds {
    static func write(_ target: FuzzTarget, into directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (i, seed) in try make(target).enumerated() {
            try Data(seed).write(to: URL(fileURLWithPath: directory).appendingPathComponent("seed-\(i)"))
        }
    }

    static func make(_ target: FuzzTarget) throws -> [[UInt8]] {
        switch target {
        case .rdb, .conf: return []
        case .url:
            return [
                "redis://127.0.0.1:7000/2", "redis://user:secret@[::1]:6380/0", "redis://:p%40ss@host",
                "unix:///var/run/redis.sock?db=3", "redis://host:99999", "redis://h/x", "rediss://host",
            ].map { Array($0.utf8) }
        case .manifest:
            return [Array(sampleManifest.utf8)]
        case .journal:
            return try journals()
        case .replication:
            let mark = Array("0123456789abcdef0123456789abcdef01234567".utf8)
            let payload = Array("REDIS0011".utf8) + [0xff] + [UInt8](repeating: 7, count: 8)
            return [
                [5, 17] + Array("\n\n$EOF:".utf8) + mark + Array("\r\n".utf8) + payload + mark,
                [40, 3] + Array("$EOF:".utf8) + mark + Array("\r\n".utf8) + mark,
                [1, 1] + Array("$18\r\n".utf8) + payload,
                [2, 2] + Array("-NOPERM this user has no permissions\r\n".utf8),
            ]
        }
    }

    /// A journal with one record of each kind, as written by `PruneJournal`, both as the file
    /// (mode byte 0) and as its decompressed record stream (mode byte 1).
    private static func journals() throws -> [[UInt8]] {
        let path = NSTemporaryDirectory() + "/memops-fuzz-seed-\(getpid()).journal"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let journal = try PruneJournal(creating: path)
        journal.append(.key(key: Array("session:1".utf8), expireAtMs: 1_700_000_000_000, payload: [0, 3, 0x61, 0x62, 0x63, 11, 0]))
        journal.append(.zsetMember(key: Array("idx".utf8), member: Array("m".utf8), score: Array("1.5".utf8)))
        journal.append(.setMember(key: Array("set".utf8), member: Array("x".utf8)))
        journal.append(.hashField(key: Array("h".utf8), field: Array("f".utf8), value: Array("v".utf8)))
        journal.append(.ttl(key: Array("session:1".utf8), expireAtMs: -1))
        try journal.close()
        let file = try readSmallFile(path)
        let z = try ZstdDecompressor()
        var plain: [UInt8] = []
        try file.withUnsafeBytes { try z.decompress($0) { plain.append(contentsOf: $0) } }
        return [[0] + file, [1] + plain]
    }

    private static let sampleManifest = """
        {
          "compressed" : { "algorithm" : "zstd", "bytes" : 1234, "level" : 3, "sha256" : "\(String(repeating: "ab", count: 32))" },
          "durationSeconds" : 1.5,
          "file" : "memops-20261202T010000Z.rdb.zst",
          "finishedAt" : "2026-12-02T01:00:02Z",
          "format" : "memops-backup",
          "formatVersion" : 1,
          "keyspace" : [ { "db" : 0, "expires" : 10, "keys" : 20 } ],
          "keyspaceSource" : "rdb",
          "memopsVersion" : "0.1.0",
          "parameters" : { "level" : "3" },
          "rdb" : { "bytes" : 4567, "crc64" : "0123456789abcdef", "header" : "REDIS0011", "sha256" : "\(String(repeating: "cd", count: 32))", "version" : 11 },
          "savedAt" : "2026-12-02T01:00:01Z",
          "server" : { "address" : "127.0.0.1:7000", "runID" : "\(String(repeating: "f", count: 40))", "version" : "7.0.15" },
          "source" : "file",
          "startedAt" : "2026-12-02T01:00:00Z"
        }
        """
}
