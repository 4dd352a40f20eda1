import Foundation

/// One node of a deployment as the topology checks see it.
public struct LintedNode: Sendable {
    public var address: String
    public var isPrimary: Bool
    /// The primary a replica follows (its address); nil for a primary.
    public var primary: String?
    /// CONFIG GET *; nil when CONFIG was not allowed.
    public var values: [String: String]?

    public init(address: String, isPrimary: Bool, primary: String?, values: [String: String]?) {
        self.address = address
        self.isPrimary = isPrimary
        self.primary = primary
        self.values = values
    }
}

extension ConfigLinter {
    /// Lints every node of a Redis Cluster (primaries and replicas) or of a Sentinel set (the
    /// master and its replicas), each against its own version, with each finding naming its
    /// node; then the checks that need the nodes together (`topologyDiagnostics`). One server
    /// is linted alone.
    public static func lintDeployment(_ deployment: Deployment, options: ConfigLintOptions, drift: String? = nil) throws -> ServerLintReport {
        var nodes: [(address: String, config: ConnectionConfig, isPrimary: Bool, primary: String?)] = []
        switch deployment.kind {
        case .standalone:
            return try lintServer(deployment.base, options: options, drift: drift)
        case .cluster(let topology):
            for shard in topology.shards {
                nodes.append((shard.primary.address, deployment.config(for: shard.primary), true, nil))
                for r in shard.replicas where r.health != "fail" && r.health != "failed" {
                    nodes.append((r.address, deployment.config(for: r), false, shard.primary.address))
                }
            }
        case .sentinel(_, let replicas):
            nodes.append((deployment.base.description, deployment.base, true, nil))
            for r in replicas {
                let config = deployment.config(for: r)
                nodes.append((config.description, config, false, deployment.base.description))
            }
        }
        var diagnostics: [Diagnostic] = []
        var warnings: [String] = []
        var linted: [LintedNode] = []
        for node in nodes {
            let report = try lintServer(node.config, options: options, drift: drift)
            diagnostics += report.diagnostics.map { var d = $0; d.node = node.address; return d }
            warnings += report.warnings.filter { !warnings.contains($0) }
            linted.append(LintedNode(address: node.address, isPrimary: node.isPrimary, primary: node.primary, values: report.values))
        }
        diagnostics += topologyDiagnostics(linted, cluster: deployment.isCluster).filter { !options.disabled.contains($0.rule) }
        return ServerLintReport(diagnostics: diagnostics, warnings: warnings)
    }

    /// Settings that must be the same on every node: what decides memory, eviction and
    /// persistence (a failover hands the data to another node's rules).
    static let uniformSettings = [
        "maxmemory", "maxmemory-policy", "appendonly", "appendfsync", "save", "cluster-node-timeout",
        "cluster-require-full-coverage", "hash-max-listpack-entries", "hash-max-listpack-value", "stream-node-max-bytes",
    ]

    /// The checks that need the nodes together: cluster timing and coverage, replicas that
    /// cannot authenticate or take over, writable replicas, primaries without a replica, and
    /// settings that differ between nodes.
    public static func topologyDiagnostics(_ nodes: [LintedNode], cluster: Bool) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func add(_ rule: ConfigRule, _ key: String, _ node: String?, _ message: String) {
            var d = Diagnostic(rule, message: message, key: key)
            d.node = node
            out.append(d)
        }
        let byAddress = Dictionary(nodes.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        for node in nodes {
            guard let v = node.values else { continue }
            if cluster, let timeout = v["cluster-node-timeout"].flatMap(Int.init) {
                if timeout < 5_000 {
                    add(.clusterNodeTimeout, "cluster-node-timeout", node.address, "cluster-node-timeout is \(timeout) ms: a pause that long (a fork, a network hiccup) fails a healthy primary over")
                } else if timeout > 60_000 {
                    add(.clusterNodeTimeout, "cluster-node-timeout", node.address, "cluster-node-timeout is \(timeout) ms: a dead primary's slots stay unserved that long before a replica takes over")
                }
            }
            guard !node.isPrimary else { continue }
            if v["replica-validity-factor"] == "0" {
                add(.replicaValidity, "replica-validity-factor", node.address, "replica-validity-factor 0: this replica may be promoted however stale it is")
            }
            if v["replica-read-only"] == "no" {
                add(.writableReplica, "replica-read-only", node.address, "replica-read-only no: writes here are not replicated and are lost at the next full sync")
            }
            if let primary = node.primary.flatMap({ byAddress[$0] })?.values, !(primary["requirepass"] ?? "").isEmpty, (v["masterauth"] ?? "").isEmpty {
                add(.replicaWithoutAuth, "masterauth", node.address, "its primary \(node.primary!) requires a password but masterauth is not set: it cannot sync or follow a new primary")
            }
        }
        // Per primary: its replicas.
        for primary in nodes where primary.isPrimary {
            let replicas = nodes.filter { $0.primary == primary.address }
            if replicas.isEmpty {
                add(.noReplica, "replicaof", primary.address, "\(primary.address) has no replica: nothing takes over if it fails, and its data has no second copy")
            } else if cluster, replicas.allSatisfy({ $0.values?["cluster-replica-no-failover"] == "yes" }) {
                add(.noFailover, "cluster-replica-no-failover", primary.address, "every replica of \(primary.address) has cluster-replica-no-failover yes: its slots stay down if it fails")
            }
        }
        if cluster {
            let primaries = nodes.filter(\.isPrimary)
            if primaries.contains(where: { $0.values?["cluster-require-full-coverage"] == "yes" }) {
                add(.fullCoverage, "cluster-require-full-coverage", nil, "cluster-require-full-coverage yes: one shard down stops every shard")
            }
            if primaries.contains(where: { $0.values?["cluster-allow-reads-when-down"] == "yes" }) {
                add(.readsWhenDown, "cluster-allow-reads-when-down", nil, "cluster-allow-reads-when-down yes: a node cut off from the majority serves stale reads")
            }
        }
        for setting in uniformSettings {
            var seen: [String: [String]] = [:]
            for node in nodes { if let value = node.values?[setting] { seen[value, default: []].append(node.address) } }
            guard seen.count > 1 else { continue }
            let list = seen.sorted { $0.value.count > $1.value.count }.map { "\"\($0.key)\" on \($0.value.joined(separator: ", "))" }.joined(separator: "; ")
            add(.settingsDiffer, setting, nil, "\(setting) differs between the nodes: \(list)")
        }
        return out
    }
}
