import Foundation

/// Sends commands about keys to the server that holds them. A standalone connection is its own
/// router; a `ClusterClient` sends each key's command to the primary that owns its slot.
public protocol KeyRouter: AnyObject {
    /// Sends `commands` (the `keys[i]` decides where `commands[i]` goes) and returns the
    /// replies in the same order. Error replies are returned; refusals of access are thrown.
    func routed(_ commands: [[[UInt8]]], keys: [[UInt8]]) throws(RedisError) -> [RedisReply]
    /// The server, or the cluster, for messages.
    var serverDescription: String { get }
}

extension RedisConnection: KeyRouter {
    public var serverDescription: String { config.description }

    /// One server holds every key.
    public func routed(_ commands: [[[UInt8]]], keys: [[UInt8]]) throws(RedisError) -> [RedisReply] {
        try pipeline(commands)
    }
}

/// A Redis Cluster client: one connection per node it talks to (opened when first needed), the
/// slot map, and pipelines split per node by the slot of each command's key. A `MOVED` reply
/// (the slot moved) refreshes the map and sends the command to the new owner; an `ASK` reply
/// (the slot is being migrated and this key is already on the other side) sends `ASKING` and
/// the command to the node named, as cluster clients do (cluster.c's getNodeByQuery).
public final class ClusterClient: KeyRouter {
    public private(set) var topology: ClusterTopology
    private let deployment: Deployment
    private var connections: [String: RedisConnection] = [:]
    /// The owner of each slot as last seen, by address text; redirects update it.
    private var owners: [String]
    /// How many times one command is redirected before its last reply is returned as is.
    private let maxRedirects = 5

    public var serverDescription: String { deployment.description }

    public init(_ deployment: Deployment) {
        self.deployment = deployment
        topology = deployment.topology ?? ClusterTopology(shards: [])
        owners = ClusterClient.owners(of: topology)
    }

    private static func owners(of topology: ClusterTopology) -> [String] {
        var owners = [String](repeating: "", count: HashSlot.count)
        for shard in topology.shards {
            for range in shard.slots { for slot in range { owners[slot] = shard.primary.address } }
        }
        return owners
    }

    /// The connection to the node at `address` (`host:port` or `[ipv6]:port`), opened once.
    public func connection(to address: String) throws(RedisError) -> RedisConnection {
        if let c = connections[address] { return c }
        guard let parsed = ClusterClient.parse(address: address) else {
            throw .wrongServer(server: deployment.base.description, reason: "the cluster named a node at \"\(address)\", which is not host:port")
        }
        let c = try RedisConnection(deployment.config(for: parsed))
        connections[address] = c
        return c
    }

