import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// The package root, two levels above this file (`Tests/MemopsCoreTests/…`).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func split(_ s: String) -> [String]? {
    switch ConfigSyntax.splitArgs(Array(s.utf8)) {
    case .success(let t): return t.map(\.text)
    case .failure: return nil
    }
}

private func lint(_ text: String, version: String = "7.0", cwd: String = "/tmp") throws -> [Diagnostic] {
    var o = ConfigLintOptions()
    o.targetVersion = version
    o.host = HostFacts()
    o.workingDirectory = cwd
    return try ConfigLinter(options: o).lint(text: text, name: "t.conf").diagnostics
}

@Suite struct ConfigLintParserTests {
    @Test(arguments: [
        ("a b  c", ["a", "b", "c"]),
        ("\"a b\" c", ["a b", "c"]),
        ("\"a\\x41\\n\" 'it\\'s'", ["aA\n", "it's"]),
        ("foo\"bar baz\"", ["foobar baz"]),
        ("'\\n'", ["\\n"]),
        ("\"\"", [""]),
        ("a\u{0B}b", ["a\u{0B}b"]),
    ])
    func splitsLikeSdssplitargs(_ input: String, _ expected: [String]) {
        #expect(split(input) == expected)
    }

    @Test(arguments: ["\"abc", "'abc", "\"abc\"x", "'a'b", "\"a\\\""])
    func rejectsUnbalancedQuotes(_ input: String) {
        #expect(split(input) == nil)
    }

    @Test func memoryUnitsFollowMemtoull() {
        func m(_ s: String) -> UInt64? { ConfigSyntax.memtoull(Array(s.utf8)) }
        #expect(m("8g") == 8_000_000_000)
        #expect(m("8gb") == 8_589_934_592)
        #expect(m("8GB") == 8_589_934_592)
        #expect(m("100k") == 100_000 && m("100kb") == 102_400 && m("1m") == 1_000_000 && m("1mb") == 1_048_576)
        #expect(m("5b") == 5 && m("5") == 5)
        #expect(m("1.5gb") == nil && m("1tb") == nil && m("-1") == nil && m("+1") == nil && m(" 1") == nil)
        #expect(m("k") == 0 && m("") == 0)  // no digits: strtoull("") is 0 and memtoull accepts it
        #expect(m("99999999999999999999999") == UInt64.max)
    }

    @Test func integersFollowString2ll() {
        func n(_ s: String) -> Int64? { ConfigSyntax.string2ll(Array(s.utf8)) }
        #expect(n("0") == 0 && n("-5") == -5 && n("9223372036854775807") == Int64.max && n("-9223372036854775808") == Int64.min)
        #expect(n("05") == nil && n("+5") == nil && n("-0") == nil && n("1e3") == nil && n("") == nil && n("9223372036854775808") == nil)
    }

    @Test func findingsInIncludedFilesPointAtThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memops-inc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let inc = dir.appendingPathComponent("extra.conf").path
        try "# extra\n\nappendonly maybe\n".write(toFile: inc, atomically: true, encoding: .utf8)
        let d = try lint("port 6380\ninclude \(inc)\nhz 10\n")
        let bad = try #require(d.first { $0.configRule == .badBoolean })
        #expect(bad.location == SourceLocation(file: inc, line: 3, column: 12))
        // Relative includes resolve against the directory redis-server runs in, not the file's.
        let rel = try lint("include extra.conf", cwd: dir.path)
        #expect(!rel.contains { $0.configRule == .missingInclude })
        #expect(try lint("include extra.conf", cwd: "/").contains { $0.configRule == .missingInclude })
        // An include of itself is a loop, not an endless recursion.
        try "include \(dir.path)/self.conf\n".write(toFile: dir.path + "/self.conf", atomically: true, encoding: .utf8)
        #expect(try lint("include \(dir.path)/self.conf").contains { $0.configRule == .missingInclude && $0.message.contains("loops") })
    }

    @Test func globIncludeReadsEveryMatchInOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memops-glob-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "maxmemory 1gb\n".write(toFile: dir.path + "/a.conf", atomically: true, encoding: .utf8)
        try "maxmemory 2gb\n".write(toFile: dir.path + "/b.conf", atomically: true, encoding: .utf8)
        var o = ConfigLintOptions()
        o.host = HostFacts()
        let report = try ConfigLinter(options: o).lint(text: "include \(dir.path)/*.conf\n", name: "t.conf")
        #expect(report.config.value("maxmemory") == "2gb")
        let dup = try #require(report.diagnostics.first { $0.configRule == .duplicate })
        #expect(dup.location?.file == dir.path + "/b.conf" && dup.location?.line == 1)
    }

    @Test func saveSemantics() throws {
        var o = ConfigLintOptions()
        o.host = HostFacts()
        let linter = try ConfigLinter(options: o)
        func save(_ text: String) -> [String] {
            (linter.lint(text: text).config.effectiveSave ?? []).map { "\($0.seconds) \($0.changes)" }
        }
        #expect(save("port 1") == ["3600 1", "300 100", "60 10000"])
        #expect(save("save 900 1") == ["900 1"])
        #expect(save("save 900 1\nsave 300 10") == ["900 1", "300 10"])
        #expect(save("save 900 1\nsave \"\"\nsave 60 5") == ["60 5"])
        #expect(save("save \"\"").isEmpty)
        #expect(save("save \"900 1 300 10\"") == ["900 1", "300 10"])
    }

    @Test func lastOccurrenceWinsAndNamesAreCaseInsensitive() throws {
        var o = ConfigLintOptions()
        o.host = HostFacts()
        let r = try ConfigLinter(options: o).lint(text: "MaxMemory 1gb\r\n  maxmemory   2gb  \r\nSLAVE-READ-ONLY no\n")
        #expect(r.config.value("maxmemory") == "2gb")
        #expect(r.config.value("replica-read-only") == "no")
        #expect(!r.isFatal)
    }

    @Test func inlineDisableSilencesTheNextLineOnly() throws {
        let d = try lint("# memops disable=RC201\nmaxmemory 1gb\n# memops disable=RC201,RC202\nmaxmemory 2g\nmaxmemory 3gb\n")
        let dups = d.filter { $0.configRule == .duplicate }
        #expect(dups.count == 1 && dups[0].location?.line == 5)
        #expect(!d.contains { $0.configRule == .decimalUnit })
    }

    @Test func versionAwareness() throws {
        let typo = try #require(try lint("maxmemroy 1gb").first { $0.configRule == .unknownDirective })
        #expect(typo.message.contains("did you mean maxmemory"))
        #expect(try lint("locale-collate \"\"", version: "7.0").contains { $0.configRule == .newerThanTarget && $0.message.contains("7.2") })
        #expect(!(try lint("locale-collate \"\"", version: "7.2")).contains { $0.severity == .error })
        #expect(try lint("gopher-enabled no", version: "7.0").contains { $0.configRule == .unknownDirective && $0.message.contains("removed after Redis 6.2") })
        // hash-max-ziplist-value is the real name in 6.2 and an alias from 7.0 on.
        #expect(!(try lint("hash-max-ziplist-value 64", version: "6.2")).contains { $0.configRule == .oldName })
        let alias = try #require(try lint("hash-max-ziplist-value 64", version: "7.0").first { $0.configRule == .oldName })
        #expect(alias.message.contains("hash-max-listpack-value"))
        #expect(try lint("lua-replicate-commands yes", version: "7.4").contains { $0.configRule == .ignored })
        #expect(RedisConfigTables.table(for: "7.0.15")?.version == "7.0")
        #expect(RedisConfigTables.table(for: "7.2.4")?.version == "7.2")
        #expect(RedisConfigTables.table(for: "9.1")?.version == "8.0")
        #expect(RedisConfigTables.table(for: "5.0") == nil)
        #expect(RedisConfigTables.table(for: "valkey-8.0.1")?.version == "valkey-8.0")
        #expect(RedisConfigTables.table(for: "8.0.1")?.version == "8.0")
        // Valkey renamed master* to primary* and keeps the old names as aliases.
        let valkeyAlias = try #require(try lint("masterauth secret", version: "valkey-8.0").first { $0.configRule == .oldName })
        #expect(valkeyAlias.message.contains("primaryauth"))
        #expect(try lint("primaryauth secret", version: "7.2").contains { $0.configRule == .unknownDirective })
        #expect(try lint("dual-channel-replication-enabled yes", version: "valkey-8.0").allSatisfy { $0.severity != .error })
        #expect(throws: ConfigLintError.self) { try ConfigLinter(options: { var o = ConfigLintOptions(); o.targetVersion = "5.0"; return o }()) }
    }

    @Test func redis62ParsesSaveAndFriendsByHand() throws {
        var o = ConfigLintOptions()
        o.targetVersion = "6.2"
        o.host = HostFacts()
        let linter = try ConfigLinter(options: o)
        // 6.2 takes one pair per save line and silently ignores others (after dropping the defaults).
        let several = linter.lint(text: "save 900 1 300 10\n")
        #expect(several.config.effectiveSave?.isEmpty == true)
        #expect(several.diagnostics.contains { $0.configRule == .badSave && $0.severity == .warning })
        #expect(!linter.lint(text: "save 900 1\nsave 300 10\n").isFatal)
        #expect(linter.lint(text: "client-output-buffer-limit normal 0 0\n").diagnostics.contains { $0.configRule == .argumentCount })
        #expect(!linter.lint(text: "unixsocketperm 7x\n").isFatal)  // strtol stops at 'x'; 6.2 checks only errno and the range
    }

    @Test func byteOrderMarkIsNamed() throws {
        let d = try lint("\u{FEFF}port 6379\n")
        #expect(d.contains { $0.configRule == .unknownDirective && $0.message.contains("byte-order mark") })
    }

    @Test func columnsPointAtTheProblem() throws {
        let d = try lint("  maxmemory 1gb # note\nhz \"10")
        #expect(d.first { $0.configRule == .inlineComment }?.location?.column == 17)
        #expect(d.first { $0.configRule == .unbalancedQuotes }?.location == SourceLocation(file: "t.conf", line: 2, column: 4))
    }

    /// The stock redis.conf of each release (from redis's source at its tag) and Debian's.
    @Test(arguments: [("redis-6.2.16.conf", "6.2"), ("redis-7.0.15.conf", "7.0"), ("redis-7.2.6.conf", "7.2"),
                      ("redis-7.4.1.conf", "7.4"), ("debian-7.0.15-redis.conf", "7.0"), ("valkey-8.0.1.conf", "valkey-8.0")])
    func stockConfigsHaveNoFatalFindings(_ file: String, _ version: String) throws {
        var o = ConfigLintOptions()
        o.targetVersion = version
        o.hostChecks = false
        let path = packageRoot.appendingPathComponent("Tests/MemopsCoreTests/Fixtures/\(file)").path
        let report = try ConfigLinter(options: o).lint(file: path)
        let errors = report.diagnostics.filter { $0.severity == .error }
        #expect(errors.isEmpty, "\(errors.map { "\($0.location?.line ?? 0): [\($0.rule)] \($0.message)" })")
        #expect(report.config.settings.count > 20)
    }

    @Test func stockConfigOfANewerVersionFailsAnOlderTarget() throws {
        var o = ConfigLintOptions()
        o.targetVersion = "6.2"
        o.hostChecks = false
        let path = packageRoot.appendingPathComponent("Tests/MemopsCoreTests/Fixtures/redis-7.4.1.conf").path
        let report = try ConfigLinter(options: o).lint(file: path)
        #expect(report.diagnostics.contains { $0.configRule == .newerThanTarget })
    }

    @Test func unreadableFileIsAnError() {
        #expect(throws: ConfigLintError.self) { try ConfigLinter().lint(file: "/nonexistent/redis.conf") }
    }
}

