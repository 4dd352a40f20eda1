import ArgumentParser
import Foundation
import MemopsCore

extension ConflictPolicy: ExpressibleByArgument {}
extension RestoreCheck: ExpressibleByArgument {}
extension FunctionPolicy: ExpressibleByArgument {}

extension MemopsCommand {
    /// `memops restore`: a backup into a running server (live) or into a data directory (offline).
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Restore a backup: live into a running server (RESTORE), or offline into a data directory.",
            discussion: """
                LIVE (default; -u/-h/-p/-s name the server)
                  The backup is checked first, with nothing written: a backup with its manifest beside it by \
                its size and SHA-256 (the file is then byte for byte what the backup wrote, whose CRC64 it \
                checked), any other file (or a dump saved without a CRC64) by a full pass over its structure \
                and CRC64 (--verify deep forces it). A corrupt one is \
                refused. Then each selected key's stored bytes are sent as a DUMP payload with \
                RESTORE key ttl payload ABSTTL, in pipelined batches; payloads are never re-encoded, only \
                re-stamped with the target's RDB version when the target is older and knows the type. Keys the \
                target cannot hold (module values, newer types) are named. RESTORE is atomic: a key is restored \
                whole or not at all, and an interrupted restore can simply be run again. TTLs are absolute \
                times; keys already expired are skipped unless --keep-expired (restored without a TTL). \
                --db N restores only database N of the backup; --target-db writes into another. Memory is \
                flat (a few 4 MiB batches), whatever the size of the backup or of its largest key: a payload \
                over 4 MiB goes to an unnamed temporary file in $TMPDIR (else /tmp) as it is read, and its \
                RESTORE is written to the server from there in pieces; one longer than the server's \
                proto-max-bulk-len is rebuilt with commands under a temporary name, then renamed into place.

                OFFLINE (--data-dir DIR)
                  Deep-verifies the backup, refuses while a server runs on DIR (a redis-server process whose \
                working directory is DIR, its pid file, or a server at -u whose CONFIG GET dir is DIR) unless \
                --force, moves the existing dump.rdb and AOF files into DIR/memops-quarantine-TIMESTAMP (never \
                deletes), and writes dump.rdb atomically with the owner, group and mode of the file it replaces. \
                With appendonly yes (from --config or the server at -u) the RDB is also installed as the base of \
                a fresh multi-part AOF (appendonlydir, manifest) so Redis 7 loads it. --dry-run prints the steps.

                REDIS CLUSTER
                  BACKUP may be a cluster backup set (its .cluster folder) or one server's backup. Live into a \
                cluster (any node's address), each key goes to the primary that owns its slot, pipelined per node, \
                following MOVED and ASK; a dry run shows each node's share. Offline, give --data-dir once per \
                stopped node: each directory's nodes.conf says which slots its node serves, and it gets exactly \
                their keys. Redis Cluster has database 0 only: a backup with keys elsewhere is refused first.

                \(MemopsCommand.exitCodeTable)

                \(MemopsCommand.aclSection(.restore, .pruneUndo))
                """,
            helpNames: [.long]
        )

        @Argument(help: ArgumentHelp("The backup: .rdb.zst or a plain RDB file.", valueName: "backup"))
        var backup: String?

        @Option(help: ArgumentHelp("Undo a prune: put back what `memops prune` removed, from its journal (instead of a backup).", valueName: "file"))
        var journal: String?

        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        @Option(name: .customLong("pattern"), help: ArgumentHelp("Only keys matching this glob (repeatable; KEYS syntax).", valueName: "glob"))
        var patterns: [String] = []

        @Option(name: .customLong("only-key"), help: ArgumentHelp("Only this key (repeatable). (--key is the TLS client key, as in redis-cli.)", valueName: "name"))
        var keys: [String] = []

        @Option(name: .customLong(CLIFlag.targetDB.rawValue), help: ArgumentHelp("Write every key into this database (default: its own).", valueName: "n"))
        var targetDB: Int?

        @Option(name: .customLong(CLIFlag.onConflict.rawValue), help: "When a key exists: skip (counted), replace, or fail before writing anything.")
        var onConflict: ConflictPolicy = .skip

        @Flag(name: .customLong("keep-expired"), help: "Restore keys whose TTL has passed (without a TTL) instead of skipping them.")
        var keepExpired = false

        @Option(name: .customLong(CLIFlag.functions.rawValue), help: "Function libraries: skip, append (FUNCTION RESTORE APPEND), or replace.")
        var functions: FunctionPolicy = .append

        @Flag(name: .customLong("dry-run"), help: "Show what would be written (keys, bytes, conflicts, steps) without writing.")
        var dryRun = false

        @Option(name: .customLong(CLIFlag.verify.rawValue), help: "Live: how the backup is checked before the first key is written: auto (digest for a backup whose manifest records a checked CRC64, else deep), digest (size and SHA-256 against the manifest: the file is intact, its keys are parsed as they are restored), deep (a full pass first: every key's structure and the CRC64), none.")
        var verify: RestoreCheck = .auto

        @Flag(name: .customLong("no-verify"), help: "Live: same as --verify none; damage is then found only after earlier keys (perhaps the damaged one: the CRC64 is checked at the end) were written.")
        var noVerify = false

        @Option(name: .customLong("batch"), help: "Keys per pipelined batch.")
        var batch = 1_000

        @Option(name: .customLong(CLIFlag.dataDir.rawValue),
                help: ArgumentHelp("Offline: restore into this stopped Redis's data directory; for a cluster, once per node (each gets the keys of its slots, read from its nodes.conf).", valueName: "dir"))
        var dataDirs: [String] = []

        @Option(name: .customLong(CLIFlag.config.rawValue), help: ArgumentHelp("Offline: the server's redis.conf (dbfilename, appendonly, appenddirname).", valueName: "file"))
        var config: String?

        @Option(name: .customLong(CLIFlag.serverVersion.rawValue), help: ArgumentHelp("Offline: the version of the server that will load DIR (default: from -u, else redis-server --version).", valueName: "x.y.z"))
        var serverVersion: String?

        @Flag(name: .customLong(CLIFlag.force.rawValue), help: "Offline: restore even though a server seems to run on the directory.")
        var force = false

        @Flag(name: .shortAndLong, help: "Quiet: no summary on success.")
        var quiet = false

        @Flag(name: .shortAndLong, help: "With --dry-run: list every selected key (db, name, type, bytes, action, whether it exists).")
        var verbose = false

        /// Whether any connection option was given (offline restore reads the server's config then).

        func validate() throws {
            if (backup == nil) == (journal == nil) { throw ValidationError("name a backup to restore, or --journal FILE to undo a prune (not both)") }
            if journal != nil && (!dataDirs.isEmpty || !patterns.isEmpty || !keys.isEmpty || targetDB != nil || dryRun) {
                throw ValidationError("--journal restores the whole journal into the server at -u; only --on-conflict replace goes with it")
            }
            if noVerify && verify != .auto && verify != .none { throw ValidationError("--no-verify contradicts --verify \(verify.rawValue); pass one of them") }
            if let targetDB, targetDB < 0 { throw ValidationError("--target-db must be 0 or more, not \(targetDB)") }
            if batch < 1 { throw ValidationError("--batch must be 1 or more") }
            if dataDirs.isEmpty {
                if config != nil || force || serverVersion != nil {
                    throw ValidationError("--config, --force and --server-version go with --data-dir (offline restore)")
                }
            } else {
                if !patterns.isEmpty || !keys.isEmpty || targetDB != nil || onConflict != .skip || keepExpired || noVerify || verify != .auto {
                    throw ValidationError("--pattern, --key, --target-db, --on-conflict, --keep-expired, --verify and --no-verify are for live restore; "
                        + "an offline restore installs the whole file")
                }
            }
        }

        func run() throws {
            if let journal {
                try PruneUndo.run(journal: journal, deployment: try connection.deployment(), replace: onConflict == .replace)
            } else if !dataDirs.isEmpty {
                try runOffline(dataDirs)
            } else {
                try runLive()
            }
        }

        private func runLive() throws {
            guard let backup else { return }
            var options = LiveRestoreOptions(backup: backup)
            options.patterns = patterns.map(Glob.init)
            options.keys = keys.map { Array($0.utf8) }
            options.sourceDB = connection.db
            options.targetDB = targetDB
            options.onConflict = onConflict
            options.keepExpired = keepExpired
            options.functions = functions
            options.dryRun = dryRun
            options.check = noVerify ? .none : verify
            options.batchKeys = batch
            let progress = RestoreProgress()
            defer { progress.finish() }
            let restore = { (deployment: Deployment) throws -> LiveRestoreResult in
                var engine = LiveRestore(deployment: deployment, options: options)
                engine.progress = { progress.update($0, done: $1, total: $2) }
                if dryRun && verbose {
                    engine.plannedKey = { key in
                        progress.finish()
                        Terminal.write(RestoreReport.planned(key))
                    }
                }
                return try engine.run()
            }
            // Running again after a failover finishes the restore, unless conflicts must fail it:
            // then the keys written before it would be conflicts themselves.
            let result = onConflict == .fail ? try restore(try connection.deployment()) : try connection.withFailover(restore)
            progress.finish()
            if !quiet || dryRun || result.failed > 0 { Terminal.write(RestoreReport.live(result)) }
            if result.functionsRefused, let outcome = result.functionsOutcome { Terminal.warning("functions: \(outcome)") }
            if result.failed > 0 {
                throw RestoreError.keysFailed(count: result.failed, examples: result.problems.prefix(5).map(\.key))
            }
        }

        private func runOffline(_ dataDirs: [String]) throws {
            guard let backup else { return }
            var options = OfflineRestoreOptions(backup: backup, dataDirectory: dataDirs[0])
            options.configFile = config
            options.connection = connection.serverGiven ? try connection.resolve() : nil
            options.serverVersion = serverVersion
            options.force = force
            options.dryRun = dryRun
            let isCluster = dataDirs.count > 1 || (try? NodeDirectory.read(dataDirs[0])) != nil
                || ClusterBackupManifest.isSetFolder(backup)
            if isCluster {
                if options.connection != nil {
                    throw ValidationError("a cluster's nodes are restored offline from their data directories (their nodes.conf), with --config for the settings they share; leave out -u")
                }
                let results = try ClusterOfflineRestore(backup: backup, directories: dataDirs, template: options).run()
                for r in results {
                    for warning in r.result.warnings { Terminal.warning(warning) }
                    if !quiet || dryRun {
                        Terminal.write("node \(r.node.nodeID.prefix(8)) (\(r.node.isPrimary ? "primary" : "replica"), slots \(ClusterTopology.describe(r.node.slots))) in \(r.node.directory): \(r.keys) keys\n")
                        Terminal.write(RestoreReport.offline(r.result))
                    }
                }
                return
            }
            let result = try OfflineRestore(options: options).run()
            for warning in result.warnings { Terminal.warning(warning) }
            if !quiet || dryRun { Terminal.write(RestoreReport.offline(result)) }
        }
    }
}

