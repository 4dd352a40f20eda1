import Foundation
import MemopsRDB

/// What to do with a key that already exists on the target.
public enum ConflictPolicy: String, Sendable, CaseIterable {
    /// Leave the existing key alone and count it (RESTORE without REPLACE: BUSYKEY).
    case skip
    /// Overwrite it (RESTORE … REPLACE).
    case replace
    /// Refuse the whole restore before writing anything when any selected key exists.
    case fail
}

/// What to do with the backup's function libraries (FUNCTION RESTORE policies).
public enum FunctionPolicy: String, Sendable, CaseIterable {
    case skip, append, replace
}

/// How a live restore checks the backup before it writes the first key.
public enum RestoreCheck: String, Sendable, CaseIterable {
    /// `digest` for a backup whose manifest records a checked content, `deep` for any other
    /// file (see `automatic(for:)`).
    case auto
    /// The stored file's size and SHA-256 against its manifest, without decompressing: proves
    /// the file is byte for byte the one the backup wrote (whose header and CRC64 were checked
    /// then). The parse while restoring still checks every key and the CRC64.
    case digest
    /// A full pass over the backup first: every key's structure and the CRC64, as
    /// `memops verify --deep` does.
    case deep
    /// No check before writing: damage is found only once the keys before it were written.
    case none

    /// What `auto` means for a backup: `digest` when its manifest says the content was checked
    /// when it was made (the CRC64 trailer, or a deep verify), so that a matching digest proves
    /// it is intact; `deep` otherwise (no manifest, or a dump saved with `rdbchecksum no`, whose
    /// content nothing ever checked).
    static func automatic(for manifest: BackupManifest?) -> RestoreCheck {
        guard let manifest else { return .deep }
        return manifest.rdb.crc64 != nil || manifest.verification?.level == "deep" ? .digest : .deep
    }
}

/// Everything a live restore needs; built by the CLI, never from argument-parser types.
public struct LiveRestoreOptions: Sendable {
    /// The backup: `.rdb.zst` or a plain RDB file.
    public var backup: String
    /// Keys matching any of these globs; every key when empty.
    public var patterns: [Glob] = []
    /// Only this database of the backup; every database when nil.
    public var sourceDB: Int?
    /// Write every selected key into this database; each key's own database when nil.
    public var targetDB: Int?
    /// Only these keys (exact names).
    public var keys: [[UInt8]] = []
    public var onConflict: ConflictPolicy = .skip
    /// Restore keys whose TTL has passed (without a TTL) instead of skipping them.
    public var keepExpired = false
    public var functions: FunctionPolicy = .append
    /// Read and check everything, count conflicts, write nothing.
    public var dryRun = false
    /// How the backup is checked before the first key is written (a corrupt tail found later
    /// would leave a half-restored target).
    public var check = RestoreCheck.auto
    /// A batch is sent when it holds this many keys …
    public var batchKeys = 1_000
    /// … or this many payload bytes (a bigger key goes alone). Four batches may be in memory at
    /// once (see `BatchSender`), so this bounds the restore's memory with `spoolThreshold`.
    public var batchBytes = 4 << 20
    /// A payload bigger than this is not held in memory: its bytes go to an anonymous temporary
    /// file (`SpoolFile`) as they are read, and its RESTORE is written to the socket from there
    /// in pieces, so memory stays flat whatever the size of the key.
    public var spoolThreshold = 4 << 20
    /// Where spool files go: $TMPDIR, else /tmp, when nil.
    public var spoolDirectory: String?
    /// "Now" for deciding which keys have expired; the wall clock when nil.
    public var now: Date?
    /// How many key names errors and summaries list.
    public var exampleLimit = 10

    public init(backup: String) {
        self.backup = backup
    }

    /// Whether a key of the backup is selected by the filters (expiry aside).
    func selects(db: Int, key: [UInt8]) -> Bool {
        if let sourceDB, db != sourceDB { return false }
        if !keys.isEmpty && !keys.contains(key) { return false }
        if !patterns.isEmpty && !patterns.contains(where: { $0.matches(key) }) { return false }
        return true
    }
}

/// A key that was not restored, and why.
public struct RestoreProblem: Sendable, Equatable, CustomStringConvertible {
    public var db: Int
    public var key: String
    public var reason: String
    public var description: String { "\(key) (db \(db)): \(reason)" }
}

/// What a live restore (or its dry run) did.
public struct LiveRestoreResult: Sendable {
    public var backupHeader = RDBHeader(flavor: .redis, version: 0)
    public var target = TargetServer(flavor: .redis, version: "0")
    public var dryRun = false
    /// Keys in the backup, and those the filters selected.
    public var keysInBackup = 0
    public var keysSelected = 0
    /// Written keys: new ones, and existing ones overwritten (--on-conflict replace).
    public var restored = 0
    public var replaced = 0
    /// Keys left alone because they exist (--on-conflict skip).
    public var skippedExisting = 0
    /// Keys whose TTL had passed.
    public var skippedExpired = 0
    /// Keys refused by the server or that the target cannot hold, with their names.
    public var failed = 0
    public var problems: [RestoreProblem] = []
    /// Selected keys that exist on the target (counted by the dry run and --on-conflict fail).
    public var conflicts = 0
    public var conflictExamples: [String] = []
    /// Payloads re-stamped with the target's older RDB version.
    public var restamped = 0
    /// Keys whose stored type the target does not know, written with plain commands instead
    /// (HSET, RPUSH, SADD, ZADD, XADD + XGROUP/XCLAIM) under a temporary name, then renamed.
    public var rebuilt = 0
    /// Payload bytes sent (or, in a dry run, that would be sent).
    public var bytes: UInt64 = 0
    /// Function libraries found, and what happened to them.
    public var functionLibraries = 0
    public var functionsOutcome: String?
    /// Whether the function libraries were refused by the target (the outcome says why).
    public var functionsRefused = false
    /// Into a cluster: the keys and payload bytes each primary takes (a dry run's plan).
    public var perNode: [String: NodeShare] = [:]
    /// RESTOREs a cluster node redirected (MOVED, ASK), to send again.
    var redirects: [RestoreRedirect] = []
    public var seconds: Double = 0
}

/// What one cluster primary takes in a restore.
public struct NodeShare: Sendable, Equatable {
    public var keys = 0
    public var bytes: UInt64 = 0
}

extension LiveRestoreResult {
    /// Adds what batches of RESTOREs came to: keys written, skipped and failed, their problems
    /// (up to the listing's bound), and the redirects still to send.
    mutating func addWrites(_ o: LiveRestoreResult, examples: Int) {
        restored += o.restored
        replaced += o.replaced
        skippedExisting += o.skippedExisting
        failed += o.failed
        problems += o.problems.prefix(max(0, max(examples, 100) - problems.count))
        redirects += o.redirects
    }

    /// Adds another part's counts (one file of a set restored on its own).
    mutating func add(_ o: LiveRestoreResult, examples: Int) {
        backupHeader = o.backupHeader
        target = o.target
        keysInBackup += o.keysInBackup
        keysSelected += o.keysSelected
        skippedExpired += o.skippedExpired
        addWrites(o, examples: examples)
        restamped += o.restamped
        rebuilt += o.rebuilt
        bytes += o.bytes
        functionLibraries += o.functionLibraries
        functionsOutcome = functionsOutcome ?? o.functionsOutcome
        functionsRefused = functionsRefused || o.functionsRefused
    }
}