    /// `host:port` as `ClusterTopology.Node.address` writes it (IPv6 in brackets), whatever form
    /// a redirect used.
    static func canonical(_ address: String) -> String {
        guard case .tcp(let host, let port)? = parse(address: address) else { return address }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// A new connection to the node at `address`, not kept here (for a thread that owns it).
    public func newConnection(to address: String) throws(RedisError) -> RedisConnection {
        guard let parsed = ClusterClient.parse(address: address) else {
            throw .wrongServer(server: deployment.base.description, reason: "the cluster named a node at \"\(address)\", which is not host:port")
        }
        return try RedisConnection(deployment.config(for: parsed))
    }

    /// The addresses of the primaries, in shard order.
    public var primaries: [String] { topology.shards.map(\.primary.address) }

    /// The connection to the primary that owns `key`'s slot.
    public func connection(forKey key: [UInt8]) throws(RedisError) -> RedisConnection {
        try connection(to: owners[HashSlot.of(key)])
    }

    /// The address of the primary that owns `key`'s slot.
    public func owner(ofKey key: [UInt8]) -> String { owners[HashSlot.of(key)] }

    /// Drops a node's connection (after an error it is dead; the next use reconnects).
    public func forget(_ address: String) { connections[address] = nil }

    /// Reads the slot map again from the first primary that answers.
    public func refresh() throws(RedisError) {
        var last: RedisError?
        for node in topology.shards.map(\.primary) + topology.shards.flatMap(\.replicas) {
            do throws(RedisError) {
                let fresh = try ClusterTopology.read(from: connection(to: node.address))
                topology = fresh
                owners = ClusterClient.owners(of: fresh)
                return
            } catch {
                forget(node.address)
                last = error
            }
        }
        if let last { throw last }
    }

    /// Refuses a cluster with slots being migrated or imported on any primary (CLUSTER NODES of
    /// each one names its own moving slots): a key could be on either side of the move.
    public func checkNoSlotsMoving() throws {
        for shard in topology.shards {
            let text = try connection(to: shard.primary.address).command([Word.cluster, Word.nodes]).string ?? ""
            let moving = ClusterTopology.movingSlots(clusterNodes: text)
            if !moving.isEmpty { throw TopologyError.slotsMoving(node: shard.primary.address, slots: moving) }
        }
    }

    public func routed(_ commands: [[[UInt8]]], keys: [[UInt8]]) throws(RedisError) -> [RedisReply] {
        precondition(commands.count == keys.count, "one routing key per command")
        var replies = [RedisReply](repeating: .null, count: commands.count)
        // (command index, node address, whether ASKING must precede it)
        var pending: [(index: Int, node: String, asking: Bool)] = keys.indices.map { ($0, owners[HashSlot.of(keys[$0])], false) }
        var round = 0
        while !pending.isEmpty {
            round += 1
            var groups: [String: [(index: Int, asking: Bool)]] = [:]
            var order: [String] = []
            for p in pending {
                if groups[p.node] == nil { order.append(p.node) }
                groups[p.node, default: []].append((p.index, p.asking))
            }
            // Every node's pipeline is written before any reply is read, so the nodes work at
            // the same time; Redis buffers replies, so a long pipeline cannot deadlock.
            for node in order {
                var encoder = RESPEncoder()
                for item in groups[node]! {
                    if item.asking { encoder.append([Word.asking]) }
                    encoder.append(commands[item.index])
                }
                try connection(to: node).send(encoder, during: "a pipeline")
            }
            var next: [(index: Int, node: String, asking: Bool)] = []
            var refresh = false
            var tryAgain = false
            // Every node's replies are read before a refusal is thrown, so no connection is
            // left with replies nobody reads; one that fails is dropped (reopened when next used).
            var denied: RedisError?
            for node in order {
                let redis = try connection(to: node)
                var got: [RedisReply] = []
                defer {
                    do { try redis.throwIfDenied(got) } catch { denied = denied ?? error }
                }
                for item in groups[node]! {
                    if item.asking {
                        do { _ = try redis.receive(during: "ASKING") } catch {
                            order.forEach { forget($0) }
                            throw error
                        }
                    }
                    let reply: RedisReply
                    do { reply = try redis.receive(during: "a pipeline") } catch {
                        order.forEach { forget($0) }
                        throw error
                    }
                    got.append(reply)
                    switch reply.replyError?.code {
                    case .moved(let slot, let address)? where round <= maxRedirects:
                        owners[slot] = ClusterClient.canonical(address)
                        refresh = true
                        next.append((item.index, owners[slot], false))
                    case .ask(_, let address)? where round <= maxRedirects:
                        next.append((item.index, ClusterClient.canonical(address), true))
                    case .tryagain? where round <= maxRedirects:
                        tryAgain = true
                        next.append((item.index, node, item.asking))
                    default:
                        replies[item.index] = reply
                    }
                }
            }
            if let denied { throw denied }
            if refresh { try? self.refresh() }
            // TRYAGAIN: a multi-key command during a migration; the move finishes shortly.
            if tryAgain { usleep(20_000) }
            pending = next
        }
        return replies
    }

    /// Parses `host:port`, `[ipv6]:port`, or `host:port@busport` as cluster replies write it.
    static func parse(address: String) -> ConnectionConfig.Address? {
        let text = address.split(separator: "@").first.map(String.init) ?? address
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            guard let port = Int(text[text.index(after: close)...].dropFirst()) else { return nil }
            return .tcp(host: host, port: port)
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        return .tcp(host: String(text[..<colon]), port: port)
    }
}

/// The key that decides where a command goes in a cluster (what cluster.c's getKeysFromCommand
/// finds first), for the commands memops sends: after STREAMS for XREAD/XREADGROUP, the first
/// key of EVAL/EVALSHA/FCALL, else the first argument.
public enum RoutingKey {
    public static func of(_ command: [[UInt8]]) -> [UInt8] {
        guard let name = command.first.map({ String(decoding: $0, as: UTF8.self).uppercased() }) else { return [] }
        switch name {
        case "XREAD", "XREADGROUP":
            if let at = command.firstIndex(where: { String(decoding: $0, as: UTF8.self).uppercased() == "STREAMS" }), at + 1 < command.count {
                return command[at + 1]
            }
        case "EVAL", "EVALSHA", "FCALL":
            if command.count > 3, let n = Int(String(decoding: command[2], as: UTF8.self)), n > 0 { return command[3] }
        default:
            break
        }
        return command.count > 1 ? command[1] : []
    }
}

/// The servers a command reads keys on: one server, or every primary of a cluster with each
/// key's commands on its own shard.
struct KeyspaceNodes {
    /// The server, or (for a cluster) any primary.
    let connection: RedisConnection
    let cluster: ClusterClient?

    /// Where commands about keys go.
    var router: KeyRouter { cluster ?? connection }

    /// The server that holds `key`.
    func holder(of key: [UInt8]) throws(RedisError) -> RedisConnection {
        try cluster?.connection(forKey: key) ?? connection
    }

    /// Every server whose keys are scanned, in shard order.
    func all() throws(RedisError) -> [RedisConnection] {
        guard let cluster else { return [connection] }
        var nodes: [RedisConnection] = []
        for address in cluster.primaries { nodes.append(try cluster.connection(to: address)) }
        return nodes
    }
}

extension Deployment {
    /// A client of the cluster, refusing slots on the move (a key could be on either side), or
    /// nil for one server: for the commands that scan every shard and must see each key once.
    public func stableCluster() throws -> ClusterClient? {
        guard isCluster else { return nil }
        let cluster = ClusterClient(self)
        try cluster.checkNoSlotsMoving()
        return cluster
    }
}