/// One progress bar per pass over the backup ("check", then "restore"), on stderr when it is a terminal.
final class RestoreProgress {
    private var phase: LiveRestore.Phase?
    private var bar: ProgressBar?

    func update(_ phase: LiveRestore.Phase, done: UInt64, total: UInt64?) {
        if phase != self.phase {
            bar?.finish()
            bar = ProgressBar(phase.rawValue)
            self.phase = phase
        }
        bar?.update(done: done, total: total)
    }

    func finish() {
        bar?.finish()
        bar = nil
    }
}

/// The summaries restore prints on stdout.
enum RestoreReport {
    /// Restored, skipped, replaced, failed, bytes, time — or, for a dry run, what would happen.
    static func live(_ r: LiveRestoreResult) -> String {
        var text = r.dryRun ? "dry run: nothing was written\n" : ""
        text += "backup    \(r.backupHeader.text), \(r.keysInBackup) keys, \(r.keysSelected) selected\n"
        text += "target    \(r.target) (RDB \(r.target.rdbVersion))\n"
        if r.dryRun {
            text += "would restore \(r.keysSelected - r.skippedExpired - r.failed) keys, \(Format.bytes(r.bytes)) of payloads\n"
            for (node, share) in r.perNode.sorted(by: { $0.key < $1.key }) {
                text += "  to \(node): \(share.keys) keys, \(Format.bytes(share.bytes))\n"
            }
            text += "conflicts \(r.conflicts) key(s) already exist" + (r.conflictExamples.isEmpty ? "" : " (\(RestoreErrorList.join(r.conflictExamples, total: r.conflicts)))") + "\n"
        } else {
            text += "restored  \(r.restored)\n"
            text += "replaced  \(r.replaced)\n"
            text += "skipped   \(r.skippedExisting) existing\n"
        }
        text += "expired   \(r.skippedExpired) skipped\n"
        if r.restamped > 0 { text += "re-stamped \(r.restamped) payload(s) to RDB \(r.target.rdbVersion)\n" }
        if r.rebuilt > 0 { text += "rebuilt   \(r.rebuilt) key(s) with plain commands (a type \(r.target) does not know)\n" }
        text += "failed    \(r.failed)\n"
        for p in r.problems { text += "  \(p)\n" }
        if r.functionLibraries > 0 || r.functionsOutcome != nil {
            text += "functions \(r.functionsOutcome ?? "\(r.functionLibraries) librar\(r.functionLibraries == 1 ? "y" : "ies")")\n"
        }
        if !r.dryRun { text += "bytes     \(Format.bytes(r.bytes))\n" }
        text += "time      \(String(format: "%.2f", r.seconds)) s\n"
        return text
    }
}

