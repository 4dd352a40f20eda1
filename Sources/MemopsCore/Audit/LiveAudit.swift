import Foundation

/// Knobs for an audit.
public struct AuditOptions: Sendable {
    /// SCAN COUNT, and the batch size of every pipeline.
    public var count: Int
    /// 50, not redis' usual 1000: a big SCAN COUNT holds the server for milliseconds and shows in
    /// its clients' tail latency, while small batches pipelined back to back take no longer in
    /// all (scripts/bench-audit compares them).
    public static let defaultCount = 50
    /// Commands per second at most (nil: as fast as the server answers).
    public var rate: Double?
    /// Biggest keys kept per pattern.
    public var topN: Int
    /// MEMORY USAGE … SAMPLES n: bounded work on big aggregates.
    /// Redis sizes a hash from its first N fields in iteration order, and that order is the same
    /// for every key of one server (the hash seed is per process): with 5 samples, a 6-field
    /// session whose ~1 KB context comes sixth was under-counted on every key, in about one run
    /// in six. 16 covers the schema's hashes whole and is still bounded on big keys.
    public var memorySamples: Int
    /// SCAN MATCH glob (nil: every key).
    public var match: String?

    public init(count: Int = AuditOptions.defaultCount, rate: Double? = nil, topN: Int = 5, memorySamples: Int = 16, match: String? = nil) {
        self.count = count
        self.rate = rate
        self.topN = topN
        self.memorySamples = memorySamples
        self.match = match
    }
}

/// Audits a running server: SCAN in batches, one pipeline of O(1) commands per batch (TYPE,
/// PTTL, MEMORY USAGE with a bounded sample, HSTRLEN for checked fields, ZSCORE/SISMEMBER for
/// reverse references, XINFO STREAM/GROUPS for streams), then ZSCAN/SSCAN/HSCAN over the index
/// keys with pipelined EXISTS for their members. Never KEYS, never an O(N) command on a key.
/// Memory: one batch, plus the names of the index keys seen (not their members).
public final class LiveAudit {
    /// The node being scanned (the server itself, unless this is a cluster).
    public private(set) var connection: RedisConnection
    public let schema: Schema
    public let options: AuditOptions
    private var limiter: RateLimiter
    /// Every node whose keys are scanned, with the name findings give it (nil: one server).
    private let nodes: [(name: String?, connection: RedisConnection)]
    /// The cluster, when the audit covers one: lookups about other keys (an index's member, an
    /// entity's index) go through it to the shard that holds the key. Without one they ride in
    /// the scanned server's own pipeline.
    private let cluster: ClusterClient?
    private var inline: Bool { cluster == nil }
    private var router: KeyRouter { cluster ?? connection }

    public init(connection: RedisConnection, schema: Schema = .seed, options: AuditOptions = AuditOptions()) {
        self.connection = connection
        self.schema = schema
        self.options = options
        limiter = RateLimiter(opsPerSecond: options.rate)
        nodes = [(nil, connection)]
        cluster = nil
    }

    /// Audits every shard of a cluster: each primary is scanned on a connection of its own,
    /// and references are checked on the shard that holds the other key, so a dangling member
    /// or an entity missing from its index is found wherever each key hashes.
    public init(cluster: ClusterClient, schema: Schema = .seed, options: AuditOptions = AuditOptions()) throws(RedisError) {
        var nodes: [(name: String?, connection: RedisConnection)] = []
        for shard in cluster.topology.shards {
            // Not the router's connection: the scan keeps a batch in flight on its own.
            nodes.append((shard.primary.address, try RedisConnection(cluster.connection(to: shard.primary.address).config)))
        }
        self.connection = nodes[0].connection
        self.schema = schema
        self.options = options
        limiter = RateLimiter(opsPerSecond: options.rate)
        self.nodes = nodes
        self.cluster = cluster
    }

