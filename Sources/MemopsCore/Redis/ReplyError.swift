/// An error reply, classified once by its code (the first word Redis puts in it), so that no
/// caller matches message prefixes of its own.
public struct ReplyError: Sendable, Equatable, CustomStringConvertible {
    /// The codes memops acts on; anything else is `other`.
    public enum Code: Sendable, Equatable {
        case noauth, wrongpass, noperm
        case loading, busy, busykey, oom, misconf, readonly, masterdown, noreplicas
        case moved(slot: Int, address: String), ask(slot: Int, address: String)
        case clusterdown, tryagain, crossslot
        case noscript, wrongtype, execabort
        /// `ERR unknown command`: renamed or disabled with rename-command, or too new.
        case unknownCommand
        case other
    }

    public let code: Code
    /// The whole reply, as Redis wrote it.
    public let message: String

    public init(_ message: String) {
        self.message = message
        code = ReplyError.code(of: message)
    }

    public var description: String { message }

    /// Authentication or ACL: the client lacks the right, not the server.
    public var isAccessDenied: Bool {
        switch code {
        case .noauth, .wrongpass, .noperm: return true
        default: return false
        }
    }

    /// The server cannot take writes now, whatever the key (a replica, out of memory, a failed
    /// save with stop-writes-on-bgsave-error, still loading): carrying on would fail every key.
    public var isServerWide: Bool {
        switch code {
        case .noauth, .wrongpass, .noperm, .readonly, .oom, .misconf, .loading, .masterdown, .noreplicas, .clusterdown:
            return true
        default:
            return false
        }
    }

    private static func code(of message: String) -> Code {
        let words = message.split(separator: " ", maxSplits: 3)
        guard let first = words.first else { return .other }
        switch first {
        case "NOAUTH": return .noauth
        case "WRONGPASS": return .wrongpass
        case "NOPERM": return .noperm
        case "LOADING": return .loading
        case "BUSY": return .busy
        case "BUSYKEY": return .busykey
        case "OOM": return .oom
        case "MISCONF": return .misconf
        case "READONLY": return .readonly
        case "MASTERDOWN": return .masterdown
        case "NOREPLICAS": return .noreplicas
        case "CLUSTERDOWN": return .clusterdown
        case "TRYAGAIN": return .tryagain
        case "CROSSSLOT": return .crossslot
        case "NOSCRIPT": return .noscript
        case "WRONGTYPE": return .wrongtype
        // MULTI's queued command refused by the ACL ends as "EXECABORT … because of: NOPERM …".
        case "EXECABORT": return message.contains("because of: NOPERM") ? .noperm : .execabort
        case "MOVED", "ASK":
            // MOVED <slot> <host:port>, as cluster.c writes it.
            guard words.count >= 3, let slot = Int(words[1]) else { return .other }
            let address = String(words[2])
            return first == "MOVED" ? .moved(slot: slot, address: address) : .ask(slot: slot, address: address)
        case "ERR" where message.hasPrefix("ERR unknown command"):
            return .unknownCommand
        // A script's call refused by the ACL: Redis 7.0 says which script, not which command.
        case "ERR" where message.hasPrefix("ERR The user executing the script can't run this command")
            || message.hasPrefix("ERR ACL failure in script"):
            return .noperm
        default:
            return .other
        }
    }
}

extension RedisReply {
    /// The error of an error reply, classified.
    public var replyError: ReplyError? {
        if case .error(let e) = self { return ReplyError(e) }
        return nil
    }
}

extension RedisError {
    /// The error a refused command becomes: authentication and ACL failures get their own
    /// kinds (and exit codes), everything else is the command's failure.
    /// `grant` is the rule to suggest when the message names none (a script's refused call).
    public init(_ reply: ReplyError, server: String, command: String, user: String? = nil, grant: String? = nil) {
        switch reply.code {
        case .noauth, .wrongpass:
            let word = reply.message.split(separator: " ").first.map(String.init) ?? reply.message
            self = .authentication(server: server, message: word)
        case .noperm:
            self = .permission(server: server, command: command, message: reply.message, user: user, grant: grant)
        case .unknownCommand:
            self = .permission(server: server, command: command, message: "unknown command: renamed or disabled (rename-command)")
        default:
            self = .command(server: server, command: command, message: reply.message)
        }
    }
}
