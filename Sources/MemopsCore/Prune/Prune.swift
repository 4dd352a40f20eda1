import Foundation
import MemopsRDB

/// What prune should remove or fix; every target is chosen explicitly.
public struct PruneOptions: Sendable {
    /// Dangling index members (ZREM, SREM, HDEL).
    public var orphans = false
    /// Keys breaking their TTL policy: removed, or with `fixTTL` given the policy's TTL.
    public var expiredPolicy = false
    public var fixTTL = false
    /// Entities whose index score is older than this many seconds, with `namespace`.
    public var olderThanSeconds: Int64?
    public var namespace: String?
    /// Every key matching this SCAN glob.
    public var pattern: String?
    /// XTRIM streams to their policy (MAXLEN ~, exact MINID).
    public var trimStreams = false
    /// Batch size and commands per second.
    public var count = 1000
    public var rate: Double?

    /// An age as `--older-than` takes it: `90s`, `30m`, `12h`, `30d`, in seconds; nil for
    /// anything else, or beyond 100 years.
    public static func ageSeconds(_ text: String) -> Int64? {
        guard let unit = text.last, let n = Int64(text.dropLast()), n >= 0 else { return nil }
        let factor: Int64
        switch unit {
        case "s": factor = 1
        case "m": factor = 60
        case "h": factor = 3_600
        case "d": factor = 86_400
        default: return nil
        }
        let (seconds, overflow) = n.multipliedReportingOverflow(by: factor)
        return overflow || seconds > 100 * 366 * 86_400 ? nil : seconds
    }

    public init() {}
}

/// A sorted-set member that indexes a key (removed with it, put back by undo).
public struct IndexMember: Sendable, Hashable {
    public var key: [UInt8]
    public var member: [UInt8]
    /// The score as the server printed it.
    public var score: [UInt8]

    public init(key: [UInt8], member: [UInt8], score: [UInt8]) {
        self.key = key
        self.member = member
        self.score = score
    }
}

/// One change prune plans.
public enum PruneAction: Sendable, Equatable {
    /// Remove an index member whose key does not exist (re-checked: still missing, same score).
    case member(DanglingMember, via: Reference.Via)
    /// UNLINK a key, if its DUMP digest and expiry are still what the scan saw; `index` members
    /// (sorted set, member, score) go with it.
    case key(key: [UInt8], digest: String, expireAtMs: Int64, memory: Int, index: [IndexMember])
    /// Set the TTL (seconds) or remove it (nil), if the expiry is still what the scan saw.
    case ttl(key: [UInt8], seconds: Int?, expireAtMs: Int64)
    /// XTRIM a stream: MAXLEN ~ n or MINID id.
    case trim(key: [UInt8], maxLength: Int?, minID: String?)

    /// PEXPIRETIME's answer for a key that does not exist (-1 is a key without a TTL).
    public static let keyMissing: Int64 = -2
    /// A planned TTL change whose expiry is read in the planning's last step (never sent).
    static let expiryNotRead: Int64 = -3

    /// One line for a dry run.
    public var describe: String {
        switch self {
        case .member(let d, let via):
            let verb = via == .zsetMembers ? "ZREM" : via == .setMembers ? "SREM" : "HDEL"
            return "\(verb) \(KeyText.escaped(d.index)) \(KeyText.escaped(via == .hashValues ? d.field ?? [] : d.member))  (\(KeyText.escaped(d.target)) does not exist)"
        case .key(let k, _, _, let m, let index):
            return "UNLINK \(KeyText.escaped(k))  (\(m) bytes)" + index.map { " + ZREM \(KeyText.escaped($0.key)) \(KeyText.escaped($0.member))" }.joined()
        case .ttl(let k, let s, _):
            return s.map { "EXPIRE \(KeyText.escaped(k)) \($0)" } ?? "PERSIST \(KeyText.escaped(k))"
        case .trim(let k, let max, let minID):
            return "XTRIM \(KeyText.escaped(k)) " + (max.map { "MAXLEN ~ \($0)" } ?? "MINID \(minID ?? "0")")
        }
    }
}

/// What a prune did (or, in a dry run, would do).
public struct PruneResult: Sendable, Equatable {
    public var keysRemoved = 0
    public var membersRemoved = 0
    public var ttlsChanged = 0
    public var entriesTrimmed = 0
    /// Re-checked right before removal and found changed since the scan: left alone.
    public var keptBecauseChanged = 0
    /// MEMORY USAGE of the removed keys as the scan saw them.
    public var bytesFreed = 0
}

