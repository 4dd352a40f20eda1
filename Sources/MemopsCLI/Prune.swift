import ArgumentParser
import Foundation
import MemopsCore

extension MemopsCommand {
    /// `memops prune`: fix what audit finds, safely, with an undo journal.
    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove orphans and policy breakers, fix TTLs, trim streams; dry run unless --yes.",
            discussion: """
                TARGETS (at least one)
                  --orphans              index members whose key does not exist (ZREM / SREM / HDEL)
                  --expired-policy       keys breaking their TTL policy: removed, or with --fix-ttl given the policy's TTL \
                (EXPIRE to the bound; PERSIST where a TTL is forbidden)
                  --older-than 30d --namespace embedding   entities whose index score is older, with their index member
                  --pattern GLOB         every key matching the SCAN glob
                  --trim-streams         XTRIM streams to their policy (MAXLEN ~, MINID ~ for events:log)

                SAFETY
                  Without --yes nothing changes: the plan, counts and bytes are printed. With --yes every item is \
                re-checked atomically in a Lua script right before it changes (the key's DUMP digest and PEXPIRETIME, \
                the member's score, the referenced key's absence): a key written or refreshed since the scan is kept \
                and counted. Keys are removed with UNLINK in pipelined batches; --rate caps the commands that change something per second (the planning scan runs at full speed).

                JOURNAL AND UNDO
                  Acting writes a journal (default memops-prune-YYYYmmdd-HHMMSS.journal.zst, mode 0600, zstd, \
                fsynced per batch) with the DUMP payload and expiry of every removed key, every removed member with \
                its score, and every changed TTL; after a dropped connection, also what the last batch may have removed. \
                `memops prune --undo FILE` puts it all back: RESTORE … ABSTTL \
                (a key written since is kept unless --replace), ZADD NX, SADD, HSETNX, PEXPIREAT/PERSIST. Stream \
                trims are not journalled and cannot be undone.

                \(MemopsCommand.aclSection(.prune, .pruneUndo))
                """,
            helpNames: [.long]
        )

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var schema: SchemaOption

        @Flag(name: .customLong(CLIFlag.orphans.rawValue), help: "Remove index members whose key does not exist.")
        var orphans = false
        @Flag(name: .customLong(CLIFlag.expiredPolicy.rawValue), help: "Remove keys breaking their TTL policy (or fix them with --fix-ttl).")
        var expiredPolicy = false
        @Flag(name: .customLong(CLIFlag.fixTTL.rawValue), help: "With --expired-policy: apply the policy's TTL instead of removing.")
        var fixTTL = false
        @Option(name: .customLong(CLIFlag.olderThan.rawValue), help: ArgumentHelp("Entities older than this by index score: 90s, 30m, 12h, 30d.", valueName: "age"))
        var olderThan: String?
        @Option(name: .customLong(CLIFlag.namespace.rawValue), help: "With --older-than: the entity namespace (e.g. embedding).")
        var namespace: String?
        @Option(name: .customLong(CLIFlag.pattern.rawValue), help: ArgumentHelp("Remove every key matching this SCAN glob.", valueName: "glob"))
        var pattern: String?
        @Flag(name: .customLong(CLIFlag.trimStreams.rawValue), help: "XTRIM streams to their policy.")
        var trimStreams = false

        @Flag(help: "Act. Without it, only print what would change.")
        var yes = false
        @Option(help: ArgumentHelp("Journal file for the undo (created, never overwritten).", valueName: "file"))
        var journal: String?
        @Flag(name: .customLong("no-journal"), help: "Act without a journal (no undo).")
        var noJournal = false
        @Option(help: ArgumentHelp("Undo a prune from its journal, then exit.", valueName: "file"))
        var undo: String?
        @Flag(help: "With --undo: overwrite keys written since the prune.")
        var replace = false

        @Option(help: "SCAN COUNT and pipeline batch size.")
        var count = 1000
        @Option(help: ArgumentHelp("At most this many commands per second.", valueName: "ops"))
        var rate: Double?
        @Flag(name: .shortAndLong, help: "List every planned change (default: the first 20).")
        var verbose = false

        func validate() throws {
            let targets = [orphans, expiredPolicy, olderThan != nil, pattern != nil, trimStreams].filter { $0 }.count
            if undo == nil && targets == 0 { throw ValidationError("choose a target: --orphans, --expired-policy, --older-than, --pattern or --trim-streams") }
            if undo != nil && targets > 0 { throw ValidationError("--undo cannot be combined with targets") }
            if fixTTL && !expiredPolicy { throw ValidationError("--fix-ttl goes with --expired-policy") }
            if (olderThan != nil) != (namespace != nil) { throw ValidationError("--older-than and --namespace go together") }
            if let olderThan, PruneOptions.ageSeconds(olderThan) == nil { throw ValidationError("--older-than wants a number and a unit (s, m, h, d), at most 100 years, not \(olderThan)") }
            if count < 1 { throw ValidationError("--count must be 1 or more") }
            try Ranges.rate(rate)
            try Ranges.check("--count", count, 1...100_000)
        }

        func run() throws {
            if let undo {
                try PruneUndo.run(journal: undo, deployment: try connection.deployment(), replace: replace)
                return
            }
            let deployment = try connection.deployment()
            let cluster = try deployment.stableCluster()
            var options = PruneOptions()
            options.orphans = orphans
            options.expiredPolicy = expiredPolicy
            options.fixTTL = fixTTL
            options.olderThanSeconds = olderThan.flatMap(PruneOptions.ageSeconds)
            options.namespace = namespace
            options.pattern = pattern
            options.trimStreams = trimStreams
            options.count = count
            options.rate = rate
            let pruner = try cluster.map { try Pruner(cluster: $0, schema: try schema.load(), options: options) }
                ?? Pruner(connection: try RedisConnection(deployment.base), schema: try schema.load(), options: options)
            let actions = try pruner.plan(digests: yes)
            for a in actions.prefix(verbose ? actions.count : 20) { Terminal.write(a.describe + "\n") }
            if !verbose && actions.count > 20 { Terminal.write("… and \(actions.count - 20) more (-v lists them all)\n") }
            guard yes else {
                let p = Pruner.preview(actions)
                Terminal.write("dry run: would remove \(p.keysRemoved) keys (\(Format.bytes(UInt64(p.bytesFreed)))) and \(p.membersRemoved) index members, change \(p.ttlsChanged) TTLs; --yes to act\n")
                return
            }
            var file: PruneJournal?
            if !noJournal {
                let path = journal ?? Prune.defaultJournalName()
                file = try PruneJournal(creating: path)
                Terminal.writeErr("memops: journal \(path) (undo: memops prune --undo \(path))\n")
            }
            let r = try pruner.apply(actions, journal: file)
            try file?.close()
            Terminal.write("removed \(r.keysRemoved) keys (\(Format.bytes(UInt64(r.bytesFreed))) freed) and \(r.membersRemoved) index members, changed \(r.ttlsChanged) TTLs, trimmed \(r.entriesTrimmed) stream entries; kept \(r.keptBecauseChanged) because they changed since the scan\n")
        }

        static func defaultJournalName() -> String {
            "memops-prune-\(UTCTime.fileStamp(Date())).journal.zst"
        }
    }
}

/// Undoing a prune from its journal: `memops prune --undo FILE` and `memops restore --journal FILE`.
enum PruneUndo {
    static func run(journal: String, deployment: Deployment, replace: Bool) throws {
        let target: KeyRouter = deployment.isCluster ? ClusterClient(deployment) : try RedisConnection(deployment.base)
        let r = try PruneJournal.undo(path: journal, into: target, replace: replace)
        Terminal.write("restored \(r.keysRestored) keys, \(r.membersRestored) members, \(r.ttlsRestored) TTLs; \(r.keysSkipped) keys kept (written since the prune)\n")
        for e in r.errors.prefix(10) { Terminal.error(e) }
        if !r.errors.isEmpty { throw ExitCode(ExitStatus.failed.rawValue) }
    }
}
