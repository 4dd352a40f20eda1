import Foundation
import MemopsCLI
import MemopsCore
import Testing

/// Every `CLIFlag` that Core's messages name is a real option of the commands those messages
/// are about, read from the CLI's own description (`--experimental-dump-help`): renaming an
/// option fails here until the flag, and so every message, follows.
@Suite struct CLIFlagTests {
    /// The commands whose messages name `flag`. A switch, so a new case must say where it lives.
    static func commands(_ flag: CLIFlag) -> [String] {
        switch flag {
        case .dest: return ["backup run", "backup list", "verify"]
        case .prefix: return ["backup run", "backup list"]
        case .source, .rdbPath, .saveTimeout, .lockWait, .consistent, .preferReplica: return ["backup run"]
        case .latest, .all: return ["verify"]
        case .verify: return ["restore", "backup run"]
        case .onConflict, .functions, .config, .serverVersion, .force, .dataDir, .targetDB: return ["restore"]
        case .failOn: return ["audit", "config lint"]
        case .schema: return ["audit", "prune", "config lint", "schema show"]
        case .drift, .targetVersion, .enable: return ["config lint"]
        case .pattern, .orphans, .expiredPolicy, .fixTTL, .trimStreams, .olderThan, .namespace: return ["prune"]
        case .flush, .merge: return ["sample-data"]
        case .nodeOnly, .sentinel, .masterName, .sentinelUser, .sentinelPassFile, .user, .passFile, .connectTimeout, .timeout, .tls, .sni, .cacert, .cacertdir, .cert, .key, .insecure, .tlsCiphers,
            .tlsCiphersuites:
            return ["backup run", "restore", "audit", "estimate", "prune", "config lint", "sample-data"]
        }
    }

    /// The long option names of every command, by path ("backup run").
    static func options() throws -> [String: Set<String>] {
        let dump = MemopsCommand.runCaptured(["--experimental-dump-help"])
        let root = try #require(try JSONSerialization.jsonObject(with: dump.stdout) as? [String: Any])
        var out: [String: Set<String>] = [:]
        func walk(_ command: [String: Any], _ path: [String]) {
            for a in command["arguments"] as? [[String: Any]] ?? [] {
                for name in a["names"] as? [[String: Any]] ?? [] where name["kind"] as? String == "long" {
                    if let long = name["name"] as? String { out[path.joined(separator: " "), default: []].insert(long) }
                }
            }
            for s in command["subcommands"] as? [[String: Any]] ?? [] {
                walk(s, path + [s["commandName"] as? String ?? "?"])
            }
        }
        walk(root["command"] as? [String: Any] ?? [:], [])
        return out
    }

    @Test func everyFlagIsAnOptionOfItsCommands() throws {
        let options = try Self.options()
        #expect(options["prune"]?.contains("older-than") == true, "the walk found no options: \(options.keys.sorted())")
        var missing: [String] = []
        for flag in CLIFlag.allCases {
            for command in Self.commands(flag) where options[command]?.contains(flag.rawValue) != true {
                missing.append("memops \(command) has no \(flag)")
            }
        }
        #expect(missing.isEmpty, "\(missing.joined(separator: "; "))")
    }

    @Test func aFlagPrintsAsTyped() {
        #expect(CLIFlag.saveTimeout.description == "--save-timeout")
        #expect("raise \(CLIFlag.onConflict)" == "raise --on-conflict")
    }
}
