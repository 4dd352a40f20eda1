/// Everything that can go wrong talking to Redis, each with its own exit status.
public enum RedisError: MemopsError, Equatable {
    /// Refused, unreachable, unknown host, or no such socket.
    case unreachable(server: String, reason: String)
    /// Connecting or waiting for a reply took longer than allowed.
    case timeout(server: String, during: String, seconds: Double)
    /// NOAUTH or WRONGPASS.
    case authentication(server: String, message: String)
    /// An ACL forbids a command memops needs (NOPERM); `user` is the ACL user memops logged in
    /// as (nil: `default`).
    case permission(server: String, command: String, message: String, user: String? = nil, grant: String? = nil)
    /// The peer does not speak RESP, or is not a Redis server memops can work with.
    case wrongServer(server: String, reason: String)
    /// The connection broke after it was established.
    case connectionLost(server: String, reason: String)
    /// A Redis Cluster node or a Sentinel where the command needs the whole dataset.
    case partialDataset(server: String, reason: String)
    /// The TLS handshake failed or the server's certificate was not accepted.
    case tls(server: String, reason: String)
    /// Redis answered a command with an error reply.
    case command(server: String, command: String, message: String)

    /// Whether the server answered READONLY: it is a replica now (a failover demoted it).
    public var isReadOnly: Bool {
        if case .command(_, _, let message) = self { return ReplyError(message).code == .readonly }
        return false
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .unreachable, .connectionLost: return .connection
        case .timeout: return .timeout
        case .authentication: return .authentication
        case .permission: return .permission
        case .wrongServer, .partialDataset: return .wrongServer
        case .tls: return .tls
        case .command: return .failed
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let s, let r):
            return "cannot connect to Redis at \(s): \(r); check that redis-server is running there, or pass -u/-h/-p/-s"
        case .timeout(let s, let during, let seconds):
            return "Redis at \(s) did not answer \(during) within \(RedisError.format(seconds)) s; raise \(CLIFlag.timeout) or check the server's load"
        case .authentication(let s, let m):
            return "authentication to Redis at \(s) failed (\(m)); set REDISCLI_AUTH, \(CLIFlag.passFile) or \(CLIFlag.user)"
        case .permission(let s, let c, let m, let user, let grant):
            if ReplyError(m).code == .unknownCommand || m.hasPrefix("unknown command") {
                return "Redis at \(s) does not know \(c) (\(m)); undo its rename-command, or use a memops option that avoids it"
            }
            return "Redis at \(s) refused \(c) (\(m)); grant it: ACL SETUSER \(user ?? "default") \(ACLRule.named(in: m).map { "+" + $0 } ?? grant ?? ACLRule.missing(in: m, command: c))"
        case .wrongServer(let s, let r):
            return "the server at \(s) is not a usable Redis: \(r)"
        case .connectionLost(let s, let r):
            return "connection to Redis at \(s) was lost: \(r); nothing was retried"
        case .partialDataset(let s, let r):
            return "\(s) is not a whole dataset: \(r)"
        case .tls(let s, let r):
            return "TLS to \(s) failed: \(r)"
        case .command(let s, let c, let m):
            return "Redis at \(s) refused \(c): \(m)"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
