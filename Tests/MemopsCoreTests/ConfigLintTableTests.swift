import Foundation
import Testing
@testable import MemopsCore

/// The embedded tables against the shared per-version data (`../shared/lint-data`), which was
/// extracted from the same config.c independently.
@Suite struct ConfigLintTableTests {
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/lint-data/redis-configs-by-version.json")

    @Test(.enabled(if: FileManager.default.fileExists(atPath: shared.path), "needs ../shared beside the clone"))
    func embeddedTablesAgreeWithTheSharedData() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.shared)) as? [String: Any])
        let versions = try #require(json["versions"] as? [String: [String: Any]])
        #expect(versions.count == 5)
        for (tag, data) in versions {
            let table = try #require(RedisConfigTables.table(for: tag), "no table for \(tag)")
            let configs = try #require(data["configs"] as? [String: [String: Any]])
            for (name, entry) in configs {
                // LOG_REQ_RES builds only (redis's own test suite); not in release binaries.
                if ["req-res-logfile", "client-default-resp"].contains(name) { continue }
                let spec = try #require(table.spec(name), "\(tag): \(name) missing")
                #expect(spec.name == name, "\(tag): \(name) is an alias in memops")
                #expect((entry["alias"] as? String) == spec.alias, "\(tag): \(name) alias")
                let kind = (entry["kind"] as? String ?? "").lowercased()
                let mine = spec.kind == .enumeration ? "enum" : spec.kind.rawValue.lowercased()
                #expect(kind == mine, "\(tag): \(name) kind \(kind) vs \(mine)")
            }
            let ignored = Set(data["deprecated_ignored"] as? [String] ?? [])
            // The shared data lists none for 6.2, whose hand-written parser ignores two list-max-ziplist-* names.
            if tag != "6.2.16" { #expect(ignored == Set(table.ignored), "\(tag): ignored \(ignored) vs \(table.ignored)") }
        }
    }

    @Test func everyTableIsConsistent() {
        for table in RedisConfigTables.versions {
            for spec in table.directives {
                if spec.kind == .enumeration { #expect(!spec.values.isEmpty && spec.defaultValue.map(spec.values.contains) != false, "\(table.version) \(spec.name)") }
                if spec.kind.isNumeric, let d = spec.defaultValue {
                    // Every default must pass the directive's own parser and bounds.
                    if case .failure(let f) = ConfigValidator.parseNumeric(spec, Array(d.utf8)) { Issue.record("\(table.version) \(spec.name) default \(d): \(f.message)") }
                }
            }
            #expect(table.commands.contains("get") && table.commands.contains("config"), "\(table.version) commands")
        }
    }
}
