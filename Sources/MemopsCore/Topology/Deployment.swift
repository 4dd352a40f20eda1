import Foundation

/// What the command line names: one server (or a Redis Cluster node), or a master to find
/// through Sentinel. The CLI builds it from options, URL and environment; `Deployment.resolve`
/// turns it into where the data is.
public struct ServerTarget: Sendable, Equatable {
    /// How to connect to a data node: address (unless Sentinel names it), credentials, TLS,
    /// timeouts, database, and `scope` (`--node-only`).
    public var config: ConnectionConfig
    /// Set when the master is found through Sentinel.
    public var sentinel: SentinelSpec?

    public init(config: ConnectionConfig, sentinel: SentinelSpec? = nil) {
        self.config = config
        self.sentinel = sentinel
    }
}

/// Where the data lives, resolved once before a command runs: a standalone server (or one
/// cluster node on purpose, `--node-only`), a Redis Cluster with its slot map, or a master
/// found through Sentinel with its healthy replicas. Commands receive it; none resolves or
/// connects its own way.
public struct Deployment: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case standalone
        case cluster(ClusterTopology)
        case sentinel(SentinelSpec, replicas: [ConnectionConfig.Address])
    }

    /// How to reach a data node. Its address is the server given (standalone), the node given
    /// (cluster: any node) or the master the sentinels named.
    public var base: ConnectionConfig
    public var kind: Kind

    public init(base: ConnectionConfig, kind: Kind = .standalone) {
        self.base = base
        self.kind = kind
    }

    /// Finds out what `target` is: asks the sentinels for the master, or connects to the
    /// server and reads its `redis_mode` (and, for a cluster node, the slot map).
    public static func resolve(_ target: ServerTarget) throws -> Deployment {
        if let spec = target.sentinel {
            let view = try SentinelResolver.resolve(spec, base: target.config)
            var base = target.config
            base.address = view.master
            return Deployment(base: base, kind: .sentinel(spec, replicas: view.replicas))
        }
        var probe = target.config
        let nodeOnly = probe.scope == .node
        probe.scope = .node
        // Not SELECT first: a Sentinel has no databases, and its refusal would hide what it is.
        probe.db = 0
        let redis = try RedisConnection(probe)
        let info = try redis.info("server")
        // Valkey 8 renamed the field server_mode.
        let mode = (info["redis_mode"] ?? info["server_mode"])?.trimmingCharacters(in: .whitespaces)
        switch mode {
        case "sentinel":
            throw TopologyError.sentinelGiven(server: probe.description, masters: SentinelResolver.masterNames(redis))
        case "cluster" where !nodeOnly:
            let topology = try ClusterTopology.read(from: redis)
            var base = target.config
            base.scope = .node
            let deployment = Deployment(base: base, kind: .cluster(topology))
            try deployment.checkClusterState(redis)
            return deployment
        default:
            return Deployment(base: target.config)
        }
    }

    /// The slot map, for a cluster.
    public var topology: ClusterTopology? {
        if case .cluster(let t) = kind { return t }
        return nil
    }

    public var isCluster: Bool { topology != nil }

    /// How to reach the node at `address`, with this deployment's credentials and TLS.
    public func config(for address: ConnectionConfig.Address) -> ConnectionConfig {
        var config = base
        config.address = address
        return config
    }

    /// How to reach a cluster node.
    public func config(for node: ClusterTopology.Node) -> ConnectionConfig {
        config(for: .tcp(host: node.host, port: node.port))
    }

    /// The one server to work on, for a command (or a part of one) that works on a single
    /// server; a cluster is refused with what to do instead.
    public func singleServer(for command: String) throws -> ConnectionConfig {
        if isCluster {
            throw TopologyError.unsupported(
                what: "\(command) does not work across a Redis Cluster's shards yet (\(base.description) is a cluster node)",
                fix: "pass \(CLIFlag.nodeOnly) to work on that one node alone")
        }
        return base
    }

    /// The cluster's state must be ok and every slot owned, with no primary left without
    /// slots: otherwise part of the keys cannot be reached, or are on their way elsewhere.
    func checkClusterState(_ redis: RedisConnection) throws {
        guard let topology else { return }
        let info = try redis.command([Word.cluster, Word.info]).string ?? ""
        let state = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cluster_state:") }?
            .dropFirst("cluster_state:".count).trimmingCharacters(in: .whitespaces)
        if state != "ok" {
            throw TopologyError.clusterNotOK(server: base.description, reason: "cluster_state is \(state ?? "missing")")
        }
        if topology.unassignedSlots > 0 {
            throw TopologyError.clusterNotOK(server: base.description, reason: "\(topology.unassignedSlots) slots have no primary")
        }
        if let empty = topology.slotless.first {
            throw TopologyError.primaryWithoutSlots(node: empty.address)
        }
    }

    /// One line for summaries: `127.0.0.1:7000 (cluster of 3 shards)`.
    public var description: String {
        switch kind {
        case .standalone: return base.description
        case .cluster(let t): return "\(base.description) (cluster of \(t.shards.count) shard\(t.shards.count == 1 ? "" : "s"))"
        case .sentinel(let spec, _): return "\(base.description) (master \(spec.masterName) by Sentinel)"
        }
    }
}
