import Foundation
import MemopsRDB

/// What the audit learnt about one key, from a live server or a backup.
public struct KeyObservation: Sendable {
    public var key: [UInt8]
    /// As TYPE reports it.
    public var type: String
    /// Remaining time to live in milliseconds; nil when the key does not expire.
    public var ttlMs: Int64?
    /// Bytes: MEMORY USAGE (sampled) live, the record's size in a backup.
    public var memory: Int
    /// Lengths of the pattern's checked hash fields (0: missing or empty).
    public var fieldLengths: [String: Int]
    public var stream: StreamObservation?

    public init(key: [UInt8], type: String, ttlMs: Int64?, memory: Int, fieldLengths: [String: Int] = [:], stream: StreamObservation? = nil) {
        self.key = key
        self.type = type
        self.ttlMs = ttlMs
        self.memory = memory
        self.fieldLengths = fieldLengths
        self.stream = stream
    }
}

/// A stream's length, oldest entry and consumer groups.
public struct StreamObservation: Sendable {
    public var length: Int
    /// Age of the oldest entry in milliseconds (from its id), nil when empty.
    public var oldestAgeMs: Int64?
    public var groups: [GroupObservation]
    public init(length: Int, oldestAgeMs: Int64?, groups: [GroupObservation]) {
        self.length = length
        self.oldestAgeMs = oldestAgeMs
        self.groups = groups
    }
}

/// A consumer group: its pending entries and its consumers (name, idle ms, pending).
public struct GroupObservation: Sendable {
    public var name: String
    public var pending: Int
    public var consumers: [(name: String, idleMs: Int64, pending: Int)]
    public init(name: String, pending: Int, consumers: [(name: String, idleMs: Int64, pending: Int)]) {
        self.name = name
        self.pending = pending
        self.consumers = consumers
    }
}

/// How a key name relates to the schema.
public enum KeyClass {
    /// The name itself is malformed (the reason says how); no pattern checks apply.
    case badName(String)
    case unmatched
    case matched(KeyPattern, [String: [UInt8]])
}

/// An index member whose key does not exist, for reports and `prune --orphans`.
public struct DanglingMember: Sendable, Hashable {
    /// Position of the reference in the schema's `references`.
    public var reference: Int
    public var index: [UInt8]
    public var member: [UInt8]
    /// The hash field holding the value (hash-values references).
    public var field: [UInt8]?
    /// The score as the server printed it (sorted sets).
    public var score: [UInt8]?
    public var target: [UInt8]
}

/// A key breaking its TTL policy, for `prune --expired-policy`.
public struct PolicyBreak: Sendable, Hashable {
    public var key: [UInt8]
    /// What the policy allows: at most this many seconds, or nil for no TTL at all (forbidden).
    public var boundSeconds: Int?
    public var ttlMs: Int64?
    public var memory: Int
}

/// Keys, memory, TTLs and findings of one pattern, and its biggest keys.
public struct PatternStats: Sendable, Codable, Equatable {
    public var pattern: String
    public var keys = 0
    public var memory = 0
    public var withTTL = 0
    public var ttlMinSeconds: Int64?
    public var ttlMaxSeconds: Int64?
    public var ttlSumSeconds: Int64 = 0
    /// Keys by remaining TTL: at most a minute, an hour, a day, a week, more (`ttlBucketLabels`).
    public var ttlBuckets = [0, 0, 0, 0, 0]
    public var findings = 0
    /// The biggest keys by memory, largest first (escaped names).
    public var biggest: [BigKey] = []

    public init(pattern: String) { self.pattern = pattern }

    /// Upper bounds of `ttlBuckets`, in seconds (the last is open).
    public static let ttlBucketBounds: [Int64] = [60, 3_600, 86_400, 604_800]
    public static let ttlBucketLabels = ["<=1m", "<=1h", "<=1d", "<=7d", ">7d"]

    /// Mean memory per key.
    public var memoryMean: Int { keys > 0 ? memory / keys : 0 }

    /// Mean TTL of the keys that have one.
    public var ttlMeanSeconds: Int64? { withTTL > 0 ? ttlSumSeconds / Int64(withTTL) : nil }
}