@Suite struct ConfigLintFuzzTests {
    /// Mutates lines of the stock config byte by byte (quotes, escapes, NULs, CR, units, random
    /// bytes) and lints the result: no input may crash the parser, and every finding must point
    /// at a line that exists.
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func mutatedConfigsNeverCrash(_ seed: UInt64) throws {
        var rng = SeededRandom(state: seed)
        let stock = try String(contentsOf: packageRoot.appendingPathComponent("Tests/MemopsCoreTests/Fixtures/redis-7.0.15.conf"), encoding: .utf8)
        let lines = stock.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { Array($0.utf8) }
        let alphabet: [UInt8] = Array("\"'\\x#0123456789abcdefgkmbKMGB-+. \t\r\n\u{0B}\0yesno*?[]".utf8) + [0xff, 0xc3, 0x80]
        var o = ConfigLintOptions()
        o.hostChecks = false
        let linter = try ConfigLinter(options: o)
        for _ in 0..<400 {
            var text: [UInt8] = []
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                var line = lines.randomElement(using: &rng)!
                for _ in 0..<Int.random(in: 0...4, using: &rng) {
                    line.mutateOnce(from: alphabet, using: &rng)
                }
                text += line + [0x0a]
            }
            let count = text.filter { $0 == 0x0a }.count + 1
            let report = linter.lint(bytes: text, name: "fuzz.conf", cwd: "/tmp")
            for d in report.diagnostics {
                if let line = d.location?.line { #expect(line >= 1 && line <= count) }
                #expect(!d.message.isEmpty && d.rule.hasPrefix("RC"))
            }
        }
    }

    @Test func randomBytesNeverCrash() throws {
        var rng = SeededRandom(state: 42)
        var o = ConfigLintOptions()
        o.hostChecks = false
        let linter = try ConfigLinter(options: o)
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = linter.lint(bytes: bytes, name: "random.conf", cwd: "/tmp")
        }
    }
}
