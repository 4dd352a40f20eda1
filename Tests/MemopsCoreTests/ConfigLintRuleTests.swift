import Foundation
import Testing
@testable import MemopsCore

/// One rule, a config that must trigger it and one that must not.
struct RuleCase: CustomTestStringConvertible, Sendable {
    var rule: ConfigRule
    var fires: String
    var quiet: String
    var version = "7.0"
    var host = HostFacts(overcommitMemory: 1, transparentHugePages: "madvise", memoryBytes: 64 << 30)
    var schema = SchemaFacts.builtIn
    var enable: Set<ConfigRule> = []

    var testDescription: String { rule.rawValue }

    func lint(_ text: String) throws -> [Diagnostic] {
        var options = ConfigLintOptions()
        options.targetVersion = version
        options.host = host
        options.schema = schema
        options.enabled = Set(enable.map(\.rawValue))
        options.workingDirectory = "/tmp"
        return try ConfigLinter(options: options).lint(text: text, name: "case.conf").diagnostics
    }
}

@Suite struct ConfigLintRuleTests {
    static let noTTL = SchemaFacts(families: [.init(pattern: "embedding:*", type: "hash", hasTTL: false, mustSurvive: true)])

    static let cases: [RuleCase] = [
        RuleCase(rule: .unknownDirective, fires: "maxmemroy 1gb", quiet: "maxmemory 1gb"),
        RuleCase(rule: .inlineComment, fires: "maxmemory 1gb # one gigabyte", quiet: "# one gigabyte\nmaxmemory 1gb"),
        RuleCase(rule: .argumentCount, fires: "maxmemory 1 gb", quiet: "maxmemory 1gb"),
        RuleCase(rule: .unbalancedQuotes, fires: "requirepass \"abc", quiet: "requirepass \"abc\""),
        RuleCase(rule: .badBoolean, fires: "appendonly true", quiet: "appendonly yes"),
        RuleCase(rule: .badEnum, fires: "appendfsync sometimes", quiet: "appendfsync everysec"),
        RuleCase(rule: .badMemory, fires: "maxmemory 1.5gb", quiet: "maxmemory 1536mb"),
        RuleCase(rule: .badNumber, fires: "hz 1e3", quiet: "hz 100"),
        RuleCase(rule: .outOfRange, fires: "port 70000", quiet: "port 6380"),
        RuleCase(rule: .badSave, fires: "save 900", quiet: "save 900 1"),
        RuleCase(rule: .pathForFileName, fires: "dbfilename /var/lib/redis/dump.rdb", quiet: "dbfilename dump.rdb"),
        RuleCase(rule: .missingInclude, fires: "include /nonexistent/x.conf", quiet: "include /nonexistent/*.conf"),
        RuleCase(rule: .newerThanTarget, fires: "locale-collate \"\"", quiet: "latency-tracking yes"),
        RuleCase(rule: .invalidValue, fires: "notify-keyspace-events KEAq", quiet: "notify-keyspace-events KEA"),
        RuleCase(rule: .sentinelDirective, fires: "sentinel monitor m 127.0.0.1 6379 2", quiet: "sentinel"),
        RuleCase(rule: .moduleConfig, fires: "mymod.opt 1", quiet: "loadmodule /bin/sh\nmymod.opt 1"),
        RuleCase(rule: .badRenameCommand, fires: "rename-command NOSUCH x", quiet: "rename-command FLUSHALL \"\""),
        RuleCase(rule: .missingPath, fires: "dir /nonexistent/dir", quiet: "dir /tmp"),
        RuleCase(rule: .badUser, fires: "user alice on badrule", quiet: "user alice on >pw ~* +@all"),
        RuleCase(rule: .startupCheck, fires: "port 0", quiet: "port 0\nunixsocket /tmp/redis.sock"),
        RuleCase(rule: .defragNeedsJemalloc, fires: "activedefrag yes", quiet: "activedefrag no"),
        RuleCase(rule: .duplicate, fires: "maxmemory 1gb\nmaxmemory 2gb", quiet: "maxmemory 1gb"),
        RuleCase(rule: .decimalUnit, fires: "maxmemory 8g", quiet: "maxmemory 8gb"),
        RuleCase(rule: .hzClamped, fires: "hz 1000", quiet: "hz 100"),
        RuleCase(rule: .saveMixed, fires: "save 900 1\nsave \"\"", quiet: "save \"\""),
        RuleCase(rule: .oldName, fires: "slave-read-only yes", quiet: "replica-read-only yes"),
        RuleCase(rule: .ignored, fires: "list-max-ziplist-entries 512", quiet: "list-max-listpack-size -2"),
        RuleCase(rule: .noPersistence, fires: "save \"\"\nappendonly no", quiet: "save \"\"\nappendonly yes"),
        RuleCase(rule: .aofOffForDurableData, fires: "appendonly no", quiet: "appendonly yes"),
        RuleCase(rule: .fsyncAlways, fires: "appendonly yes\nappendfsync always", quiet: "appendonly yes\nappendfsync everysec"),
        RuleCase(rule: .fsyncNo, fires: "appendonly yes\nappendfsync no", quiet: "appendonly no\nappendfsync no"),
        RuleCase(rule: .noFsyncOnRewrite, fires: "appendonly yes\nno-appendfsync-on-rewrite yes", quiet: "appendonly yes\nno-appendfsync-on-rewrite no"),
        RuleCase(rule: .aofRewriteDisabled, fires: "appendonly yes\nauto-aof-rewrite-percentage 0", quiet: "appendonly yes\nauto-aof-rewrite-percentage 100"),
        RuleCase(rule: .writesOnSaveError, fires: "stop-writes-on-bgsave-error no", quiet: "stop-writes-on-bgsave-error yes"),
        RuleCase(rule: .noRDBChecksum, fires: "rdbchecksum no", quiet: "rdbchecksum yes"),
        RuleCase(rule: .frequentSave, fires: "save 30 1", quiet: "save 60 1"),
        RuleCase(rule: .relativeDir, fires: "dir .", quiet: "dir /tmp"),
        RuleCase(rule: .noRDBPreamble, fires: "appendonly yes\naof-use-rdb-preamble no", quiet: "appendonly yes\naof-use-rdb-preamble yes"),
        RuleCase(rule: .maxmemoryUnset, fires: "port 6379", quiet: "maxmemory 1gb"),
        RuleCase(rule: .maxmemoryNearRAM, fires: "maxmemory 6gb", quiet: "maxmemory 4gb", host: HostFacts(overcommitMemory: 1, memoryBytes: 8 << 30)),
        RuleCase(rule: .allkeysEviction, fires: "maxmemory-policy allkeys-lru", quiet: "maxmemory-policy noeviction"),
        RuleCase(rule: .volatileEvictionWithoutTTLs, fires: "maxmemory-policy volatile-lru", quiet: "maxmemory-policy noeviction", schema: noTTL),
        RuleCase(rule: .listpackThreshold, fires: "hash-max-listpack-value 64", quiet: "hash-max-listpack-value 4096\nstream-node-max-bytes 64kb"),
        RuleCase(rule: .maxmemoryTiny, fires: "maxmemory 100", quiet: "maxmemory 100mb"),
        RuleCase(rule: .openWithoutPassword, fires: "bind 0.0.0.0", quiet: "bind 0.0.0.0\nrequirepass s3cret"),
        RuleCase(rule: .protectedModeOff, fires: "protected-mode no", quiet: "protected-mode yes"),
        RuleCase(rule: .passwordInFile, fires: "requirepass s3cret", quiet: "user alice on #\(String(repeating: "a", count: 64)) ~* +@all", enable: [.passwordInFile]),
        RuleCase(rule: .overcommit, fires: "port 6379", quiet: "port 6379", host: HostFacts(overcommitMemory: 0)),
        RuleCase(rule: .transparentHugePages, fires: "port 6379", quiet: "port 6379", host: HostFacts(transparentHugePages: "always")),
    ]

