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

                REDIS CLUSTER AND SENTINEL
                  Given any node of a Redis Cluster, one run backs up every shard as one set: the folder \
                PREFIX-….cluster/ with a file per shard and a manifest of the topology, published only when every \
                shard's file is verified and the topology did not change. --consistent saves every shard at one \
                instant (writes paused on every primary while the saves fork, milliseconds); --prefer-replica saves \
                on in-sync replicas. Behind Sentinel the backup is taken from a replica whose link is up \
                (--no-prefer-replica: the master).

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

        @Flag(name: .customLong(CLIFlag.consistent.rawValue),
              help: "Redis Cluster: save every shard at one instant (writes paused on every primary while the saves fork, for milliseconds).")
        var consistent = false

        @Flag(name: .customLong(CLIFlag.preferReplica.rawValue), inversion: .prefixedNo,
              help: "Save on an in-sync replica instead of the primary, so the fork never touches it (the default behind Sentinel; a cluster's shards otherwise use their primaries).")
        var preferReplica: Bool?

        @Option(parsing: .unconditional, help: "Redis Cluster: shards saved and streamed at the same time.")
        var parallel = 4

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
            try Ranges.check("--parallel", parallel, 1...64)
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
            // A bad destination or prefix is the user's to fix before any server is asked.
            try request.checkDestination()
            try connection.withFailover { deployment in
                if deployment.isCluster {
                    try runCluster(deployment, request)
                    return
                }
                var engine = BackupEngine(connection: try source(deployment), request: request)
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

        /// The server to save: the one given, or behind Sentinel a replica whose link is up
        /// (unless --no-prefer-replica), else the master.
        private func source(_ deployment: Deployment) throws -> ConnectionConfig {
            guard case .sentinel(_, let replicas) = deployment.kind, preferReplica ?? true else {
                if preferReplica == true && !deployment.isCluster {
                    Terminal.warning("\(CLIFlag.preferReplica) needs a Redis Cluster or a master found through Sentinel; saving \(deployment.base)")
                }
                return deployment.base
            }
            for address in replicas {
                let config = deployment.config(for: address)
                if let info = try? RedisConnection(config).info("replication"), info["master_link_status"] == "up" { return config }
            }
            Terminal.warning("no replica of \(deployment.base) has its link up; saving the master")
            return deployment.base
        }

        private func runCluster(_ deployment: Deployment, _ request: BackupRequest) throws {
            var options = ClusterBackupOptions()
            options.preferReplica = preferReplica ?? false
            options.consistent = consistent
            options.parallel = parallel
            let result = try ClusterBackupEngine(deployment: deployment, request: request, options: options).run()
            for warning in result.warnings { Terminal.warning(warning) }
            if verbose || dryRun { BackupReportPrinter.print(result, dryRun: dryRun) }
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

extension BackupReportPrinter {
    /// The `-v` summary of a cluster backup set.
    static func print(_ result: ClusterBackupResult, dryRun: Bool) {
        let m = result.manifest
        let ratio = m.storedBytes > 0 ? Double(m.rawBytes) / Double(m.storedBytes) : 0
        var text = "backup set \(result.path)\n"
        text += "  cluster  \(m.cluster.seed), \(m.shards.count) shards, epoch \(m.cluster.currentEpoch.map(String.init) ?? "?")\n"
        for shard in m.shards {
            text += "  shard    \(shard.manifest.file): slots \(ClusterTopology.describe(shard.slotRanges)) from \(shard.role) \(shard.nodeAddress), "
            text += "\(Format.bytes(shard.manifest.compressed.bytes)), \(shard.manifest.keyspace.reduce(0) { $0 + $1.keys }) keys\n"
        }
        text += "  size     \(Format.bytes(m.rawBytes)) raw, \(Format.bytes(m.storedBytes)) stored (\(String(format: "%.2f", ratio))x)\n"
        if let c = m.consistency { text += "  instant  writes paused \(String(format: "%.1f", c.pausedMilliseconds)) ms on every primary\n" }
        text += "  took     \(String(format: "%.2f", m.durationSeconds)) s\n"
        for name in result.leftoversRemoved { text += "  removed leftover \(name) from an interrupted run\n" }
        for entry in result.retention.removed { text += "  \(dryRun ? "would remove" : "removed") \(entry.file) (retention)\n" }
        if dryRun {
            for (entry, reasons) in result.retention.kept { text += "  keep \(entry.file): \(reasons.joined(separator: ", "))\n" }
        }
        Terminal.write(text)
    }
}
