import Foundation

/// Why a restore did not happen or did not finish, each naming the thing and the fix.
public enum RestoreError: MemopsError, Equatable {
    /// The backup failed its check (deep, or its digest against the manifest); nothing was written.
    case corruptBackup(path: String, reason: String)
    /// The backup turned out corrupt while keys were being written (only without the checking pass).
    case corruptAfterWriting(path: String, reason: String, keysWritten: Int)
    /// `--on-conflict fail` found keys that already exist; nothing was written.
    case conflicts(count: Int, examples: [String])
    /// Some keys could not be restored; the others were.
    case keysFailed(count: Int, examples: [String])
    /// The backup's RDB version is newer than the target server can load.
    case rdbTooNew(file: Int, target: Int, targetVersion: String)
    /// A server runs on the data directory.
    case serverRunning(directory: String, evidence: String)
    /// An option combination or input that cannot work.
    case invalid(String)
    /// A backup with keys in databases a Redis Cluster does not have (it has 0 alone, a Valkey
    /// cluster `cluster-databases`); nothing was written (live) or installed (offline).
    case databasesBeyondCluster(databases: [Int], offline: Bool)
    /// A big key's payload could not be spooled to a temporary file (full disk, no TMPDIR).
    case spool(SpoolError)

    public var exitStatus: ExitStatus {
        switch self {
        case .corruptBackup, .corruptAfterWriting: return .verification
        case .invalid, .databasesBeyondCluster: return .usage
        case .rdbTooNew: return .wrongServer
        case .conflicts, .keysFailed, .serverRunning, .spool: return .failed
        }
    }

    public var description: String {
        switch self {
        case .corruptBackup(let path, let reason):
            return "backup \(path) failed verification, nothing was restored: \(reason)"
        case .corruptAfterWriting(let path, let reason, let keys):
            return "backup \(path) is corrupt: \(reason); \(keys) key(s) before that point were restored, each whole; "
                + "with \(CLIFlag.verify) deep a corrupt backup is refused before anything is written"
        case .conflicts(let count, let examples):
            return "\(count) key(s) already exist on the target (\(RestoreError.list(examples, total: count))); nothing was written; "
                + "use \(CLIFlag.onConflict) skip or replace"
        case .keysFailed(let count, let examples):
            return "\(count) key(s) could not be restored (\(RestoreError.list(examples, total: count))); the other keys were, "
                + "each whole; the summary says why for each"
        case .rdbTooNew(let file, let target, let version):
            return "the backup is RDB version \(file) but the target (\(version)) reads at most RDB \(target); "
                + "restore it live with memops restore -u (which re-stamps payloads), or upgrade the target"
        case .serverRunning(let directory, let evidence):
            return "a server is running on \(directory) (\(evidence)); stop it first: a running server would not load the "
                + "restored file and would overwrite it at its next save or shutdown (\(CLIFlag.force) restores anyway)"
        case .invalid(let message):
            return message
        case .databasesBeyondCluster(let dbs, let offline):
            let list = dbs.map(String.init).joined(separator: ", ")
            return offline
                ? "the backup has keys in database \(list), but a Redis Cluster has database 0 only and its nodes would not start with them; nothing was installed: restore it into a standalone server's directory"
                : "the backup has keys in database \(list), but a Redis Cluster has database 0 only; nothing was written: restore it into a standalone server, or merge every database into 0 with \(CLIFlag.targetDB) 0"
        case .spool(let error):
            return "\(error); the keys before it were restored, each whole"
        }
    }

    static func list(_ examples: [String], total: Int) -> String {
        examples.joined(separator: ", ") + (total > examples.count ? ", …" : "")
    }
}