/// Plans and applies a prune. The plan comes from a scan (the audit for orphans and TTL policy
/// breaks, SCAN MATCH for a pattern, ZSCAN of the index for age); acting re-checks every item
/// atomically in a Lua script (the key's DUMP digest and PEXPIRETIME, the member's score) and
/// journals what it removed. Removal is UNLINK, never DEL.
public final class Pruner {
    public let connection: RedisConnection
    /// The cluster, when the server is one: every primary is scanned, each key's commands go
    /// to its shard, and every change is a one-key script (see `applyAcrossShards`).
    public private(set) var cluster: ClusterClient?
    private var keyspace: KeyspaceNodes { KeyspaceNodes(connection: connection, cluster: cluster) }
    private var router: KeyRouter { keyspace.router }
    public let schema: Schema
    public let options: PruneOptions
    private var limiter: RateLimiter
    /// Called with the keys a transaction is about to UNLINK, between its reads and its
    /// MULTI/EXEC (tests write keys here).
    var betweenReadAndExec: (([[UInt8]]) throws -> Void)?
    /// Called with the keys a batch of scripts may remove, once the scripts are sent and before
    /// their replies are read (tests fail here, as a dropped connection would).
    var afterSendingScripts: (([[UInt8]]) throws -> Void)?

    public init(connection: RedisConnection, schema: Schema = .seed, options: PruneOptions) {
        self.connection = connection
        self.schema = schema
        self.options = options
        limiter = RateLimiter(opsPerSecond: options.rate)
    }

    /// Prunes across every shard of a cluster.
    public convenience init(cluster: ClusterClient, schema: Schema = .seed, options: PruneOptions) throws(RedisError) {
        self.init(connection: try cluster.connection(to: cluster.primaries[0]), schema: schema, options: options)
        self.cluster = cluster
    }


    /// Scans and returns the actions the chosen targets call for. `digests` adds each key's DUMP
    /// digest (needed to act; a dry run skips it).
    public func plan(digests: Bool = true) throws -> [PruneAction] {
        var actions: [PruneAction] = []
        var keys: [(key: [UInt8], index: [IndexMember])] = []
        if options.orphans || options.expiredPolicy { try auditTargets(&actions, &keys) }
        if let glob = options.pattern { keys += try matching(glob).map { ($0, []) } }
        if let age = options.olderThanSeconds, let ns = options.namespace {
            keys += try olderThan(age, namespace: ns)
        }
        if options.trimStreams { actions += try trims() }
        actions += try keyActions(Pruner.merged(keys), digests: digests)
        return try withScannedExpiries(actions)
    }

    /// What an audit finds: dangling index members (`orphans`), and keys that break their TTL
    /// policy (`expiredPolicy`), as TTL fixes with `fixTTL` or else as keys to remove.
    private func auditTargets(_ actions: inout [PruneAction], _ keys: inout [(key: [UInt8], index: [IndexMember])]) throws {
        let auditOptions = AuditOptions(count: options.count, rate: nil, topN: 0)
        let audit = try cluster.map { try LiveAudit(cluster: $0, schema: schema, options: auditOptions) }
            ?? LiveAudit(connection: connection, schema: schema, options: auditOptions)
        let report = try audit.run()
        if options.orphans {
            actions += report.dangling.map { .member($0, via: schema.references[$0.reference].via) }
        }
        guard options.expiredPolicy else { return }
        for p in report.policyBreaks {
            if options.fixTTL {
                // A required TTL without a bound has no value to apply.
                if p.ttlMs == nil && p.boundSeconds == nil { continue }
                actions.append(.ttl(key: p.key, seconds: p.boundSeconds, expireAtMs: PruneAction.expiryNotRead))
            } else {
                keys.append((p.key, []))
            }
        }
    }

    /// Every key SCAN MATCH `glob` returns.
    private func matching(_ glob: String) throws -> [[UInt8]] {
        var keys: [[UInt8]] = []
        for node in try keyspace.all() {
            var cursor: UInt64 = 0
            repeat {
                let step = try node.scan(cursor: cursor, match: glob, count: options.count)
                cursor = step.cursor
                keys += step.keys
            } while cursor != 0
        }
        return keys
    }

    /// One entry per key, in first-seen order: a key chosen by several targets takes all their
    /// index members.
    static func merged(_ keys: [(key: [UInt8], index: [IndexMember])]) -> [(key: [UInt8], index: [IndexMember])] {
        var position: [[UInt8]: Int] = [:]
        var unique: [(key: [UInt8], index: [IndexMember])] = []
        for k in keys {
            if let at = position[k.key] {
                for i in k.index where !unique[at].index.contains(where: { $0.key == i.key && $0.member == i.member }) { unique[at].index.append(i) }
            } else {
                position[k.key] = unique.count
                unique.append(k)
            }
        }
        return unique
    }

