import ArgumentParser
import Foundation
import MemopsCore

extension MemopsCommand.Backup {
    /// Lists the backups in a folder.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List backups: time, sizes, ratio, keys, server version, verified or not."
        )

        @Option(name: .customLong(CLIFlag.dest.rawValue), help: ArgumentHelp("Backup folder.", valueName: "dir"))
        var dest: String

        @Option(name: .customLong(CLIFlag.prefix.rawValue), help: "Only backups with this name prefix.")
        var prefix: String?

        @Flag(help: "JSON output (an array of objects; stable schema, see the README).")
        var json = false

        func run() throws {
            let entries = try BackupCatalog.list(dest, prefix: prefix)
            if json {
                Terminal.write(try BackupListJSON.render(entries))
                return
            }
            if entries.isEmpty {
                Terminal.write("no backups in \(dest)\n")
                return
            }
            var rows = [["TIME (UTC)", "FILE", "RAW", "STORED", "RATIO", "KEYS", "SERVER", "VERIFIED"]]
            for e in entries {
                if let set = e.set {
                    let ratio = set.storedBytes > 0 ? String(format: "%.2fx", Double(set.rawBytes) / Double(set.storedBytes)) : "-"
                    let verified = set.verification.map { "\($0.ok ? "ok" : "FAILED") (\($0.level))" } ?? "no"
                    let server = "cluster \(set.shards.count) shards" + (set.consistency != nil ? ", consistent" : "")
                    rows.append([Format.time(set.savedAt), e.file + "/", Format.bytes(set.rawBytes), Format.bytes(set.storedBytes), ratio,
                                 String(set.keys), server, verified])
                    continue
                }
                guard let m = e.manifest else {
                    rows.append([Format.time(e.time), e.file, "-", Format.bytes(e.bytes), "-", "-", "-", e.manifestProblem ?? "?"])
                    continue
                }
                let ratio = m.compressed.bytes > 0 ? String(format: "%.2fx", Double(m.rdb.bytes) / Double(m.compressed.bytes)) : "-"
                let keys = m.keyspace.reduce(0) { $0 + $1.keys }
                let verified = m.verification.map { "\($0.ok ? "ok" : "FAILED") (\($0.level))" } ?? "no"
                rows.append([Format.time(m.savedAt), e.file, Format.bytes(m.rdb.bytes), Format.bytes(m.compressed.bytes), ratio, String(keys), m.server.version, verified])
            }
            Terminal.write(Format.table(rows))
        }
    }
}

/// `backup list --json`: one object per backup, newest first. Fields: file, path, time,
/// rawBytes, storedBytes, ratio, keys, serverVersion, rdbVersion, verified ("ok", "failed",
/// "no"), verifiedLevel, complete (false when the manifest is missing), problem.
enum BackupListJSON {
    struct Row: Encodable {
        var file: String
        var path: String
        var time: Date
        var rawBytes: UInt64?
        var storedBytes: UInt64
        var ratio: Double?
        var keys: Int?
        var serverVersion: String?
        var rdbVersion: Int?
        var verified: String
        var verifiedLevel: String?
        var complete: Bool
        var problem: String?
        /// "file", or "cluster" for a Redis Cluster backup set (a folder of shard files).
        var kind: String
        /// A set's shards; nil for a single file.
        var shards: Int?
        var consistent: Bool?
    }

    static func render(_ entries: [BackupEntry]) throws -> String {
        let rows = entries.map { e -> Row in
            if e.isSet {
                let s = e.set
                return Row(
                    file: e.file, path: e.path, time: s?.savedAt ?? e.time, rawBytes: s?.rawBytes, storedBytes: e.bytes,
                    ratio: s.map { $0.storedBytes > 0 ? Double($0.rawBytes) / Double($0.storedBytes) : 0 }, keys: s?.keys,
                    serverVersion: s?.shards.first?.manifest.server.version, rdbVersion: s?.shards.first?.manifest.rdb.version,
                    verified: s?.verification.map { $0.ok ? "ok" : "failed" } ?? "no", verifiedLevel: s?.verification?.level,
                    complete: s != nil, problem: e.manifestProblem, kind: "cluster", shards: s?.shards.count, consistent: s.map { $0.consistency != nil })
            }
            let m = e.manifest
            return Row(
                file: e.file, path: e.path, time: m?.savedAt ?? e.time, rawBytes: m?.rdb.bytes, storedBytes: e.bytes,
                ratio: m.map { $0.compressed.bytes > 0 ? Double($0.rdb.bytes) / Double($0.compressed.bytes) : 0 },
                keys: m.map { $0.keyspace.reduce(0) { $0 + $1.keys } }, serverVersion: m?.server.version, rdbVersion: m?.rdb.version,
                verified: m?.verification.map { $0.ok ? "ok" : "failed" } ?? "no", verifiedLevel: m?.verification?.level,
                complete: m != nil, problem: e.manifestProblem, kind: "file", shards: nil, consistent: nil)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(rows), as: UTF8.self) + "\n"
    }
}