    /// Runs the audit; `progress` gets the keys scanned so far after each batch.
    public func run(progress: ((Int) -> Void)? = nil) throws(RedisError) -> AuditReport {
        let started = Date()
        var checker = AuditChecker(schema: schema, topN: options.topN)
        if let cluster { checker.locate = { cluster.owner(ofKey: $0) } }
        let nowMs = try serverTimeMs()
        var indexKeys: [Int: Set<[UInt8]>] = [:]
        var scanned = 0
        for node in nodes {
            connection = node.connection
            checker.node = node.name
            try scanNode(nowMs: nowMs, checker: &checker, indexKeys: &indexKeys) { n in
                progress?(scanned + n)
            }
            scanned = checker.scannedCount
        }
        for (ref, keys) in indexKeys.sorted(by: { $0.key < $1.key }) {
            for key in keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                checker.node = cluster?.owner(ofKey: key)
                try checkMembers(reference: ref, index: key, checker: &checker)
            }
        }
        return checker.finish(seconds: Date().timeIntervalSince(started))
    }

    /// SCANs the current node in batches: each batch's pipeline ends with the SCAN for the next
    /// batch, and the next batch is sent before this one's replies are checked, so the server
    /// works while memops checks.
    private func scanNode(nowMs: Int64, checker: inout AuditChecker, indexKeys: inout [Int: Set<[UInt8]>],
                          progress: (Int) -> Void) throws(RedisError) {
        let first = try connection.scan(cursor: 0, match: options.match, count: options.count)
        limiter.spent(1)
        var current = try send(prepare(first.keys, thenScan: first.cursor))
        var scanned = 0
        while true {
            var replies = try receive(current)
            var next: Prepared?
            var after: (cursor: UInt64, keys: [[UInt8]])?
            if current.scanAfter != nil {
                after = try scanStep(replies.removeLast())
                // XINFO CONSUMERS for a stream goes out while checking: nothing may be in flight then.
                if !current.hasStreams, let step = after {
                    next = try send(prepare(step.keys, thenScan: step.cursor))
                }
            }
            try process(current, replies, nowMs: nowMs, checker: &checker, indexKeys: &indexKeys)
            scanned += current.plans.count
            progress(scanned)
            if next == nil, let step = after { next = try send(prepare(step.keys, thenScan: step.cursor)) }
            guard let next else { break }
            current = next
        }
    }

    /// The server's clock in unix milliseconds (stream ages are measured against it).
    private func serverTimeMs() throws(RedisError) -> Int64 {
        let parts = try connection.command("TIME").elements ?? []
        guard parts.count == 2, let s = parts[0].integer, let us = parts[1].integer else { return Int64(Date().timeIntervalSince1970 * 1000) }
        return s * 1000 + us / 1000
    }

    /// What was asked about one key in the batch pipeline, so replies can be read back.
    private struct Plan {
        var key: [UInt8]
        var first: Int
        var fields: [String] = []
        var reverse: [(ref: Int, member: [UInt8])] = []
        /// Reverse references looked up through the router (a cluster): their commands.
        var remote: [(index: [UInt8], command: [[UInt8]])] = []
        var stream = false
        var indexOf: [Int] = []
        var keyClass: KeyClass = .unmatched
    }

    /// One batch's pipeline, encoded, and what each key asked for.
    private struct Prepared {
        var plans: [Plan] = []
        var encoded = RESPEncoder()
        /// The cursor of the SCAN that ends the pipeline (none after the last batch).
        var scanAfter: UInt64?
        var hasStreams = false
    }

    /// Checks one batch of keys (one pipeline, then the checks).
    func inspect(_ keys: [[UInt8]], nowMs: Int64, checker: inout AuditChecker, indexKeys: inout [Int: Set<[UInt8]>]) throws(RedisError) {
        let batch = try send(prepare(keys, thenScan: 0))
        try process(batch, try receive(batch), nowMs: nowMs, checker: &checker, indexKeys: &indexKeys)
    }

    private func send(_ batch: Prepared) throws(RedisError) -> Prepared {
        try connection.send(batch.encoded, during: "the audit pipeline")
        limiter.spent(batch.encoded.commandCount)
        return batch
    }

    private func receive(_ batch: Prepared) throws(RedisError) -> [RedisReply] {
        var replies: [RedisReply] = []
        replies.reserveCapacity(batch.encoded.commandCount)
        for _ in 0..<batch.encoded.commandCount { replies.append(try connection.receive(during: "the audit pipeline")) }
        // A refused check must fail the audit, not make a key look vanished or unreferenced.
        try connection.throwIfDenied(replies)
        return replies
    }

    /// The commands for a batch of keys: TYPE, PTTL, MEMORY USAGE, and what the key's pattern
    /// needs; then `SCAN cursor` unless the cursor is 0 (the scan is over).
    private func prepare(_ keys: [[UInt8]], thenScan cursor: UInt64) -> Prepared {
        var batch = Prepared()
        batch.plans.reserveCapacity(keys.count)
        let samples = Int64(options.memorySamples)
        for key in keys {
            var plan = Plan(key: key, first: batch.encoded.commandCount)
            batch.encoded.append([Word.type, key])
            batch.encoded.append([Word.pttl, key])
            batch.encoded.begin(argumentCount: 5)
            batch.encoded.argument(Word.memory)
            batch.encoded.argument(Word.usage)
            batch.encoded.argument(key)
            batch.encoded.argument(Word.samples)
            batch.encoded.argument(samples)
            plan.keyClass = AuditChecker.classify(key, schema: schema)
            if case .matched(let p, _) = plan.keyClass {
                if p.type == .hash {
                    plan.fields = p.checkedFields
                    for f in plan.fields { batch.encoded.append([Word.hstrlen, key, b(f)]) }
                }
                if p.type == .stream {
                    plan.stream = true
                    batch.hasStreams = true
                    batch.encoded.append([Word.xinfo, Word.stream, key])
                    batch.encoded.append([Word.xinfo, Word.groups, key])
                }
                for (ref, member) in AuditChecker.reverseReferences(of: key, schema: schema) {
                    let r = schema.references[ref]
                    let from = b(r.from)
                    let lookup = r.via == .setMembers ? [Word.sismember, from, member] : [Word.zscore, from, member]
                    if inline { batch.encoded.append(lookup) } else { plan.remote.append((from, lookup)) }
                    plan.reverse.append((ref, member))
                }
                plan.indexOf = AuditChecker.references(from: p.pattern, schema: schema)
            }
            batch.plans.append(plan)
        }
        if cursor != 0 {
            batch.scanAfter = cursor
            batch.encoded.append(RedisConnection.scanCommand(cursor: cursor, match: options.match, count: options.count))
        }
        return batch
    }

    private func scanStep(_ reply: RedisReply) throws(RedisError) -> (cursor: UInt64, keys: [[UInt8]]) {
        if let m = reply.errorMessage { throw connection.refusal(m, command: "SCAN") }
        return try connection.scanStep(reply)
    }

    /// Checks a batch from its replies (the SCAN reply already taken off).
    private func process(_ batch: Prepared, _ replies: [RedisReply], nowMs: Int64, checker: inout AuditChecker,
                         indexKeys: inout [Int: Set<[UInt8]>]) throws(RedisError) {
        // The lookups on other shards, all of the batch's at once.
        let remote = batch.plans.flatMap(\.remote)
        var remoteReplies = remote.isEmpty ? [] : try router.routed(remote.map(\.command), keys: remote.map(\.index))
        limiter.spent(remote.count)
        remoteReplies.reverse()
        for plan in batch.plans {
            var i = plan.first
            func next() -> RedisReply { defer { i += 1 }; return replies[i] }
            // A refused TYPE or PTTL (ACL, renamed command) must fail the audit, not make every
            // key look vanished and the keyspace look clean.
            for (reply, name) in zip(replies[i..<i + 2], ["TYPE", "PTTL"]) {
                if let e = reply.errorMessage { throw connection.refusal(e, command: name) }
            }
            let type = next().string ?? "none"
            let pttl = next().integer ?? -2
            let memory = Int(next().integer ?? 0)
            // The key vanished between SCAN and TYPE (expired, deleted): nothing to check.
            if type == "none" || pttl == -2 { continue }
            var o = KeyObservation(key: plan.key, type: type, ttlMs: pttl >= 0 ? pttl : nil, memory: memory)
            for f in plan.fields { o.fieldLengths[f] = Int(next().integer ?? 0) }
            if plan.stream {
                let info = next(), groups = next()
                if type == "stream" { o.stream = try stream(plan.key, info: info, groups: groups, nowMs: nowMs) }
            }
            var missing: [Int] = []
            for (ref, _) in plan.reverse {
                let reply = inline ? next() : remoteReplies.removeLast()
                let present = reply.errorMessage == nil && reply != .null && reply.integer != 0
                if !present { missing.append(ref) }
            }
            checker.check(o, as: plan.keyClass)
            for ref in missing { checker.missingFromIndex(reference: ref, key: plan.key) }
            for ref in plan.indexOf {
                let r = schema.references[ref]
                let want = r.via == .zsetMembers ? "zset" : r.via == .setMembers ? "set" : "hash"
                if type == want { indexKeys[ref, default: []].insert(plan.key) }
            }
        }
    }

    /// A stream's length, oldest entry age and groups, from XINFO STREAM/GROUPS replies, plus
    /// XINFO CONSUMERS per group when the schema bounds idle consumers.
    private func stream(_ key: [UInt8], info: RedisReply, groups: RedisReply, nowMs: Int64) throws(RedisError) -> StreamObservation {
        let fields = info.fieldMap
        let length = Int(fields["length"]?.integer ?? 0)
        var oldest: Int64?
        if let first = fields["first-entry"]?.elements?.first?.string, let ms = first.split(separator: "-").first.flatMap({ Int64($0) }) {
            oldest = max(0, nowMs - ms)
        }
        var result: [GroupObservation] = []
        for g in groups.elements ?? [] {
            let m = g.fieldMap
            result.append(GroupObservation(name: m["name"]?.string ?? "", pending: Int(m["pending"]?.integer ?? 0), consumers: []))
        }
        let needsConsumers = (schema.match(key)?.pattern.stream?.maxIdleSeconds != nil) && !result.isEmpty
        if needsConsumers {
            let replies = try connection.pipeline(result.map { [Word.xinfo, Word.consumers, key, b($0.name)] })
            limiter.spent(result.count)
            for (n, reply) in replies.enumerated() {
                result[n].consumers = (reply.elements ?? []).map { c in
                    let m = c.fieldMap
                    return (m["name"]?.string ?? "", m["idle"]?.integer ?? 0, Int(m["pending"]?.integer ?? 0))
                }
            }
        }
        return StreamObservation(length: length, oldestAgeMs: oldest, groups: result)
    }

    /// Walks an index with ZSCAN/SSCAN/HSCAN and checks each member's key with pipelined EXISTS.
    private func checkMembers(reference ref: Int, index: [UInt8], checker: inout AuditChecker) throws(RedisError) {
        let r = schema.references[ref]
        let verb = r.via == .zsetMembers ? "ZSCAN" : r.via == .setMembers ? "SSCAN" : "HSCAN"
        var cursor: [UInt8] = b("0")
        repeat {
            let holder = try cluster?.connection(forKey: index) ?? connection
            let reply = try holder.command([b(verb), index, cursor, Word.count, b(String(options.count))])
            limiter.spent(1)
            guard let parts = reply.elements, parts.count == 2, let next = parts[0].bytes, let items = parts[1].elements else { return }
            cursor = next
            var found: [DanglingMember] = []
            if r.via == .setMembers {
                for m in items.compactMap(\.bytes) { found.append(DanglingMember(reference: ref, index: index, member: m, target: r.target(m))) }
            } else {
                var k = 0
                while k + 1 < items.count {
                    let a = items[k].bytes ?? [], v = items[k + 1].bytes ?? []
                    if r.via == .zsetMembers {
                        found.append(DanglingMember(reference: ref, index: index, member: a, score: v, target: r.target(a)))
                    } else {
                        found.append(DanglingMember(reference: ref, index: index, member: v, field: a, target: r.target(v)))
                    }
                    k += 2
                }
            }
            guard !found.isEmpty else { continue }
            let exists = try router.routed(found.map { [Word.exists, $0.target] }, keys: found.map(\.target))
            limiter.spent(found.count)
            for (d, e) in zip(found, exists) where e.integer == 0 { checker.dangling(d) }
        } while cursor != b("0")
    }

}

/// A string's UTF-8 bytes, for command arguments.
@inline(__always) func b(_ s: String) -> [UInt8] { Array(s.utf8) }