    /// Key actions: each key's expiry, memory and (to act) a digest of its value, as the scan
    /// saw them, pipelined `count` keys at a time; keys gone since the scan are dropped.
    private func keyActions(_ unique: [(key: [UInt8], index: [IndexMember])], digests: Bool) throws -> [PruneAction] {
        var actions: [PruneAction] = []
        for start in stride(from: 0, to: unique.count, by: options.count) {
            let batch = Array(unique[start..<min(unique.count, start + options.count)])
            var commands: [[[UInt8]]] = []
            for k in batch {
                commands.append([Word.pexpiretime, k.key])
                commands.append([Word.memory, Word.usage, k.key, Word.samples, b("5")])
                if digests { commands.append([Word.dump, k.key]) }
            }
            let replies = try router.routed(commands, keys: commands.map { $0[0] == Word.memory ? $0[2] : $0[1] })
            let per = digests ? 3 : 2
            for (n, k) in batch.enumerated() {
                let expire = replies[n * per].integer ?? PruneAction.keyMissing
                if expire == PruneAction.keyMissing { continue }  // gone since the scan
                let digest = digests ? (replies[n * per + 2].bytes.map(Pruner.sha1) ?? "") : ""
                actions.append(.key(key: k.key, digest: digest, expireAtMs: expire, memory: Int(replies[n * per + 1].integer ?? 0), index: k.index))
            }
        }
        return actions
    }

    /// `actions` with each TTL fix given the expiry the scan saw (to re-check it when acting);
    /// a fix whose key is gone is dropped.
    private func withScannedExpiries(_ actions: [PruneAction]) throws -> [PruneAction] {
        let ttlKeys = actions.compactMap { a -> [UInt8]? in if case .ttl(let k, _, _) = a { return k } else { return nil } }
        guard !ttlKeys.isEmpty else { return actions }
        let replies = try router.routed(ttlKeys.map { [Word.pexpiretime, $0] }, keys: ttlKeys)
        var expiry: [[UInt8]: Int64] = [:]
        for (k, r) in zip(ttlKeys, replies) { expiry[k] = r.integer ?? PruneAction.keyMissing }
        var fixed: [PruneAction] = []
        for a in actions {
            if case .ttl(let k, let s, _) = a {
                if let e = expiry[k], e != PruneAction.keyMissing { fixed.append(.ttl(key: k, seconds: s, expireAtMs: e)) }
            } else {
                fixed.append(a)
            }
        }
        return fixed
    }

    /// Entities of `namespace` whose score in their main index (a reverse reference's sorted set)
    /// is older than `age` seconds, with that index member.
    private func olderThan(_ age: Int64, namespace: String) throws -> [(key: [UInt8], index: [IndexMember])] {
        let cutoff = Double(Int64(Date().timeIntervalSince1970) - age)
        var out: [(key: [UInt8], index: [IndexMember])] = []
        let refs = schema.references.filter { $0.reverse == true && $0.via == .zsetMembers && $0.to.hasPrefix(namespace + ":") }
        guard !refs.isEmpty else { throw PruneError.noIndex(namespace: namespace) }
        for r in refs {
            let index = b(r.from)
            var cursor = b("0")
            repeat {
                let reply = try keyspace.holder(of: index).command([Word.zscan, index, cursor, Word.count, b(String(options.count))])
                guard let parts = reply.elements, parts.count == 2, let next = parts[0].bytes, let items = parts[1].elements else { break }
                cursor = next
                var k = 0
                while k + 1 < items.count {
                    let m = items[k].bytes ?? [], s = items[k + 1].bytes ?? []
                    if let score = Double(String(decoding: s, as: UTF8.self)), score < cutoff { out.append((r.target(m), [IndexMember(key: index, member: m, score: s)])) }
                    k += 2
                }
            } while cursor != b("0")
        }
        return try addOwnerIndexes(out)
    }

    /// Adds, for each entity, its member in the indexes found through an owner field (the
    /// embedding's `embeddings:session:{id}`): HGET the field, then ZSCORE, both pipelined.
    private func addOwnerIndexes(_ entities: [(key: [UInt8], index: [IndexMember])])
        throws -> [(key: [UInt8], index: [IndexMember])]
    {
        var out = entities
        for r in schema.references where r.ownerField != nil && r.via == .zsetMembers {
            for start in stride(from: 0, to: out.count, by: options.count) {
                let range = start..<min(out.count, start + options.count)
                let candidates = range.filter { r.member(of: out[$0].key) != nil }
                let owners = try router.routed(candidates.map { [Word.hget, out[$0].key, b(r.ownerField!)] }, keys: candidates.map { out[$0].key })
                var found: [(Int, [UInt8], [UInt8])] = []
                for (i, reply) in zip(candidates, owners) {
                    if let value = reply.bytes, let index = r.ownerIndex(value), let member = r.member(of: out[i].key) { found.append((i, index, member)) }
                }
                let scores = try router.routed(found.map { [Word.zscore, $0.1, $0.2] }, keys: found.map(\.1))
                for ((i, index, member), score) in zip(found, scores) {
                    if let s = score.bytes { out[i].index.append(IndexMember(key: index, member: member, score: s)) }
                }
            }
        }
        return out
    }