/// One big key: name and bytes.
public struct BigKey: Sendable, Codable, Equatable {
    public var key: String
    public var bytes: Int
}

/// The result of an audit.
public struct AuditReport: Sendable {
    /// Per pattern in schema order, then `(bad name)` and `(no pattern)` when they have keys.
    public var patterns: [PatternStats]
    /// Sorted by key, rule, message; duplicates (SCAN may return a key twice) removed.
    public var diagnostics: [Diagnostic]
    public var dangling: [DanglingMember]
    public var policyBreaks: [PolicyBreak]
    public var keysScanned: Int
    public var seconds: Double
    /// Whether `memory` figures are RDB record sizes (a backup) rather than MEMORY USAGE.
    public var memoryIsRecordSize = false

    /// The most severe finding, or nil.
    public var worst: Severity? { diagnostics.map(\.severity).max() }
}

/// The checks, shared by the live and the backup audit: each observation goes through
/// `check`, references through `dangling` and `missingFromIndex`; `finish` sorts it all out.
public struct AuditChecker {
    public let schema: Schema
    public let topN: Int
    private var stats: [String: PatternStats] = [:]
    private var diagnostics: [Diagnostic] = []
    private var danglingMembers: [DanglingMember] = []
    private var breaks: [PolicyBreak] = []
    private var scanned = 0
    /// Keys checked so far.
    public var scannedCount: Int { scanned }
    /// The node the observations come from now, named in findings (a cluster's shards).
    public var node: String?
    /// The node that holds a key (a cluster's slot map), for a finding about a missing key.
    public var locate: (([UInt8]) -> String)?
    static let badNameBucket = "(bad name)"
    static let unmatchedBucket = "(no pattern)"

    public init(schema: Schema, topN: Int = 5) {
        self.schema = schema
        self.topN = topN
    }

    /// Whether the name is malformed, matches no pattern, or which pattern it matches.
    public static func classify(_ key: [UInt8], schema: Schema) -> KeyClass {
        if let reason = namingFault(key) { return .badName(reason) }
        guard let (p, captures) = schema.match(key) else { return .unmatched }
        return .matched(p, captures)
    }

    /// Why a name is malformed, or nil: control bytes, whitespace, empty segments, invalid
    /// UTF-8, upper case in the namespace (the first segment).
    public static func namingFault(_ key: [UInt8]) -> String? {
        if key.isEmpty { return "the name is empty" }
        // One pass for the common, clean name; the messages below keep their order of precedence.
        var control: UInt8?
        var space = false, nonASCII = false, emptySegment = false, upperNamespace = false
        var namespaceEnd: Int?
        var previous = UInt8(ascii: ":")
        for (i, c) in key.enumerated() {
            if c < 0x20 || c == 0x7f { control = control ?? c }
            if c == 0x20 { space = true }
            if c >= 0x80 { nonASCII = true }
            if c == UInt8(ascii: ":") {
                if previous == UInt8(ascii: ":") { emptySegment = true }
                if namespaceEnd == nil { namespaceEnd = i }
            } else if namespaceEnd == nil && c >= 0x41 && c <= 0x5a {
                upperNamespace = true
            }
            previous = c
        }
        if previous == UInt8(ascii: ":") { emptySegment = true }
        if let b = control { return "the name holds a control byte (\\x\(String(b, radix: 16)))" }
        if space { return key.last == 0x20 || key.first == 0x20 ? "the name has leading or trailing whitespace" : "the name holds a space" }
        if nonASCII && String(validating: key, as: UTF8.self) == nil { return "the name is not valid UTF-8" }
        if emptySegment { return "the name has an empty segment (a leading, trailing or doubled ':')" }
        if upperNamespace {
            return "the namespace \"\(String(decoding: key[..<(namespaceEnd ?? key.count)], as: UTF8.self))\" is not lower case"
        }
        return nil
    }

