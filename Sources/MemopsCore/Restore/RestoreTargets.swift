import Foundation
import MemopsRDB

/// Where a live restore's keys go: one server, through one `BatchSender`; or a Redis Cluster,
/// through a sender per primary (each on its own thread and connection), every key to the
/// primary that owns its slot, so the shards are written at the same time.
final class RestoreTargets {
    /// The cluster, when the target is one; nil for one server.
    let cluster: ClusterClient?
    private let options: LiveRestoreOptions
    private var senders: [String: BatchSender] = [:]
    /// The server, or the cluster, for messages.
    let server: String

    init(server redis: RedisConnection, options: LiveRestoreOptions) {
        cluster = nil
        self.options = options
        server = redis.config.description
        senders[""] = BatchSender(redis, options: options)
    }

    init(cluster: ClusterClient, options: LiveRestoreOptions) {
        self.cluster = cluster
        self.options = options
        server = cluster.serverDescription
    }

    deinit { stopAll() }

    /// The node that takes `key` ("" for one server).
    func node(for key: [UInt8]) -> String { cluster?.owner(ofKey: key) ?? "" }

    /// Every node a key or a library goes to: the cluster's primaries, or the one server.
    var allNodes: [String] { cluster?.primaries ?? [""] }

    /// The sender for `node`, started on a connection of its own when first needed.
    func sender(for node: String) throws -> BatchSender {
        if let s = senders[node] { return s }
        guard let cluster else { preconditionFailure("one server has one sender") }
        let s = BatchSender(try cluster.newConnection(to: node), options: options)
        senders[node] = s
        return s
    }

    /// Runs `body` with `node`'s connection, taken back from its sender once every batch handed
    /// to it is answered, and gives it back afterwards.
    func withConnection<R>(_ node: String, _ body: (RedisConnection) throws -> R) throws -> R {
        let s = try sender(for: node)
        let redis = try s.drain()
        defer { s.resume(redis) }
        return try body(redis)
    }

    /// Waits until every sender has had every batch answered.
    func drainAll() throws {
        for s in senders.values { s.resume(try s.drain()) }
    }

    /// Keys written so far by every sender.
    var written: Int { senders.values.reduce(0) { $0 + $1.written } }

    /// Every sender's counts added up; call after `drainAll()`.
    var counts: LiveRestoreResult {
        var total = LiveRestoreResult()
        for s in senders.values { total.addWrites(s.counts, examples: options.exampleLimit) }
        return total
    }

    func stopAll() { senders.values.forEach { $0.stop() } }

    /// A temporary key name in the slot of `key` (so a RENAME onto it stays on one shard): a
    /// hash tag found for that slot.
    static func temporaryName(near key: [UInt8], suffix: String) -> [UInt8] {
        let slot = HashSlot.of(key)
        var n = 0
        while HashSlot.of(Array("{\(n)}".utf8)) != slot { n += 1 }
        return Array("{\(n)}\(suffix)".utf8)
    }

    /// Sends again the RESTOREs a slot move redirected (MOVED: to the slot's new owner, once
    /// the map is read again; ASK: with ASKING, to the node named), a few rounds at most; what
    /// still fails is counted as failed.
    func resend(_ redirects: [RestoreRedirect], into result: inout LiveRestoreResult) throws {
        guard let cluster, !redirects.isEmpty else { return }
        var pending = redirects
        try? cluster.refresh()
        for _ in 0..<5 where !pending.isEmpty {
            var next: [RestoreRedirect] = []
            for r in pending {
                // The node the redirect named: the slot map read again may still lag behind it.
                let node = r.address
                let redis = try cluster.connection(to: node)
                var encoder = RESPEncoder()
                if r.db != 0 { encoder.append([Word.select, Array(String(r.db).utf8)]) }
                if r.ask { encoder.append([Word.asking]) }
                try redis.send(encoder, during: "RESTORE")
                try r.command.withUnsafeBytes { try redis.send($0, during: "RESTORE") }
                if r.db != 0 { _ = try redis.receive(during: "SELECT") }
                if r.ask { _ = try redis.receive(during: "ASKING") }
                let reply = try redis.receive(during: "RESTORE")
                switch reply.replyError?.code {
                case .moved(_, let address)?:
                    next.append(RestoreRedirect(db: r.db, key: r.key, command: r.command, address: ClusterClient.canonical(address), ask: false))
                case .ask(_, let address)?:
                    next.append(RestoreRedirect(db: r.db, key: r.key, command: r.command, address: ClusterClient.canonical(address), ask: true))
                case .busykey? where options.onConflict == .skip:
                    result.skippedExisting += 1
                case nil:
                    result.restored += 1
                default:
                    result.failed += 1
                    result.problems.append(RestoreProblem(db: r.db, key: RDBError.printable(r.key), reason: reply.errorMessage ?? "\(reply)"))
                }
            }
            if next.contains(where: { !$0.ask }) { try? cluster.refresh() }
            pending = next
        }
        for r in pending {
            result.failed += 1
            result.problems.append(RestoreProblem(db: r.db, key: RDBError.printable(r.key), reason: "its slot kept moving during the restore; run the restore again"))
        }
    }
}

/// A RESTORE a cluster node sent elsewhere (its slot moved, or is moving), with its bytes.
struct RestoreRedirect: Sendable {
    var db: Int
    var key: [UInt8]
    var command: [UInt8]
    var address: String
    var ask: Bool
}