extension RestoreReport {
    /// One line of a dry run's listing: `db0->db0  hash  1.2 KiB  restore  exists  session:abc`.
    static func planned(_ k: PlannedKey) -> String {
        let db = k.db == k.targetDB ? "db\(k.db)" : "db\(k.db)->db\(k.targetDB)"
        let exists = k.exists.map { $0 ? "exists" : "new" } ?? "-"
        return "\(db)\t\(k.type.rawValue)\t\(Format.bytes(UInt64(k.bytes)))\t\(k.action.rawValue)\t\(exists)\t\(k.key)\n"
    }

    /// Every step taken (or that would be), where the replaced files went, and what to do next.
    static func offline(_ r: OfflineRestoreResult) -> String {
        var text = r.dryRun ? "dry run: nothing was changed\n" : ""
        text += "settings from \(r.settings.source): dbfilename \(r.settings.dbfilename), appendonly "
        text += (r.settings.appendonly.map { $0 ? "yes" : "no" } ?? "unknown") + "\n"
        if let target = r.target { text += "target \(target) reads RDB up to \(target.rdbVersion); backup is \(r.header.text)\n" }
        for (i, step) in r.steps.enumerated() { text += "\(i + 1). \(step)\n" }
        if let q = r.quarantine { text += "replaced files \(r.dryRun ? "would be" : "are") kept in \(q)\n" }
        text += "next:\n"
        for step in r.nextSteps { text += "  - \(step)\n" }
        return text
    }
}

/// Joins example names, with an ellipsis when there were more.
enum RestoreErrorList {
    static func join(_ names: [String], total: Int) -> String {
        names.joined(separator: ", ") + (total > names.count ? ", …" : "")
    }
}
