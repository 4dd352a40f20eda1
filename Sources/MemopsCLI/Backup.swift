import ArgumentParser
import Foundation
import MemopsCore

extension VerifyLevel: ExpressibleByArgument {}

extension MemopsCommand {
    /// `memops backup`: the nightly backup, and `memops backup list`.
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup",
            abstract: "Back up a Redis server: BGSAVE, stream the RDB through zstd, publish atomically with a manifest.",
            discussion: """
                Waits for the save by Redis' own counters (never a sleep), checks the RDB's header and \
                CRC64 while streaming, writes DEST/.NAME.partial, fsyncs, renames to \
                PREFIX-YYYYMMDDTHHMMSSZ.rdb.zst (mode 0600) with PREFIX-….manifest.json beside it, \
                re-reads it to verify, and only then applies retention. A lock in DEST keeps cron \
                runs from overlapping. Silent on success unless -v; one line on stderr on failure.

                \(MemopsCommand.exitCodeTable)

                \(MemopsCommand.aclSection(.backup, .backupReplication))
                """,
            subcommands: [Run.self, List.self],
            defaultSubcommand: Run.self,
            // -h is --host for the default subcommand, as in redis-cli; help stays --help.
            helpNames: [.long]
        )
    }
}

extension MemopsCommand.Backup {
    /// Makes one backup.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Make a backup now (the default: `memops backup --dest DIR` runs this).",
            // -h is --host here, as in redis-cli; help stays --help.
            helpNames: [.long]
        )

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        @Option(name: .customLong(CLIFlag.dest.rawValue), help: ArgumentHelp("Backup folder (for example a NAS mount).", valueName: "dir"))
        var dest: String

        @Option(name: .customLong(CLIFlag.source.rawValue), help: "Where the RDB comes from: bgsave (the server's own file) or replication (SYNC, for another host).")
        var source: SourceKind = .bgsave

        @Option(name: .customLong(CLIFlag.rdbPath.rawValue), help: ArgumentHelp("The server's RDB file, when CONFIG GET is renamed away.", valueName: "path"))
        var rdbPath: String?

        @Option(name: .customLong(CLIFlag.prefix.rawValue), help: "Name prefix of backup files.")
        var prefix = "redis"

        @Option(parsing: .unconditional, help: "zstd compression level (1-19).")
        var level: Int32 = 3

        @Option(parsing: .unconditional, help: "zstd worker threads (default: all cores; 0 compresses on the main thread).")
        var threads: Int32 = Int32(ProcessInfo.processInfo.activeProcessorCount)

        @Option(name: .customLong(CLIFlag.saveTimeout.rawValue), parsing: .unconditional, help: "Seconds to wait for the background save.")
        var saveTimeout: Double = 3600

        @Option(name: .customLong(CLIFlag.lockWait.rawValue), parsing: .unconditional, help: "Seconds to wait for another run's lock (default: fail at once).")
        var lockWait: Double = 0

        @Option(name: .customLong("keep-last"), parsing: .unconditional, help: "Retention: keep the newest N backups.")
        var keepLast: Int?

        @Option(name: .customLong("keep-daily"), parsing: .unconditional, help: "Retention: keep the newest backup of each of the last N days.")
        var keepDaily: Int?

        @Option(name: .customLong("keep-weekly"), parsing: .unconditional, help: "Retention: keep the newest backup of each of the last N ISO weeks.")
        var keepWeekly: Int?

        @Option(name: .customLong("keep-monthly"), parsing: .unconditional, help: "Retention: keep the newest backup of each of the last N months.")
        var keepMonthly: Int?

        @Flag(name: .customLong("dry-run"), help: "Make the backup, but only show what retention would remove.")
        var dryRun = false

        @Option(help: "Verify the written file before publishing it: shallow (zstd, SHA-256, RDB trailer), deep (plus a full parse; exact key counts in the manifest) or none.")
        var verify: VerifyLevel = .shallow

        @Option(name: .customLong("metrics-file"), help: ArgumentHelp("Write Prometheus textfile metrics here (atomically).", valueName: "path"))
        var metricsFile: String?

        @Flag(name: .shortAndLong, help: "Print what was done on success.")
        var verbose = false

        enum SourceKind: String, ExpressibleByArgument, CaseIterable { case bgsave, replication }

        func validate() throws {
            if !(1...19).contains(level) { throw ValidationError("--level must be from 1 to 19, not \(level)") }
            // zstd itself caps workers at 200 (ZSTDMT_NBWORKERS_MAX on 64-bit builds).
            try Ranges.check("--threads", threads, 0...200)
            for (name, value) in [("--keep-last", keepLast), ("--keep-daily", keepDaily), ("--keep-weekly", keepWeekly), ("--keep-monthly", keepMonthly)] {
                try Ranges.check(name, value, 1...100_000)
            }
            try Ranges.seconds("--lock-wait", lockWait, max: Ranges.week, allowZero: true)
            if rdbPath != nil && source == .replication { throw ValidationError("--rdb-path goes with --source bgsave, not replication") }
            try Ranges.seconds("--save-timeout", saveTimeout, max: Ranges.week)
        }

        func run() throws {
            var request = BackupRequest(destination: dest)
            request.prefix = prefix
            request.source = source == .replication ? .replication : .bgsave(rdbPath: rdbPath)
            request.level = level
            request.workers = threads
            request.saveTimeout = saveTimeout
            request.lockWait = lockWait
            request.retention = RetentionPolicy(last: keepLast, daily: keepDaily, weekly: keepWeekly, monthly: keepMonthly)
            request.retentionDryRun = dryRun
            request.verify = verify
            request.metricsFile = metricsFile
            var engine = BackupEngine(connection: try connection.resolve(), request: request)
            let bar = ProgressBar("backup")
            engine.progress = { bar.update(done: $0, total: $1) }
            let result: BackupResult
            do {
                result = try engine.run()
            } catch {
                bar.finish()
                throw error
            }
            bar.finish()
            for warning in result.warnings { Terminal.warning(warning) }
            if verbose || dryRun {
                BackupReportPrinter.print(result, dryRun: dryRun)
            }
        }
    }
}

/// The `-v` summary of a backup run.
enum BackupReportPrinter {
    static func print(_ result: BackupResult, dryRun: Bool) {
        let m = result.manifest
        let ratio = m.compressed.bytes > 0 ? Double(m.rdb.bytes) / Double(m.compressed.bytes) : 0
        var text = "backup \(result.path)\n"
        text += "  server   \(m.server.address) redis \(m.server.version), \(m.rdb.header)\n"
        text += "  size     \(Format.bytes(m.rdb.bytes)) raw, \(Format.bytes(m.compressed.bytes)) stored (\(String(format: "%.2f", ratio))x)\n"
        text += "  keys     " + (m.keyspace.isEmpty ? "none" : m.keyspace.map { "db\($0.db) \($0.keys) (\($0.expires) with TTL)" }.joined(separator: ", ")) + "\n"
        text += "  took     \(String(format: "%.2f", m.durationSeconds)) s\n"
        for name in result.leftoversRemoved { text += "  removed leftover \(name) from an interrupted run\n" }
        for entry in result.retention.removed {
            text += "  \(dryRun ? "would remove" : "removed") \(entry.file) (retention)\n"
        }
        if dryRun {
            for (entry, reasons) in result.retention.kept { text += "  keep \(entry.file): \(reasons.joined(separator: ", "))\n" }
        }
        Terminal.write(text)
    }
}
