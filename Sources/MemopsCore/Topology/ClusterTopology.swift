/// Who holds which slots in a Redis Cluster: every shard's slot ranges, its primary and its
/// replicas, as `CLUSTER SHARDS` (Redis 7.0+) reports them, or `CLUSTER SLOTS` before it.
public struct ClusterTopology: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var id: String
        public var host: String
        public var port: Int
        public var isPrimary: Bool
        /// `online`, `loading` or `failed` (CLUSTER SHARDS only).
        public var health: String?
        public var replicationOffset: Int64?

        public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public struct Shard: Sendable, Equatable {
        public var slots: [ClosedRange<Int>]
        public var primary: Node
        public var replicas: [Node]
    }

    /// The shards that own slots, in the order of their first slot.
    public var shards: [Shard]
    /// Primaries that own no slot (a node being added or removed; CLUSTER SHARDS only).
    public var slotless: [Node]

    public init(shards: [Shard]) {
        self.shards = shards.filter { !$0.slots.isEmpty }.sorted { ($0.slots.first?.lowerBound ?? 0) < ($1.slots.first?.lowerBound ?? 0) }
        slotless = shards.filter(\.slots.isEmpty).map(\.primary)
    }

    /// Every node, primaries first, then replicas, each in shard order.
    public var nodes: [Node] { shards.map(\.primary) + shards.flatMap(\.replicas) }

    /// The shard whose primary or replica has this node id.
    public func shard(ofNode id: String) -> Shard? {
        shards.first { $0.primary.id == id || $0.replicas.contains { $0.id == id } }
    }

    /// The slot ranges of a shard as text: `0-5460,10923`.
    public static func describe(_ slots: [ClosedRange<Int>]) -> String {
        slots.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }

    /// The slots a node reports as MIGRATING to or IMPORTING from another (its own line of
    /// CLUSTER NODES: `[slot->-id]`, `[slot-<-id]`).
    public static func movingSlots(clusterNodes text: String) -> [Int] {
        guard let mine = text.split(whereSeparator: \.isNewline).first(where: { $0.contains("myself") }) else { return [] }
        var slots: [Int] = []
        for field in mine.split(separator: " ") where field.hasPrefix("[") {
            let body = field.dropFirst()
            if let end = body.firstIndex(of: "-"), let slot = Int(body[..<end]) { slots.append(slot) }
        }
        return slots
    }

    /// The shard that owns `slot`.
    public func shard(forSlot slot: Int) -> Shard? {
        shards.first { $0.slots.contains { $0.contains(slot) } }
    }

    /// Slots no shard owns (a cluster that is not fully covered cannot be read whole).
    public var unassignedSlots: Int {
        HashSlot.count - shards.reduce(0) { $0 + $1.slots.reduce(0) { $0 + $1.count } }
    }

    /// Reads the topology from any node: CLUSTER SHARDS, or CLUSTER SLOTS on a server too old
    /// for it. `fallbackHost` replaces an empty or `?` address (a node that does not know its
    /// own IP reports it so), as redis-cli does.
    public static func read(from redis: RedisConnection) throws(RedisError) -> ClusterTopology {
        let host: String
        if case .tcp(let h, _) = redis.config.address { host = h } else { host = "127.0.0.1" }
        let shards = try redis.pipeline([[Word.cluster, Word.shards]])[0]
        if shards.errorMessage == nil, let topology = parse(shards: shards, fallbackHost: host, tls: redis.config.tls != nil) { return topology }
        let slots = try redis.command([Word.cluster, Word.slots])
        guard let topology = parse(slots: slots, fallbackHost: host) else {
            throw .wrongServer(server: redis.config.description, reason: "CLUSTER SLOTS returned \(slots), not a slot table")
        }
        return topology
    }

    /// Parses a CLUSTER SHARDS reply (each shard a map of `slots` and `nodes`; RESP2 maps are
    /// flat key/value arrays); nil when it is not one.
    static func parse(shards reply: RedisReply, fallbackHost: String, tls: Bool = false) -> ClusterTopology? {
        guard let list = reply.elements else { return nil }
        var shards: [Shard] = []
        for entry in list {
            let fields = entry.fieldMap
            guard let bounds = fields["slots"]?.elements?.compactMap(\.integer), bounds.count % 2 == 0,
                  let nodes = fields["nodes"]?.elements
            else { return nil }
            var ranges: [ClosedRange<Int>] = []
            for i in stride(from: 0, to: bounds.count, by: 2) where bounds[i] <= bounds[i + 1] {
                ranges.append(Int(bounds[i])...Int(bounds[i + 1]))
            }
            var masters: [Node] = []
            var replicas: [Node] = []
            for n in nodes {
                let f = n.fieldMap
                // A TLS cluster lists both ports; a client over TLS needs the TLS one.
                let ports = tls ? [f["tls-port"], f["port"]] : [f["port"], f["tls-port"]]
                guard let id = f["id"]?.string, let port = ports.compactMap({ $0?.integer }).first(where: { $0 > 0 }) else { return nil }
                var host = f["ip"]?.string ?? f["endpoint"]?.string ?? ""
                if host.isEmpty || host == "?" { host = fallbackHost }
                let node = Node(id: id, host: host, port: Int(port), isPrimary: f["role"]?.string == "master",
                                health: f["health"]?.string, replicationOffset: f["replication-offset"]?.integer)
                if node.isPrimary { masters.append(node) } else { replicas.append(node) }
            }
            // A failed-over primary stays listed as a master of its shard, flagged failed, until
            // it rejoins as a replica: the healthy one is the shard's primary. A shard whose
            // primary failed and no replica took over yet is served by no one.
            guard let primary = masters.first(where: { $0.health != "fail" && $0.health != "failed" }) else { continue }
            shards.append(Shard(slots: ranges, primary: primary, replicas: replicas))
        }
        return ClusterTopology(shards: shards)
    }

    /// Parses a CLUSTER SLOTS reply (`[start, end, [ip, port, id], replicas…]` per range).
    static func parse(slots reply: RedisReply, fallbackHost: String) -> ClusterTopology? {
        guard let list = reply.elements else { return nil }
        var byPrimary: [String: Shard] = [:]
        for range in list {
            guard let items = range.elements, items.count >= 3, let start = items[0].integer, let end = items[1].integer else { return nil }
            var nodes: [Node] = []
            for (index, n) in items[2...].enumerated() {
                guard let parts = n.elements, parts.count >= 3, let port = parts[1].integer, let id = parts[2].string else { return nil }
                var host = parts[0].string ?? ""
                if host.isEmpty || host == "?" { host = fallbackHost }
                nodes.append(Node(id: id, host: host, port: Int(port), isPrimary: index == 0))
            }
            let primary = nodes[0]
            byPrimary[primary.id, default: Shard(slots: [], primary: primary, replicas: Array(nodes.dropFirst()))]
                .slots.append(Int(start)...Int(end))
        }
        return ClusterTopology(shards: Array(byPrimary.values))
    }
}
