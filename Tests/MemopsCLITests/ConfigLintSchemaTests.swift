import Foundation
import MemopsTestSupport
import Testing

/// `config lint --schema FILE` reads the schema audit checks, so the eviction and durability
/// rules follow the deployment's own data, not only the seed's.
@Suite struct ConfigLintSchemaTests {
    @Test func evictionRuleFollowsTheSchemaFile() throws {
        let base = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory())
            .appendingPathComponent("lint-schema-\(UUID().uuidString.prefix(8)))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let conf = base.appendingPathComponent("redis.conf")
        try "maxmemory 1gb\nmaxmemory-policy allkeys-lru\n".write(to: conf, atomically: true, encoding: .utf8)

        let seed = try MemopsProcess.run(["config", "lint", "--no-host-checks", "--format", "json", conf.path])
        #expect(seed.stdoutText.contains("RC403"), "the seed schema keeps embeddings without a TTL: \(seed.stdoutText)")

        // A deployment where everything is a cache: every pattern has a required TTL.
        let shown = try MemopsProcess.run(["schema", "show", "--json"])
        var schema = try #require(try JSONSerialization.jsonObject(with: shown.stdout) as? [String: Any])
        let patterns = try #require(schema["patterns"] as? [[String: Any]])
        schema["patterns"] = patterns.map { p -> [String: Any] in
            var p = p
            p["ttl"] = ["policy": "required", "maxSeconds": 3600]
            return p
        }
        let file = base.appendingPathComponent("cache-only.json")
        try JSONSerialization.data(withJSONObject: schema).write(to: file)
        let cache = try MemopsProcess.run(["config", "lint", "--no-host-checks", "--format", "json", "--schema", file.path, conf.path])
        #expect(cache.status == 0 || cache.status == 1, "\(cache.stderr)")
        #expect(!cache.stdoutText.contains("RC403"), "nothing must survive eviction here: \(cache.stdoutText)")
    }
}
