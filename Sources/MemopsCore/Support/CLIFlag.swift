/// The command-line options that memops' messages tell a person to use ("raise --save-timeout",
/// "use --on-conflict skip or replace"), named once: a message interpolates the case
/// (`"\(CLIFlag.saveTimeout)"` is `--save-timeout`), the CLI declares the option with the case's
/// long name, and a CLI test checks every case against the commands' real options, so renaming
/// an option cannot leave a message naming the old one.
public enum CLIFlag: String, CaseIterable, Sendable, CustomStringConvertible {
    // backup, backup list, verify
    case dest
    case source
    case rdbPath = "rdb-path"
    case saveTimeout = "save-timeout"
    case lockWait = "lock-wait"
    case prefix
    case latest
    case consistent
    case preferReplica = "prefer-replica"
    case all
    // restore
    case verify
    case onConflict = "on-conflict"
    case functions
    case config
    case dataDir = "data-dir"
    case targetDB = "target-db"
    case serverVersion = "server-version"
    case force
    // audit, config lint
    case failOn = "fail-on"
    case schema
    case drift
    case targetVersion = "target-version"
    case enable
    // prune
    case pattern
    case orphans
    case expiredPolicy = "expired-policy"
    case fixTTL = "fix-ttl"
    case trimStreams = "trim-streams"
    case olderThan = "older-than"
    case namespace
    // sample-data
    case flush
    case merge
    // the connection, on every command that talks to a server
    case nodeOnly = "node-only"
    case sentinel
    case masterName = "master-name"
    case sentinelUser = "sentinel-user"
    case sentinelPassFile = "sentinel-pass-file"
    case user
    case passFile = "pass-file"
    case connectTimeout = "connect-timeout"
    case timeout
    case tls
    case sni
    case cacert
    case cacertdir
    case cert
    case key
    case insecure
    case tlsCiphers = "tls-ciphers"
    case tlsCiphersuites = "tls-ciphersuites"

    /// The long name, as typed: `--save-timeout`.
    public var description: String { "--" + rawValue }
}