    @Test(arguments: cases) func ruleFiresAndStaysQuiet(_ c: RuleCase) throws {
        let fired = try c.lint(c.fires)
        #expect(fired.contains { $0.configRule == c.rule }, "\(c.rule) did not fire on \(c.fires.debugDescription): \(fired.map(\.rule))")
        var quietCase = c
        if c.rule == .overcommit { quietCase.host.overcommitMemory = 1 }
        if c.rule == .transparentHugePages { quietCase.host.transparentHugePages = "madvise" }
        let quiet = try quietCase.lint(c.quiet)
        #expect(!quiet.contains { $0.configRule == c.rule }, "\(c.rule) fired on \(c.quiet.debugDescription): \(quiet.filter { $0.configRule == c.rule }.map(\.message))")
    }

    @Test func everyRuleHasACase() {
        let covered = Set(Self.cases.map(\.rule.rawValue))
        // RC801/RC802 need a running server: ConfigLintServerTests covers them. RC701-RC709 need
        // several nodes together: ClusterLintTests fires each and keeps a clean pair quiet.
        let server = ([ConfigRule.drift, .configUnavailable, .clusterNodeTimeout, .fullCoverage, .readsWhenDown, .replicaValidity,
                       .replicaWithoutAuth, .noFailover, .settingsDiffer, .noReplica, .writableReplica] as [ConfigRule]).map(\.rawValue)
        let missing = ConfigLintRules.all.map(\.id).filter { !covered.contains($0) && !server.contains($0) }
        #expect(missing.isEmpty, "rules without a firing/quiet case: \(missing)")
    }

    @Test func ruleIdsAreUniqueAndExplained() {
        let ids = ConfigLintRules.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        for r in ConfigLintRules.all {
            #expect(r.id.range(of: #"^RC\d{3}$"#, options: .regularExpression) != nil)
            #expect(!r.why.isEmpty && !r.fix.isEmpty && !r.title.isEmpty)
        }
    }

    @Test func offByDefaultRuleNeedsEnable() throws {
        var c = RuleCase(rule: .passwordInFile, fires: "requirepass s3cret", quiet: "")
        #expect(!(try c.lint("requirepass s3cret")).contains { $0.configRule == .passwordInFile })
        c.enable = [.passwordInFile]
        #expect((try c.lint("requirepass s3cret")).contains { $0.configRule == .passwordInFile })
    }
}

@Suite struct ConfigRuleCatalogueTests {
    /// Every typed rule has exactly one catalogue entry, in id order: `descriptor` never fails.
    @Test func everyRuleHasOneEntry() {
        #expect(ConfigLintRules.all.map(\.id) == ConfigRule.allCases.map(\.rawValue))
        for rule in ConfigRule.allCases { #expect(rule.descriptor.id == rule.rawValue) }
    }
}
