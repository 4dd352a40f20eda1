/// Why a backup was not made, or was refused; each names the thing and the fix.
public enum BackupError: MemopsError, Equatable {
    /// Redis reported the save failed (`rdb_last_bgsave_status:err`).
    case saveFailed(server: String)
    /// The server restarted while memops waited (run_id changed).
    case serverRestarted(server: String, before: String, after: String)
    /// The connection to the server was lost during the save and did not come back.
    case serverLost(server: String, seconds: Double, reason: String)
    /// The save did not finish in time.
    case saveTimeout(server: String, seconds: Double)
    /// BGSAVE was refused for a reason memops cannot work around.
    case bgsaveRefused(server: String, message: String)
    /// The dump's header or trailer is wrong: torn, truncated or corrupt.
    case corruptDump(path: String, reason: String)
    /// The RDB file memops was told to read is not the one the save wrote.
    case staleDump(path: String, reason: String)
    /// The server's dump file cannot be located (CONFIG renamed away, other host).
    case dumpNotFound(reason: String)
    /// The replication stream broke or was refused.
    case replication(server: String, reason: String)
    /// Another memops run holds the destination's lock.
    case locked(dest: String, holder: String)
    /// The destination is unusable (missing, not a directory, not writable).
    case destination(path: String, reason: String)
    /// A backup name prefix that would escape the destination or not parse back.
    case badPrefix(String)

    public var exitStatus: ExitStatus {
        switch self {
        case .locked: return .locked
        case .saveTimeout: return .timeout
        case .serverLost: return .connection
        case .destination, .badPrefix: return .usage
        default: return .failed
        }
    }

    public var description: String {
        switch self {
        case .saveFailed(let s):
            return "Redis at \(s) reported the background save failed (rdb_last_bgsave_status:err); check its log and free disk in its dir; no backup was published"
        case .serverRestarted(let s, let before, let after):
            return "Redis at \(s) restarted during the save (run_id \(before.prefix(8))… became \(after.prefix(8))…); no backup was published, run it again"
        case .serverLost(let s, let seconds, let reason):
            return "lost Redis at \(s) during the save and could not reconnect within \(Int(seconds)) s (\(reason)); its save died with it; no backup was published"
        case .saveTimeout(let s, let seconds):
            return "the background save on \(s) did not finish within \(Int(seconds)) s; raise \(CLIFlag.saveTimeout); no backup was published"
        case .bgsaveRefused(let s, let m):
            return "Redis at \(s) refused BGSAVE: \(m)"
        case .corruptDump(let p, let r):
            return "the dump \(p) is not a complete RDB (\(r)); it was not published as a backup"
        case .staleDump(let p, let r):
            return "\(p) is not the file this save wrote (\(r)); check \(CLIFlag.rdbPath), or use \(CLIFlag.source) replication"
        case .dumpNotFound(let r):
            return "cannot find the server's dump file: \(r)"
        case .replication(let s, let r):
            return "replication from \(s) failed: \(r); no backup was published"
        case .locked(let d, let h):
            return "another memops backup is running in \(d) (\(h)); wait for it, or pass \(CLIFlag.lockWait) SECONDS"
        case .destination(let p, let r):
            return "cannot use \(p) as the backup destination: \(r)"
        case .badPrefix(let message):
            return message
        }
    }
}