    /// Checks one key against its pattern; `ttlMs` and streams as observed.
    public mutating func check(_ o: KeyObservation, as known: KeyClass? = nil) {
        scanned += 1
        let keyText = KeyText.escaped(o.key)
        switch known ?? AuditChecker.classify(o.key, schema: schema) {
        case .badName(let reason):
            add(.badName, keyText, "\(reason); the key is not checked against the schema", bucket: AuditChecker.badNameBucket)
            account(o, bucket: AuditChecker.badNameBucket)
        case .unmatched:
            add(.unmatched, keyText, "matches no schema pattern (\(o.type))", bucket: AuditChecker.unmatchedBucket)
            account(o, bucket: AuditChecker.unmatchedBucket)
        case .matched(let p, let captures):
            account(o, bucket: p.pattern)
            checkMatched(o, keyText, p, captures)
        }
    }

    private mutating func checkMatched(_ o: KeyObservation, _ keyText: String, _ p: KeyPattern, _ captures: [String: [UInt8]]) {
        let bucket = p.pattern
        if o.type != p.type.rawValue {
            add(.wrongType, keyText, "is a \(o.type), \(p.pattern) is a \(p.type.rawValue)", bucket: bucket)
            return
        }
        let bound = p.ttl.bound(captures)
        switch p.ttl.policy {
        case .required where o.ttlMs == nil:
            add(.ttlMissing, keyText, "has no TTL; \(p.pattern) must expire\(bound.map { " within \($0) s" } ?? "")", bucket: bucket)
            breaks.append(PolicyBreak(key: o.key, boundSeconds: bound, ttlMs: nil, memory: o.memory))
        case .forbidden where o.ttlMs != nil:
            add(.ttlForbidden, keyText, "expires in \(o.ttlMs! / 1000) s; \(p.pattern) must not expire", bucket: bucket)
            breaks.append(PolicyBreak(key: o.key, boundSeconds: nil, ttlMs: o.ttlMs, memory: o.memory))
        default:
            if let bound, let ttl = o.ttlMs, ttl > Int64(bound) * 1000 {
                add(.ttlTooLong, keyText, "expires in \(ttl / 1000) s; \(p.pattern) allows at most \(bound) s", bucket: bucket)
                breaks.append(PolicyBreak(key: o.key, boundSeconds: bound, ttlMs: ttl, memory: o.memory))
            }
        }
        for field in p.requiredFields ?? [] where (o.fieldLengths[field] ?? 0) == 0 {
            add(.fieldMissing, keyText, "has no field \"\(field)\" (or it is empty)", bucket: bucket)
        }
        for (field, size) in (p.fieldSizes ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let n = o.fieldLengths[field], n > 0, n != size {
                add(.fieldSize, keyText, "field \"\(field)\" is \(n) bytes; the schema says \(size)", bucket: bucket)
            }
        }
        if let policy = p.stream, let s = o.stream {
            if let max = policy.maxLength, s.length > max + (policy.slack ?? 0) {
                add(.streamTooLong, keyText, "holds \(s.length) entries; MAXLEN is ~\(max)", bucket: bucket)
            }
            let names = Set(s.groups.map(\.name))
            for g in policy.requiredGroups ?? [] where !names.contains(g) {
                add(.groupMissing, keyText, "has no consumer group \"\(g)\"", bucket: bucket)
            }
            for g in s.groups.sorted(by: { $0.name < $1.name }) {
                if let max = policy.maxPending, g.pending > max {
                    add(.pendingTooMany, keyText, "group \"\(g.name)\" has \(g.pending) pending entries (at most \(max))", bucket: bucket)
                }
                if let idle = policy.maxIdleSeconds {
                    for c in g.consumers.sorted(by: { $0.name < $1.name }) where c.pending > 0 && c.idleMs > Int64(idle) * 1000 {
                        add(.consumerIdle, keyText, "consumer \"\(c.name)\" of group \"\(g.name)\" holds \(c.pending) pending entries and has been idle more than \(idle) s", bucket: bucket)
                    }
                }
            }
            if let days = policy.maxAgeDays, let age = s.oldestAgeMs, Double(age) > days * 86_400_000 {
                add(.streamUntrimmed, keyText, "its oldest entry is \(age / 86_400_000) days old; retention is \(days.formatted()) days and nothing trims it", bucket: bucket)
            }
        }
    }