    /// XTRIM actions for the streams whose policy has a MAXLEN or a retention.
    private func trims() throws -> [PruneAction] {
        var out: [PruneAction] = []
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for p in schema.patterns where p.type == .stream && p.template.isLiteral {
            guard let s = p.stream else { continue }
            let key = b(p.pattern)
            guard (try keyspace.holder(of: key).command([Word.exists, key]).integer ?? 0) == 1 else { continue }
            if let max = s.maxLength { out.append(.trim(key: key, maxLength: max, minID: nil)) }
            if let days = s.maxAgeDays { out.append(.trim(key: key, maxLength: nil, minID: "\(now - Int64(days * 86_400_000))-0")) }
        }
        return out
    }

    /// Applies the plan, journalling what was removed. Plain keys (no index members) go in
    /// optimistic transactions of up to `count` keys: WATCH them, read DUMP and PEXPIRETIME,
    /// keep every key whose value digest or expiry differs from the scan, and UNLINK the rest in
    /// MULTI/EXEC — a key written after the read aborts the EXEC, and the batch is read again.
    /// Everything else (index members, keys with index members, TTL fixes, stream trims, and a
    /// batch that keeps being aborted) goes through pipelined Lua re-checks, one per item; the
    /// keys among them are read first (DUMP, PEXPIRETIME), so that if the replies are lost the
    /// journal still holds everything the scripts may have removed.
    /// Without a journal nothing can be undone; the CLI always passes one when acting.
    public func apply(_ actions: [PruneAction], journal: PruneJournal?) throws -> PruneResult {
        // --rate paces the changes, from their first command: planning reads are not counted,
        // and the time planning took is no credit for a burst.
        limiter = RateLimiter(opsPerSecond: options.rate)
        // Every removal is journalled and synced before its command is sent (write-ahead), so a
        // failure, a SIGTERM or a kill -9 at any point leaves a journal that undoes what ran.
        if cluster != nil { return try applyAcrossShards(actions, journal: journal) }
        return try applyJournalled(actions, journal: journal)
    }

    private func applyJournalled(_ actions: [PruneAction], journal: PruneJournal?) throws -> PruneResult {
        var result = PruneResult()
        var plain: [PruneAction] = []
        var other: [PruneAction] = []
        for a in actions {
            if case .key(_, _, _, _, let index) = a, index.isEmpty { plain.append(a) } else { other.append(a) }
        }
        // WATCH looks through the connection's watched keys for each new one (quadratic in the
        // batch): small transactions, sent back to back.
        // The journal is synced once per `count` keys, as for the other actions.
        let watchBatch = min(options.count, 100)
        for chunk in stride(from: 0, to: plain.count, by: options.count) {
            let end = min(plain.count, chunk + options.count)
            for start in stride(from: chunk, to: end, by: watchBatch) {
                let batch = Array(plain[start..<min(end, start + watchBatch)])
                if try !unlinkWatched(batch, journal: journal, into: &result) { other += batch }
            }
            try journal?.flush()
        }
        for start in stride(from: 0, to: other.count, by: options.count) {
            var batch = Array(other[start..<min(other.count, start + options.count)])
            // A key's value is read before its script runs, so that a reply lost after the script
            // ran (a dropped connection) cannot lose it: the script removes the key only if its
            // digest is still the scan's, which the value read here must match too.
            let read = try readKeys(batch)
            result.keptBecauseChanged += read.changed
            batch.removeAll { if case .key(let k, _, _, _, _) = $0 { return read.values[k] == nil } else { return false } }
            if batch.isEmpty { continue }
            // Write-ahead: what the scripts may remove is on disk before they are sent, so that
            // a prune killed at any instant can be undone. The records of what a script then
            // kept are cancelled once its reply says so; a record left by a kill before the
            // reply is harmless (undo's RESTORE skips a key that exists, unless --replace; ZADD
            // NX, SADD and HSETNX change nothing that is there).
            let records = batch.map { Pruner.journalRemoval($0, read: read.values, into: journal) }
            try journal?.flush()
            var replies: [RedisReply] = []
            var scripts = RESPEncoder()
            for action in batch { scripts.append(Pruner.command(action)) }
            try connection.send(scripts, during: "EVAL")
            if let hook = afterSendingScripts { try hook(read.values.keys.sorted { $0.lexicographicallyPrecedes($1) }) }
            for action in batch {
                if case .trim = action { replies.append(try connection.receive(during: "XTRIM")) } else { replies.append(try connection.receive(during: "EVAL")) }
            }
            limiter.spent(batch.count)
            // A failed script fails the prune, but only after the replies after it are counted:
            // those scripts ran too.
            var failure: (any Error)?
            for (n, (action, reply)) in zip(batch, replies).enumerated() {
                let outcome = settle(action, reply, records: records[n], journal: journal, into: &result)
                failure = failure ?? outcome.error
            }
            if let failure { throw failure }
        }
        return result
    }

