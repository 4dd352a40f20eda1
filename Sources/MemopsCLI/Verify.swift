import ArgumentParser
import Foundation
import MemopsCore

extension MemopsCommand {
    /// `memops verify`: check that backups are intact.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify backups: zstd frames and checksum, SHA-256 against the manifest, RDB header and CRC64.",
            discussion: """
                --deep adds a full structural parse of every key (listpacks, ziplists, intsets, \
                streams, …, like redis' sanitize-dump) and prints keys, expires and databases. \
                Exits 6 with the reason (and, deep, the byte offset and key) on the first failure.

                \(MemopsCommand.exitCodeTable)
                """
        )

        @Argument(help: ArgumentHelp("Backup files (.rdb.zst), cluster backup sets (their .cluster folder) or plain RDB files.", valueName: "file"))
        var files: [String] = []

        @Option(name: .customLong(CLIFlag.dest.rawValue), help: ArgumentHelp("Backup folder, with --latest or --all.", valueName: "dir"))
        var dest: String?

        @Flag(name: .customLong(CLIFlag.latest.rawValue), help: "Verify the newest backup in --dest.")
        var latest = false

        @Flag(name: .customLong(CLIFlag.all.rawValue), help: "Verify every backup in --dest.")
        var all = false

        @Flag(help: "Also parse every key (structure, not only checksums).")
        var deep = false

        @Flag(name: .shortAndLong, help: "Quiet: print nothing on success.")
        var quiet = false

        func validate() throws {
            if files.isEmpty && dest == nil { throw ValidationError("name a backup file, or --dest DIR with --latest or --all") }
            if dest != nil && latest == all { throw ValidationError("with --dest, pass exactly one of --latest or --all") }
            if !files.isEmpty && dest != nil { throw ValidationError("pass backup files or --dest, not both") }
        }

        func run() throws {
            var targets: [(path: String, manifest: BackupManifest?)] = []
            if let dest {
                let entries = try BackupCatalog.list(dest)
                guard !entries.isEmpty else { throw VerificationError.missing("no backups in \(dest)") }
                for e in latest ? Array(entries.prefix(1)) : entries { targets += try Verifier.targets(for: e.path) }
            } else {
                for file in files { targets += try Verifier.targets(for: file) }
            }
            for target in targets {
                let bar = ProgressBar("verify")
                let report = try Verifier.verify(path: target.path, manifest: target.manifest, deep: deep) { bar.update(done: $0, total: target.manifest?.rdb.bytes) }
                bar.finish()
                if !quiet {
                    var line = "ok \(target.path): \(report.rdb.header.text), \(Format.bytes(report.rawBytes))"
                    line += report.rdb.checksumDisabled ? ", no CRC64 (rdbchecksum no)" : (report.rdb.checksum != nil ? ", CRC64 ok" : "")
                    line += report.checkedAgainstManifest ? ", SHA-256 matches the manifest" : (report.compressed ? ", no manifest to compare" : "")
                    if let summary = report.summary {
                        let dbs = summary.databases.keys.sorted().map { "db\($0) \(summary.databases[$0]!.keys)" }
                        line += ", parsed: \(summary.totalKeys) keys, \(summary.totalExpires) with TTL (\(summary.totalAlreadyExpired) already expired)"
                        line += dbs.isEmpty ? "" : " [\(dbs.joined(separator: ", "))]"
                    }
                    Terminal.write(line + "\n")
                }
            }
        }
    }
}
