/// memops' exit codes: one table, documented in the README and every man page, and stable.
///
/// | code | meaning |
/// |---|---|
/// | 0 | success, nothing to report |
/// | 1 | findings at or above the `--fail-on` threshold (lint, audit) |
/// | 2 | usage: a bad option, argument or input file |
/// | 3 | cannot connect: refused, unreachable, unknown host, connection lost |
/// | 4 | a backup or restore failed (the save failed, the dump was torn, a write failed) |
/// | 5 | locked: another memops run holds the lock on the destination |
/// | 6 | verification failed: a backup or RDB file is corrupt or does not match its manifest |
/// | 7 | timeout: connecting, a command, or the wait for a save took too long |
/// | 8 | authentication failed (NOAUTH, WRONGPASS) |
/// | 9 | permission denied by an ACL (NOPERM) |
/// | 10 | wrong server: the peer is not Redis, or too old for what was asked |
/// | 11 | TLS failed: the handshake, or the server's certificate was not accepted |
/// | 12 | topology: a cluster not ok, slots moving, or the cluster or master changed during the run |
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    case findings = 1
    case usage = 2
    case connection = 3
    case failed = 4
    case locked = 5
    case verification = 6
    case timeout = 7
    case authentication = 8
    case permission = 9
    case wrongServer = 10
    case tls = 11
    case topology = 12

    /// One line for the exit-code table in help, man pages and the README.
    public var summary: String {
        switch self {
        case .success: return "success"
        case .findings: return "findings at or above the \(CLIFlag.failOn) threshold"
        case .usage: return "usage: bad option, argument or input file"
        case .connection: return "cannot connect (refused, unreachable, connection lost)"
        case .failed: return "backup or restore failed"
        case .locked: return "another memops run holds the lock"
        case .verification: return "verification failed (corrupt or mismatched backup)"
        case .timeout: return "timed out (connect, command, or waiting for a save)"
        case .authentication: return "authentication failed (NOAUTH, WRONGPASS)"
        case .permission: return "permission denied by an ACL (NOPERM)"
        case .wrongServer: return "wrong server: not Redis, or too old"
        case .tls: return "TLS failed (handshake, or the server's certificate)"
        case .topology: return "cluster not ok, slots moving, or topology changed during the run"
        }
    }
}

/// An error memops reports to a person: one line that names the thing and the fix, and the exit
/// status it maps to. Every domain error (`RedisError`, `ZstdError`, `BackupError`, …) conforms.
public protocol MemopsError: Error, CustomStringConvertible {
    var exitStatus: ExitStatus { get }
}