    /// The changes across a cluster's shards. A script may touch one slot only, so what one
    /// script re-checks and changes atomically on one server is split here: a member is removed
    /// (if its score or value is still the scan's) once its entity was seen missing on its own
    /// shard, and a key's index members are removed (if their scores are still the scan's)
    /// once the key itself was removed. Each step re-checks, but the steps are not one atomic
    /// act: an entity written between its check and the member's removal loses its index
    /// member (undo puts it back). The journal is written ahead as on one server.
    private func applyAcrossShards(_ actions: [PruneAction], journal: PruneJournal?) throws -> PruneResult {
        var result = PruneResult()
        for start in stride(from: 0, to: actions.count, by: options.count) {
            var batch = Array(actions[start..<min(actions.count, start + options.count)])
            // The entities members refer to must still be missing, and a key's index members
            // must still have the scan's scores.
            var checks: [[[UInt8]]] = []
            for action in batch {
                switch action {
                case .member(let d, _): checks.append([Word.exists, d.target])
                case .key(_, _, _, _, let index): checks += index.map { [Word.zscore, $0.key, $0.member] }
                default: break
                }
            }
            if !checks.isEmpty {
                var replies = try router.routed(checks, keys: checks.map { $0[1] })[...]
                limiter.spent(checks.count)
                batch.removeAll { action in
                    switch action {
                    case .member:
                        let exists = replies.removeFirst().integer == 1
                        if exists { result.keptBecauseChanged += 1 }
                        return exists
                    case .key(_, _, _, _, let index):
                        let scores = index.map { _ in replies.removeFirst().bytes }
                        let changed = zip(index, scores).contains { $0.score != $1 }
                        if changed { result.keptBecauseChanged += 1 }
                        return changed
                    default:
                        return false
                    }
                }
            }
            let read = try readKeys(batch)
            result.keptBecauseChanged += read.changed
            batch.removeAll { if case .key(let k, _, _, _, _) = $0 { return read.values[k] == nil } else { return false } }
            if batch.isEmpty { continue }
            let records = batch.map { Pruner.journalRemoval($0, read: read.values, into: journal) }
            try journal?.flush()
            let commands = batch.map(Pruner.oneSlotCommand)
            let replies = try router.routed(commands, keys: batch.map(Pruner.slotKey))
            limiter.spent(batch.count)
            var failure: (any Error)?
            var indexRemovals: [[[UInt8]]] = []
            for (n, (action, reply)) in zip(batch, replies).enumerated() {
                let outcome = settle(action, reply, records: records[n], journal: journal, into: &result)
                failure = failure ?? outcome.error
                if outcome.done, case .key(_, _, _, _, let index) = action {
                    indexRemovals += index.map { [Word.eval, b(Pruner.zremIfScoreScript), b("1"), $0.key, $0.member, $0.score] }
                }
            }
            if !indexRemovals.isEmpty {
                for reply in try router.routed(indexRemovals, keys: indexRemovals.map { $0[3] }) {
                    if let e = reply.errorMessage, failure == nil { failure = PruneError.script(message: e, action: "ZREM of an index member") }
                }
                limiter.spent(indexRemovals.count)
            }
            if let failure { throw failure }
        }
        return result
    }

