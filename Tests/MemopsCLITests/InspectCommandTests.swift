import Foundation
import MemopsCLI
import MemopsCore
import MemopsTestSupport
import Testing

private let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/rdb-corpus")

@Suite struct InspectCommandTests {
    @Test func deepVerifyCatchesWhatShallowCannot() throws {
        // No checksum (rdbchecksum no) and a corrupt ziplist: only a structural parse sees it.
        let file = corpus.appendingPathComponent("redis-tests-assets/corrupt_ziplist.rdb").path
        let shallow = try MemopsProcess.run(["verify", file])
        #expect(shallow.status == 0, "\(shallow.stderr)")
        #expect(shallow.stdoutText.contains("no CRC64"))
        let deep = try MemopsProcess.run(["verify", "--deep", file])
        #expect(deep.status == 6, "\(deep.stderr)")
        #expect(deep.stderr.split(separator: "\n").count == 1 && deep.stderr.contains("ziplist"), "\(deep.stderr)")
    }

    @Test func backupWithDeepVerifyCountsKeysFromTheSnapshot() throws {
        let server = try RedisServerProcess()
        try server.populate(count: 300)
        try server.cli("SELECT", "0")
        _ = try server.cli(["-n", "2", "SET", "other-db", "x"])
        let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
        let dest = URL(fileURLWithPath: base).appendingPathComponent("inspect-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
        let run = try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest, "--verify", "deep"])
        #expect(run.status == 0, "\(run.stderr)")
        let entry = try #require(try BackupCatalog.list(dest).first)
        let manifest = try #require(entry.manifest)
        #expect(manifest.keyspaceSource == "rdb")
        #expect(manifest.keyspace == [KeyspaceCount(db: 0, keys: 1051, expires: 300), KeyspaceCount(db: 2, keys: 1, expires: 0)])
        #expect(manifest.verification?.level == "deep")

        let deep = try MemopsProcess.run(["verify", "--deep", entry.path])
        #expect(deep.status == 0 && deep.stdoutText.contains("parsed: 1052 keys, 300 with TTL"), "\(deep.stdoutText) \(deep.stderr)")

        let summary = try MemopsProcess.run(["inspect", entry.path, "--json"])
        #expect(summary.status == 0, "\(summary.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: summary.stdout) as? [String: Any])
        #expect(json["version"] as? Int == 10)
        let dbs = try #require(json["databases"] as? [String: Any])
        let db0 = try #require(dbs["0"] as? [String: Any])
        #expect(db0["keys"] as? Int == 1051)
        #expect((db0["keysByType"] as? [String: Int])?["stream"] == 1)

        let keys = try MemopsProcess.run(["inspect", entry.path, "--keys", "--pattern", "k:hash:1?", "--json", "--values"])
        #expect(keys.status == 0, "\(keys.stderr)")
        let lines = keys.stdoutText.split(separator: "\n")
        #expect(lines.count == 10)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(first["type"] as? String == "hash" && first["elements"] as? Int == 2)
        // A hashtable (values over 64 bytes) has no stable field order: compare as a set.
        #expect(Set((first["value"] as? [[String]])?.compactMap(\.first) ?? []) == ["a", "b"])

        let text = try MemopsProcess.run(["inspect", entry.path])
        #expect(text.status == 0 && text.stdoutText.contains("db2: 1 keys"), "\(text.stdoutText)")
    }

    @Test func inspectReadsStandardInputAndRefusesGarbage() throws {
        let garbage = MemopsCommand.runCaptured(["inspect", corpus.appendingPathComponent("README.md").path])
        #expect(garbage.status == 6 && garbage.stdout.isEmpty, "\(garbage.stderr)")
        let missing = MemopsCommand.runCaptured(["inspect", "/nonexistent.rdb"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent.rdb"), "\(missing.stderr)")
    }

    /// The JSON forms, byte for byte (keys sorted, slashes unescaped, pretty summary with " : "),
    /// for a file with no expiries; the summary's "now" is the time of the run.
    @Test func jsonIsByteStable() throws {
        let file = corpus.appendingPathComponent("redis-tests-assets/hash-zipmap.rdb").path
        let keys = MemopsCommand.runCaptured(["inspect", file, "--keys", "--json"])
        #expect(keys.status == 0 && keys.stdoutText == #"{"bytes":17,"db":0,"elements":2,"encoding":"zipmap","key":"hash","type":"hash"}"# + "\n")
        let values = MemopsCommand.runCaptured(["inspect", file, "--keys", "--json", "--values"])
        #expect(values.stdoutText == #"{"bytes":17,"db":0,"elements":2,"encoding":"zipmap","key":"hash","type":"hash","value":[["f1","v1"],["f2","v2"]]}"# + "\n")
        let summary = MemopsCommand.runCaptured(["inspect", file, "--json"])
        let masked = summary.stdoutText.replacingOccurrences(of: #""now" : [0-9]+"#, with: #""now" : NOW"#, options: .regularExpression)
        #expect(summary.status == 0 && masked == #"""
            {
              "aux" : [

              ],
              "biggestKeys" : [
                {
                  "bytes" : 23,
                  "db" : 0,
                  "elements" : 2,
                  "encoding" : "zipmap",
                  "key" : [
                    104,
                    97,
                    115,
                    104
                  ],
                  "type" : "hash"
                }
              ],
              "checksum" : "absent",
              "databases" : {
                "0" : {
                  "alreadyExpired" : 0,
                  "bytesByType" : {
                    "hash" : 23
                  },
                  "elementsByType" : {
                    "hash" : 2
                  },
                  "expires" : 0,
                  "keys" : 1,
                  "keysByEncoding" : {
                    "zipmap" : 1
                  },
                  "keysByType" : {
                    "hash" : 1
                  }
                }
              },
              "fileBytes" : 35,
              "flavor" : "redis",
              "functions" : [

              ],
              "modules" : [

              ],
              "now" : NOW,
              "slotInfoRecords" : 0,
              "top" : 10,
              "version" : 3
            }

            """#, "\(summary.stdoutText)")
    }
}

@Suite struct GlobTests {
    @Test(arguments: [
        ("session:*", "session:abc", true), ("session:*", "sessions:recent", false), ("h?llo", "hello", true),
        ("h[ae]llo", "hallo", true), ("h[^e]llo", "hello", false), ("h[a-b]llo", "hbllo", true), ("a\\*b", "a*b", true),
        ("a\\*b", "axb", false), ("*:heartbeat", "node:beast:heartbeat", true), ("tool:*:*", "tool:bash", false),
    ])
    func matchesLikeRedis(pattern: String, key: String, expected: Bool) {
        #expect(Glob(pattern).matches(Array(key.utf8)) == expected)
    }
}
