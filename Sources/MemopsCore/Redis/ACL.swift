/// ACL rules: the one a NOPERM asks for, and the least each memops command needs.
public enum ACLRule {
    /// The command a NOPERM names, as ACL spells it (`config|get`), when it names one.
    static func named(in message: String) -> String? {
        guard let open = message.firstIndex(of: "'"), let close = message[message.index(after: open)...].firstIndex(of: "'") else {
            return nil
        }
        let named = message[message.index(after: open)..<close]
        return named.isEmpty || named.contains(" ") ? nil : named.lowercased()
    }

    /// The rule that grants what a NOPERM refused, in `ACL SETUSER` syntax: the command Redis
    /// names in its message (`'config|get'` → `+config|get`), key or channel access, or, for a
    /// message that names nothing, `command` itself (`CONFIG GET` → `+config|get`).
    static func missing(in message: String, command: String) -> String {
        let lower = message.lowercased()
        if let named = named(in: message) { return "+" + named }
        if lower.contains("key") { return "~*" }
        if lower.contains("channel") { return "&*" }
        let words = command.split(separator: " ").map { $0.lowercased() }
        guard let first = words.first else { return "+@all" }
        let containers: Set<String> = ["config", "client", "xinfo", "xgroup", "memory", "function", "acl", "object", "cluster", "command"]
        if containers.contains(first), words.count > 1 { return "+\(first)|\(words[1])" }
        return "+" + first
    }
}

/// What each memops command sends to Redis, as ACL rules: the least a user needs to run it.
/// Checked by a test that runs every command as a user with exactly these rules (it must
/// succeed) and with each one taken away (it must stop with exit 9 naming that rule).
public struct LeastPrivilege: Sendable, Equatable {
    /// What memops does against a server, as the user names it to `memops acl`.
    public enum Task: String, CaseIterable, Sendable {
        case backup
        case backupReplication = "backup-replication"
        case audit, estimate, prune
        case pruneUndo = "prune-undo"
        case restore
        case configLint = "config-lint"
        case sampleData = "sample-data"

        /// The commands memops sends for this task under `schema`; `ping` and `info` (is this a
        /// cluster node?) are how every connection starts. The index commands follow the schema's references: a sorted-set
        /// index is read with ZSCAN and ZSCORE and pruned with ZREM, a set with SSCAN,
        /// SISMEMBER and SREM, a hash with HSCAN, HGET and HDEL.
        public func commands(for schema: Schema) -> [String] {
            let refs = schema.references
            func via(_ v: Reference.Via, reverse: Bool = false) -> Bool { refs.contains { $0.via == v && (!reverse || $0.reverse == true) } }
            var read = ["ping", "info", "time", "scan", "type", "pttl", "exists", "memory|usage", "hstrlen"]
            if via(.zsetMembers) { read += ["zscan", "zscore"] }
            if via(.setMembers) { read.append("sscan") }
            if via(.setMembers, reverse: true) { read.append("sismember") }
            if via(.hashValues) { read.append("hscan") }
            read += ["xinfo|stream", "xinfo|groups", "xinfo|consumers"]
            switch self {
            case .backup: return ["ping", "info", "time", "bgsave", "config|get"]
            case .backupReplication: return ["ping", "info", "replconf", "sync"]
            case .audit: return read
            case .estimate: return ["ping", "info", "time", "config|get", "dbsize", "scan", "memory|usage", "pttl", "xlen", "xrange", "xrevrange", "zcard", "zcount", "zrandmember"]
            case .prune:
                var write = ["dump", "pexpiretime", "watch", "unwatch", "multi", "exec", "unlink", "eval", "xtrim", "expire", "persist"]
                if via(.zsetMembers) { write.append("zrem") }
                if via(.setMembers) { write.append("srem") }
                if via(.hashValues) || refs.contains(where: { $0.ownerField != nil }) { write.append("hget") }
                if via(.hashValues) { write.append("hdel") }
                return read + write
            case .pruneUndo:
                var undo = ["ping", "info", "restore", "pexpireat", "persist"]
                if via(.zsetMembers) { undo.append("zadd") }
                if via(.setMembers) { undo.append("sadd") }
                if via(.hashValues) { undo.append("hsetnx") }
                return undo
            case .restore: return ["ping", "info", "select", "exists", "restore", "function|restore"]
            case .configLint: return ["ping", "info", "config|get"]
            case .sampleData:
                return ["ping", "info", "dbsize", "flushdb", "set", "setex", "hset", "sadd", "zadd", "xadd", "xgroup|create", "xreadgroup", "expire"]
            }
        }

        /// Key access: none for the tasks that only talk to the server, read-only for audit and
        /// estimate, read and write for the rest.
        public var keys: String? {
            switch self {
            case .backup, .backupReplication, .configLint: return nil
            case .audit, .estimate: return "%R~*"
            case .prune, .pruneUndo, .restore, .sampleData: return "~*"
            }
        }
    }

    /// Where the user's server stands: alone, as a Redis Cluster node, or as a master or
    /// replica found through Sentinel.
    public enum Topology: String, CaseIterable, Sendable {
        case standalone, cluster, sentinel

        /// What memops sends for the topology on top of the task's commands: the slot map and
        /// the state of a cluster (and ASKING to follow a slot on the move, CLIENT PAUSE for a
        /// consistent backup set), or ROLE to check the master the sentinels named.
        public func extra(for task: Task) -> [String] {
            switch self {
            case .standalone: return []
            case .sentinel: return ["role"]
            case .cluster:
                var commands = ["cluster|shards", "cluster|slots", "cluster|info", "cluster|nodes"]
                switch task {
                case .backup: commands += ["client|pause", "client|unpause"]
                case .restore, .prune, .pruneUndo, .sampleData, .audit, .estimate: commands.append("asking")
                case .backupReplication, .configLint: break
                }
                return commands
            }
        }
    }

    public let tasks: [Task]
    public let schema: Schema
    public let topology: Topology

    public init(_ tasks: [Task], schema: Schema = .seed, topology: Topology = .standalone) {
        self.tasks = tasks
        self.schema = schema
        self.topology = topology
    }

    /// The rules the sentinels themselves need, for their own user (`--sentinel-user`).
    public static let sentinelRules = ["+ping", "+sentinel|get-master-addr-by-name", "+sentinel|replicas", "+sentinel|masters"]

    /// Every rule of the tasks, each once, in the order first needed.
    public var rules: [String] {
        var seen: Set<String> = []
        var rules: [String] = []
        // Read-and-write access makes read-only access redundant.
        let keys = tasks.compactMap(\.keys)
        if let key = keys.contains("~*") ? "~*" : keys.first { rules.append(key) }
        for command in tasks.flatMap({ $0.commands(for: schema) + topology.extra(for: $0) }) where seen.insert(command).inserted {
            rules.append("+" + command)
        }
        return rules
    }

    /// `ACL SETUSER` for a user that may do exactly these tasks and nothing else. The password
    /// is left out: add `>password` (or `#sha256`) to the line, or set it after.
    public func setUser(_ name: String) -> String {
        (["ACL", "SETUSER", name, "reset", "on", "-@all"] + rules).joined(separator: " ")
    }
}