    /// Counts what an action's reply says it did. Every script checks before it writes, so an
    /// error or a 0 means nothing changed: its journal records are cancelled. Returns whether it
    /// acted, and the error to fail the prune with (after the replies after it are counted:
    /// those scripts ran too).
    private func settle(_ action: PruneAction, _ reply: RedisReply, records: [Int], journal: PruneJournal?,
                        into result: inout PruneResult) -> (done: Bool, error: (any Error)?) {
        if reply.errorMessage != nil || reply.integer != 1 { records.forEach { journal?.cancel($0) } }
        if let e = reply.errorMessage {
            let error: any Error = ReplyError(e).isAccessDenied
                ? RedisError(ReplyError(e), server: router.serverDescription, command: "EVAL", user: connection.config.user, grant: Pruner.scriptRules(action))
                : PruneError.script(message: e, action: action.describe)
            return (false, error)
        }
        if case .trim = action {
            result.entriesTrimmed += Int(reply.integer ?? 0)
            return (true, nil)
        }
        guard reply.integer == 1 else {
            result.keptBecauseChanged += 1
            return (false, nil)
        }
        switch action {
        case .member:
            result.membersRemoved += 1
        case .key(_, _, _, let memory, let index):
            result.keysRemoved += 1
            result.membersRemoved += index.count
            result.bytesFreed += memory
        case .ttl:
            result.ttlsChanged += 1
        case .trim:
            break
        }
        return (true, nil)
    }

    /// The key whose slot an action's one-slot command touches.
    static func slotKey(_ action: PruneAction) -> [UInt8] {
        switch action {
        case .member(let d, _): return d.index
        case .key(let k, _, _, _, _), .ttl(let k, _, _), .trim(let k, _, _): return k
        }
    }

    /// The command of an action that touches one key only: a member removed if unchanged (its
    /// entity was checked before), a key removed by the unlink script without its index keys
    /// (they are removed after it), TTL fixes and trims as they are.
    static func oneSlotCommand(_ action: PruneAction) -> [[UInt8]] {
        switch action {
        case .member(let d, let via):
            switch via {
            case .zsetMembers: return [Word.eval, b(zremIfScoreScript), b("1"), d.index, d.member, d.score ?? []]
            case .setMembers: return [Word.srem, d.index, d.member]
            case .hashValues: return [Word.eval, b(hdelIfValueScript), b("1"), d.index, d.field ?? [], d.member]
            }
        case .key(let k, let digest, let expire, _, _):
            return [Word.eval, b(unlinkScript), b("1"), k, b(digest), b(String(expire))]
        case .ttl, .trim:
            return command(action)
        }
    }

    static let zremIfScoreScript = """
        if redis.call('ZSCORE', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
        return redis.call('ZREM', KEYS[1], ARGV[1])
        """
    static let hdelIfValueScript = """
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
        return redis.call('HDEL', KEYS[1], ARGV[1])
        """

    /// DUMP and PEXPIRETIME of the batch's keys, pipelined: the value of each key still as the
    /// scan saw it (digest and expiry), and how many were not.
    private func readKeys(_ batch: [PruneAction]) throws -> (values: [[UInt8]: (payload: [UInt8], expireAtMs: Int64)], changed: Int) {
        var commands: [[[UInt8]]] = []
        for case .key(let k, _, _, _, _) in batch {
            commands.append([Word.dump, k])
            commands.append([Word.pexpiretime, k])
        }
        if commands.isEmpty { return ([:], 0) }
        let replies = try router.routed(commands, keys: commands.map { $0[1] })
        limiter.spent(commands.count)
        var values: [[UInt8]: (payload: [UInt8], expireAtMs: Int64)] = [:]
        var changed = 0
        var i = 0
        for case .key(let k, let digest, let expire, _, _) in batch {
            defer { i += 2 }
            guard let payload = try Pruner.unchanged(k, digest: digest, expireAtMs: expire, dump: replies[i], pexpiretime: replies[i + 1]) else {
                changed += 1
                continue
            }
            values[k] = (payload, expire)
        }
        return (values, changed)
    }

    /// The key's value when DUMP and PEXPIRETIME show it unchanged since the scan (same value
    /// digest, same expiry), nil when it changed or is gone; an error reply is thrown.
    static func unchanged(_ key: [UInt8], digest: String, expireAtMs: Int64, dump: RedisReply, pexpiretime: RedisReply) throws -> [UInt8]? {
        if let m = dump.errorMessage ?? pexpiretime.errorMessage { throw PruneError.script(message: m, action: "DUMP \(KeyText.escaped(key))") }
        guard let payload = dump.bytes, pexpiretime.integer == expireAtMs, Pruner.sha1(payload) == digest else { return nil }
        return payload
    }

    /// Journals what `action`'s script removes or changes (a key's value as read before it ran).
    /// Returns the numbers of the records written.
    @discardableResult
    static func journalRemoval(_ action: PruneAction, read: [[UInt8]: (payload: [UInt8], expireAtMs: Int64)], into journal: PruneJournal?) -> [Int] {
        guard let journal else { return [] }
        let first = journal.records
        journalRecords(action, read: read, into: journal)
        return Array(first..<journal.records)
    }

