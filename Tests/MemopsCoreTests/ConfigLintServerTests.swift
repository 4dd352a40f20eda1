import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// The generated 7.0 table against the real redis-server 7.0.15, and linting a running server.
@Suite(.serialized) struct ConfigLintServerTests {
    private func configGetAll(_ server: RedisServerProcess) throws -> [String: String] {
        let redis = try RedisConnection(try ConnectionConfig.parse(url: server.url))
        let items = try redis.command("CONFIG", "GET", "*").elements ?? []
        var values: [String: String] = [:]
        for i in stride(from: 0, to: items.count - 1, by: 2) {
            values[items[i].string ?? ""] = items[i + 1].string ?? ""
        }
        return values
    }

    @Test func generatedTableMatchesTheRunningServer() throws {
        let server = try RedisServerProcess()
        let values = try configGetAll(server)
        let table = try #require(RedisConfigTables.table(for: "7.0"))
        // CONFIG GET * leaves out HIDDEN_CONFIG parameters (test-only knobs), which files may set.
        let visible = table.directives.filter { !$0.flags.contains(.hidden) }
        let tableNames = Set(visible.flatMap { [$0.name] + ($0.alias.map { [$0] } ?? []) })
        #expect(Set(values.keys) == tableNames, "only on the server: \(Set(values.keys).subtracting(tableNames).sorted()); only in the table: \(tableNames.subtracting(values.keys).sorted())")
        // Defaults, rendered as CONFIG GET prints them, match what a server started with no file
        // reports — except what the test harness sets and what the host adjusts.
        let setByHarness: Set<String> = ["port", "bind", "dir", "save", "appendonly", "daemonize", "protected-mode", "logfile"]
        let hostAdjusted: Set<String> = ["maxclients"]  // lowered to the open-files limit
        var wrong: [String] = []
        for spec in visible where spec.kind != .special && !setByHarness.contains(spec.name) && !hostAdjusted.contains(spec.name) {
            let expected = ConfigLinter.render(spec, spec.defaultValue ?? "", hzClamp: false)
            if values[spec.name] != expected { wrong.append("\(spec.name): table \(expected.debugDescription), server \(values[spec.name]?.debugDescription ?? "nil")") }
        }
        #expect(wrong.isEmpty, "\(wrong)")
    }

    @Test func lintsARunningServer() throws {
        let server = try RedisServerProcess(arguments: ["--maxmemory-policy", "allkeys-lru", "--protected-mode", "no", "--bind", "127.0.0.1"])
        var options = ConfigLintOptions()
        options.host = HostFacts(overcommitMemory: 1)
        let report = try ConfigLinter(options: options).lint(running: try configGetAll(server), isLocal: true)
        let rules = Set(report.diagnostics.compactMap(\.configRule))
        #expect(rules.isSuperset(of: [.noPersistence, .maxmemoryUnset, .allkeysEviction, .protectedModeOff]))
        #expect(!rules.contains(.openWithoutPassword) && !rules.contains(.overcommit) && !report.isFatal)
        #expect(report.diagnostics.allSatisfy { $0.location == nil && $0.key != nil })
    }

    @Test func driftReportsWhatConfigSetChanged() throws {
        let server = try RedisServerProcess(arguments: ["--maxmemory", "100mb"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("memops-drift-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("redis.conf").path
        // The same settings the harness passes on the command line, so only CONFIG SET differs.
        try """
            port \(server.port)
            save ""
            appendonly no
            daemonize no
            protected-mode yes
            maxmemory 100mb
            hz 10
            """.write(toFile: file, atomically: true, encoding: .utf8)
        var options = ConfigLintOptions()
        options.hostChecks = false
        let linter = try ConfigLinter(options: options)
        let fileReport = try linter.lint(file: file)
        #expect(linter.drift(file: fileReport, running: try configGetAll(server), fileName: file).filter { $0.key != "maxclients" }.isEmpty)

        try server.cli("CONFIG", "SET", "maxmemory", "200mb")
        try server.cli("CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
        let drift = linter.drift(file: fileReport, running: try configGetAll(server), fileName: file).filter { $0.key != "maxclients" }
        #expect(Set(drift.compactMap(\.key)) == ["maxmemory", "maxmemory-policy"])
        let mm = try #require(drift.first { $0.key == "maxmemory" })
        #expect(mm.configRule == .drift && mm.location == SourceLocation(file: file, line: 6, column: 1))
        #expect(mm.message.contains("209715200") && mm.message.contains("104857600"))
    }
}