    /// A member of `index` (reference `reference`) whose key does not exist.
    public mutating func dangling(_ d: DanglingMember) {
        let ref = schema.references[d.reference]
        let memberText = KeyText.escaped(d.member)
        let bucket = schema.match(d.index)?.pattern.pattern ?? AuditChecker.unmatchedBucket
        if ref.heartbeat == true {
            // The finding is about the missing heartbeat key: it names the shard that would hold it.
            let here = node
            if let locate { node = locate(d.target) }
            defer { node = here }
            add(.staleHeartbeat, KeyText.escaped(d.target),
                "\(memberText) is in \(KeyText.escaped(d.index)) but its heartbeat is missing: the node stopped beating", bucket: bucket)
        } else {
            let what = ref.via == .hashValues ? "value of field \(KeyText.escaped(d.field ?? []))" : "member"
            add(.danglingMember, KeyText.escaped(d.index), "\(what) \(memberText) refers to \(KeyText.escaped(d.target)), which does not exist", bucket: bucket)
            danglingMembers.append(d)
        }
    }

    /// An entity key that is not a member of the index of reference `reference`.
    public mutating func missingFromIndex(reference: Int, key: [UInt8]) {
        let ref = schema.references[reference]
        let bucket = schema.match(key)?.pattern.pattern ?? AuditChecker.unmatchedBucket
        add(.missingFromIndex, KeyText.escaped(key), "is not in its index \(ref.from)", bucket: bucket)
    }

    /// The reverse references (entity must be in index) that apply to `key`: (reference, member).
    public static func reverseReferences(of key: [UInt8], schema: Schema) -> [(Int, [UInt8])] {
        schema.targetingReferences(key).filter { schema.references[$0.reference].reverse == true }.map { ($0.reference, $0.member) }
    }

    /// The references whose index pattern is `pattern`.
    public static func references(from pattern: String, schema: Schema) -> [Int] {
        schema.references.indices.filter { schema.references[$0].from == pattern }
    }

    private mutating func add(_ rule: AuditRule, _ key: String, _ message: String, bucket: String) {
        var d = Diagnostic(rule, message: message, key: key)
        d.node = node
        diagnostics.append(d)
        stats[bucket, default: PatternStats(pattern: bucket)].findings += 1
    }

    private mutating func account(_ o: KeyObservation, bucket: String) {
        var s = stats[bucket] ?? PatternStats(pattern: bucket)
        s.keys += 1
        s.memory += o.memory
        if let ttl = o.ttlMs {
            let secs = ttl / 1000
            s.withTTL += 1
            s.ttlSumSeconds += secs
            s.ttlMinSeconds = min(s.ttlMinSeconds ?? secs, secs)
            s.ttlMaxSeconds = max(s.ttlMaxSeconds ?? secs, secs)
            s.ttlBuckets[PatternStats.ttlBucketBounds.firstIndex { secs <= $0 } ?? PatternStats.ttlBucketBounds.count] += 1
        }
        if topN > 0, s.biggest.count < topN || o.memory > s.biggest.last!.bytes {
            s.biggest.append(BigKey(key: KeyText.escaped(o.key), bytes: o.memory))
            s.biggest.sort { ($0.bytes, $1.key) > ($1.bytes, $0.key) }
            if s.biggest.count > topN { s.biggest.removeLast() }
        }
        stats[bucket] = s
    }

    /// The report: patterns in schema order (those without keys too), diagnostics sorted and
    /// deduplicated.
    public func finish(seconds: Double) -> AuditReport {
        var order = schema.patterns.map(\.pattern)
        order += [AuditChecker.badNameBucket, AuditChecker.unmatchedBucket].filter { stats[$0] != nil }
        let unique = Array(Set(diagnostics)).sorted { ($0.key ?? "", $0.rule, $0.message) < ($1.key ?? "", $1.rule, $1.message) }
        var dangling = Array(Set(danglingMembers))
        dangling.sort { ($0.index.lexicographicallyPrecedes($1.index)) || ($0.index == $1.index && $0.member.lexicographicallyPrecedes($1.member)) }
        var seen = Set<[UInt8]>()
        let policy = breaks.filter { seen.insert($0.key).inserted }
        return AuditReport(patterns: order.map { stats[$0] ?? PatternStats(pattern: $0) }, diagnostics: unique, dangling: dangling,
                           policyBreaks: policy, keysScanned: scanned, seconds: seconds)
    }
}