    private static func journalRecords(_ action: PruneAction, read: [[UInt8]: (payload: [UInt8], expireAtMs: Int64)], into journal: PruneJournal) {
        switch action {
        case .member(let d, let via):
            switch via {
            case .zsetMembers: journal.append(.zsetMember(key: d.index, member: d.member, score: d.score ?? []))
            case .setMembers: journal.append(.setMember(key: d.index, member: d.member))
            case .hashValues: journal.append(.hashField(key: d.index, field: d.field ?? [], value: d.member))
            }
        case .key(let k, _, _, _, let index):
            guard let value = read[k] else { return }
            journal.append(.key(key: k, expireAtMs: value.expireAtMs, payload: value.payload))
            for i in index { journal.append(.zsetMember(key: i.key, member: i.member, score: i.score)) }
        case .ttl(let k, _, let before):
            journal.append(.ttl(key: k, expireAtMs: before))
        case .trim:
            break  // a trim cannot be undone
        }
    }

    /// One optimistic transaction over plain-key actions; false when writers kept aborting it
    /// (nothing of the batch was removed then: the caller re-checks it key by key).
    private func unlinkWatched(_ batch: [PruneAction], journal: PruneJournal?, into result: inout PruneResult) throws -> Bool {
        for _ in 0..<3 {
            var read = RESPEncoder()
            read.begin(argumentCount: 1 + batch.count)
            read.argument(Word.watch)
            for case .key(let k, _, _, _, _) in batch { read.argument(k) }
            for case .key(let k, _, _, _, _) in batch {
                read.append([Word.dump, k])
                read.append([Word.pexpiretime, k])
            }
            try connection.send(read, during: "WATCH")
            if let m = try connection.receive(during: "WATCH").errorMessage {
                throw connection.refusal(m, command: "WATCH")
            }
            var chosen: [(key: [UInt8], expireAtMs: Int64, payload: [UInt8], memory: Int)] = []
            var changed = 0
            for case .key(let k, let digest, let expire, let memory, _) in batch {
                let dump = try connection.receive(during: "DUMP")
                let at = try connection.receive(during: "PEXPIRETIME")
                try connection.throwIfDenied([dump, at])
                guard let payload = try Pruner.unchanged(k, digest: digest, expireAtMs: expire, dump: dump, pexpiretime: at) else {
                    changed += 1
                    continue
                }
                chosen.append((k, expire, payload, memory))
            }
            limiter.spent(1 + 2 * batch.count)
            try betweenReadAndExec?(chosen.map(\.key))
            // Write-ahead, as for the scripts: the values are on disk before the UNLINK is sent;
            // an EXEC that removed nothing (a watched key was written) cancels them.
            let records = chosen.compactMap { journal?.append(.key(key: $0.key, expireAtMs: $0.expireAtMs, payload: $0.payload)) }
            try journal?.flush()
            var write = RESPEncoder()
            if chosen.isEmpty {
                write.append([Word.unwatch])
            } else {
                write.append([Word.multi])
                write.begin(argumentCount: 1 + chosen.count)
                write.argument(Word.unlink)
                for c in chosen { write.argument(c.key) }
                write.append([Word.exec])
            }
            var replies: [RedisReply] = []
            try connection.send(write, during: "MULTI")
            for _ in 0..<write.commandCount { replies.append(try connection.receive(during: "EXEC")) }
            limiter.spent(write.commandCount)
            let failed = replies.lazy.compactMap(\.errorMessage).first ?? replies.last?.elements?.first?.errorMessage
            if failed != nil || (!chosen.isEmpty && replies.last == .null) { records.forEach { journal?.cancel($0) } }
            if let m = failed {
                if ReplyError(m).isAccessDenied { throw connection.refusal(m, command: "UNLINK") }
                throw PruneError.script(message: m, action: "UNLINK of \(chosen.count) keys")
            }
            if !chosen.isEmpty, replies.last == .null { continue }  // a watched key was written: read again
            for c in chosen { result.bytesFreed += c.memory }
            result.keysRemoved += chosen.count
            result.keptBecauseChanged += changed
            return true
        }
        return false
    }

    /// What a dry run reports: the counts and bytes `apply` would reach if nothing changed.
    public static func preview(_ actions: [PruneAction]) -> PruneResult {
        var r = PruneResult()
        for a in actions {
            switch a {
            case .member: r.membersRemoved += 1
            case .key(_, _, _, let m, let index): r.keysRemoved += 1; r.bytesFreed += m; r.membersRemoved += index.count
            case .ttl: r.ttlsChanged += 1
            case .trim: break
            }
        }
        return r
    }

