/// A Redis Cluster or Sentinel set that memops cannot work on safely as it stands, or one that
/// changed under a running command. Exit status 12: the servers answer, but not as one
/// consistent dataset.
public enum TopologyError: MemopsError, Equatable {
    /// `cluster_state` is not `ok`, or slots have no owner.
    case clusterNotOK(server: String, reason: String)
    /// Slots are being moved between shards (MIGRATING / IMPORTING): a key may be on either side.
    case slotsMoving(node: String, slots: [Int])
    /// A primary that owns no slots: a node half added or half removed.
    case primaryWithoutSlots(node: String)
    /// The shards, their primaries or the epoch changed while the command ran.
    case changed(during: String, reason: String)
    /// No Sentinel could name the master.
    case noMaster(name: String, reasons: [String])
    /// A Sentinel was given where a data node was expected.
    case sentinelGiven(server: String, masters: [String])
    /// A command that cannot run on this kind of deployment yet, with what to do instead.
    case unsupported(what: String, fix: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .sentinelGiven: return .wrongServer
        case .noMaster: return .connection
        default: return .topology
        }
    }

    /// What a Sentinel given as a data node is, and how to reach its master through it.
    static func sentinelAdvice(_ server: String, masters: [String]) -> String {
        let example = masters.first ?? "NAME"
        let list = masters.isEmpty ? "" : " (it monitors \(masters.joined(separator: ", ")))"
        return "a Sentinel, which holds no keys\(list); reach the master through it with -u redis-sentinel://\(server)/\(example) or \(CLIFlag.sentinel) \(server) \(CLIFlag.masterName) \(example)"
    }

    public var description: String {
        switch self {
        case .clusterNotOK(let s, let r):
            return "the Redis Cluster at \(s) is not usable: \(r); wait until CLUSTER INFO says cluster_state:ok (redis-cli --cluster check \(s))"
        case .slotsMoving(let n, let slots):
            let shown = slots.prefix(5).map(String.init).joined(separator: ", ") + (slots.count > 5 ? ", …" : "")
            return "slots \(shown) of \(n) are being moved between shards (MIGRATING/IMPORTING), so a key may be on either side; run this when the resharding has finished (redis-cli --cluster fix \(n))"
        case .primaryWithoutSlots(let n):
            return "the primary \(n) owns no slots (a node being added or removed); finish the resharding (redis-cli --cluster rebalance) or remove it (redis-cli --cluster del-node)"
        case .changed(let during, let r):
            return "the cluster changed during \(during): \(r); nothing was published, run it again"
        case .noMaster(let name, let reasons):
            return "no Sentinel named a master for \"\(name)\" (\(reasons.joined(separator: "; "))); check \(CLIFlag.masterName) and the \(CLIFlag.sentinel) addresses"
        case .sentinelGiven(let s, let masters):
            return "\(s) is \(TopologyError.sentinelAdvice(s, masters: masters))"
        case .unsupported(let what, let fix):
            return "\(what); \(fix)"
        }
    }
}