    /// Lower-case hex SHA-1, as Lua's `redis.sha1hex` prints it (by table: String(format:) per
    /// byte was half of a prune's CPU).
    static func sha1(_ bytes: [UInt8]) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(40)
        for byte in MessageDigest.hash(bytes, .sha1) {
            hex.append(B.hexDigits[Int(byte >> 4)])
            hex.append(B.hexDigits[Int(byte & 15)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The ACL rules the script of an action needs: Redis 7.0 does not say which of its calls
    /// the ACL refused, so a refusal suggests them all.
    static func scriptRules(_ action: PruneAction) -> String {
        let commands: [String]
        switch action {
        case .member(_, .zsetMembers): commands = ["exists", "zscore", "zrem"]
        case .member(_, .setMembers): commands = ["exists", "srem"]
        case .member(_, .hashValues): commands = ["exists", "hget", "hdel"]
        case .key: commands = ["dump", "pexpiretime", "zscore", "unlink", "zrem"]
        case .ttl: commands = ["pexpiretime", "persist", "expire"]
        case .trim: commands = ["xtrim"]
        }
        return commands.map { "+" + $0 }.joined(separator: " ")
    }

    /// The EVAL for one action. Each script re-checks what the scan saw and changes nothing when
    /// it differs (returns 0), so a key written or refreshed since the scan survives.
    static func command(_ action: PruneAction) -> [[UInt8]] {
        switch action {
        case .member(let d, let via):
            switch via {
            case .zsetMembers: return [Word.eval, b(zremScript), b("2"), d.index, d.target, d.member, d.score ?? []]
            case .setMembers: return [Word.eval, b(sremScript), b("2"), d.index, d.target, d.member]
            case .hashValues: return [Word.eval, b(hdelScript), b("2"), d.index, d.target, d.field ?? [], d.member]
            }
        case .key(let k, let digest, let expire, _, let index):
            var c = [Word.eval, b(unlinkScript), b(String(1 + index.count)), k] + index.map(\.key)
            c += [b(digest), b(String(expire))]
            for i in index { c += [i.member, i.score] }
            return c
        case .ttl(let k, let seconds, let expire):
            return [Word.eval, b(ttlScript), b("1"), k, b(String(expire)), b(seconds.map(String.init) ?? "persist")]
        case .trim(let k, let max, let minID):
            // MAXLEN ~ as the producers trim (whole nodes, cheap); MINID exact, so nothing past the
            // retention is left for the next audit to report.
            return max.map { [Word.xtrim, k, Word.maxlen, b("~"), b(String($0))] } ?? [Word.xtrim, k, Word.minid, b(minID ?? "0")]
        }
    }

    static let zremScript = """
        if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
        if redis.call('ZSCORE', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
        return redis.call('ZREM', KEYS[1], ARGV[1])
        """
    static let sremScript = """
        if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
        return redis.call('SREM', KEYS[1], ARGV[1])
        """
    static let hdelScript = """
        if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
        return redis.call('HDEL', KEYS[1], ARGV[1])
        """
    /// KEYS[1] the key, KEYS[2..] index keys; ARGV digest, expiry, then member/score per index.
    static let unlinkScript = """
        local d = redis.call('DUMP', KEYS[1])
        if not d then return 0 end
        if redis.sha1hex(d) ~= ARGV[1] then return 0 end
        local t = redis.call('PEXPIRETIME', KEYS[1])
        if t ~= tonumber(ARGV[2]) then return 0 end
        for i = 2, #KEYS do
          if redis.call('ZSCORE', KEYS[i], ARGV[2 * i - 1]) ~= ARGV[2 * i] then return 0 end
        end
        redis.call('UNLINK', KEYS[1])
        for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ARGV[2 * i - 1]) end
        return 1
        """
    static let ttlScript = """
        local t = redis.call('PEXPIRETIME', KEYS[1])
        if t ~= tonumber(ARGV[1]) then return 0 end
        if ARGV[2] == 'persist' then return redis.call('PERSIST', KEYS[1]) end
        return redis.call('EXPIRE', KEYS[1], ARGV[2])
        """
}

/// A prune that cannot go ahead.
public enum PruneError: MemopsError, Equatable {
    case noIndex(namespace: String)
    case script(message: String, action: String)

    public var exitStatus: ExitStatus {
        switch self {
        case .noIndex: return .usage
        case .script: return .failed
        }
    }

    public var description: String {
        switch self {
        case .noIndex(let ns):
            return "no sorted-set index in the schema lists \(ns):{…} keys with a reverse reference; \(CLIFlag.olderThan) needs one (e.g. \(CLIFlag.namespace) embedding)"
        case .script(let m, let a):
            return "the server refused \(a): \(m); what was removed before it stopped is in the journal"
        }
    }
}
