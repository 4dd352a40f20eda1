import Foundation

/// The key schema as data: key patterns with their type, TTL policy, required fields, field
/// constraints and stream policy, and the references between keys. The built-in default is the
/// seed schema (`Schema.seed`); `Schema.load(path:)` reads a replacement from JSON.
public struct Schema: Sendable, Codable, Equatable {
    /// Format version of the schema file; only 1 exists.
    public var version: Int
    /// Key patterns; a key belongs to the most specific pattern it matches.
    public var patterns: [KeyPattern] { didSet { templates = patterns.map(\.template) } }
    /// References from index keys (and registries) to entity keys.
    public var references: [Reference] { didSet { affixes = references.map(\.affixes) } }

    /// The patterns parsed once, in `patterns` order (matching runs for every key scanned).
    private var templates: [KeyTemplate]
    /// Each reference's `to` split around `{member}`.
    private var affixes: [(prefix: [UInt8], suffix: [UInt8])?]

    public static func == (a: Schema, b: Schema) -> Bool {
        a.version == b.version && a.patterns == b.patterns && a.references == b.references
    }

    /// The references whose `to` has `key`'s shape, with the member `key` stands for.
    public func targetingReferences(_ key: [UInt8]) -> [(reference: Int, member: [UInt8])] {
        var out: [(Int, [UInt8])] = []
        for (i, a) in affixes.enumerated() {
            guard let a, key.count > a.prefix.count + a.suffix.count, key.starts(with: a.prefix), key.suffix(a.suffix.count).elementsEqual(a.suffix) else { continue }
            let m = key[a.prefix.count..<(key.count - a.suffix.count)]
            if !m.contains(UInt8(ascii: ":")) { out.append((i, Array(m))) }
        }
        return out
    }

    private enum CodingKeys: String, CodingKey { case version, patterns, references }

    public init(version: Int = 1, patterns: [KeyPattern], references: [Reference]) {
        self.version = version
        self.patterns = patterns
        self.references = references
        templates = patterns.map(\.template)
        affixes = references.map(\.affixes)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(version: try c.decode(Int.self, forKey: .version), patterns: try c.decode([KeyPattern].self, forKey: .patterns),
                  references: try c.decode([Reference].self, forKey: .references))
    }

    /// The pattern a key belongs to, or nil: among the patterns it matches, the one with the most
    /// literal segments (so `tool:stats` wins over `tool:{tool}:{input_hash}`).
    public func match(_ key: [UInt8]) -> (pattern: KeyPattern, captures: [String: [UInt8]])? {
        // Split once and test shapes without allocating; captures only for the winner.
        let parts = key.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var best: (index: Int, literals: Int)?
        for (i, t) in templates.enumerated() where t.matches(parts) {
            if best == nil || t.literalCount > best!.literals { best = (i, t.literalCount) }
        }
        guard let best, let captures = templates[best.index].captures(parts) else { return nil }
        return (patterns[best.index], captures)
    }

    /// The pattern named `name` (its `pattern` text).
    public func pattern(named name: String) -> KeyPattern? { patterns.first { $0.pattern == name } }

    /// The pattern playing `role`, whatever the schema calls it.
    public func pattern(role: EntityRole) -> KeyPattern? { patterns.first { $0.role == role } }
}

/// What a key pattern stands for in the model memops plans capacity for and generates sample
/// data from. The estimator and the sample-data generator find keys by role, never by name, so
/// a schema that calls its queue `jobs:queue` is measured and generated as the seed's
/// `learning:queue` is.
public enum EntityRole: String, Sendable, Codable, CaseIterable {
    /// A session hash (`session:{session_id}`), its time index and its per-user index.
    case session, sessionIndex = "session-index", userSessions = "user-sessions"
    /// An embedding hash, its time index and its per-session index.
    case embedding, embeddingIndex = "embedding-index", sessionEmbeddings = "session-embeddings"
    /// The stream producers append to and consumer groups read (`learning:queue`).
    case queue
    /// The tool output cache (`tool:{tool}:{input_hash...}`) and its counters.
    case cache, cacheStats = "cache-stats"
    /// Node hashes, their heartbeats and the set of active nodes.
    case node, heartbeat, activeNodes = "active-nodes"
    /// Model hashes, their counters and the node → model registry.
    case model, modelStats = "model-stats", activeModels = "active-models"
    /// The event log stream.
    case events
}

/// The type a key must have, as TYPE reports it.
public enum KeyType: String, Sendable, Codable, CaseIterable {
    case string, list, set, zset, hash, stream
}

/// One key pattern such as `session:{session_id}`.
public struct KeyPattern: Sendable, Codable, Equatable {
    /// Segments separated by `:`; `{name}` is a placeholder matching one non-empty segment,
    /// `{name...}` (last segment only) matches the rest of the key, colons included.
    public var pattern: String
    public var type: KeyType
    public var ttl: TTLPolicy
    /// Hash fields every key of this pattern must have (non-empty).
    public var requiredFields: [String]?
    /// Exact byte sizes of hash fields, e.g. `vector` is 3,072 bytes.
    public var fieldSizes: [String: Int]?
    /// Stream retention and consumer policy.
    public var stream: StreamPolicy?
    /// One line for `schema show`.
    public var summary: String?
    /// What the pattern stands for, for the estimator and sample data; at most one pattern a role.
    public var role: EntityRole?

    public init(_ pattern: String, type: KeyType, ttl: TTLPolicy, requiredFields: [String]? = nil, fieldSizes: [String: Int]? = nil,
                stream: StreamPolicy? = nil, summary: String? = nil, role: EntityRole? = nil) {
        self.pattern = pattern
        self.type = type
        self.ttl = ttl
        self.requiredFields = requiredFields
        self.fieldSizes = fieldSizes
        self.stream = stream
        self.summary = summary
        self.role = role
    }

    /// The parsed pattern.
    public var template: KeyTemplate { KeyTemplate(pattern) }

    /// Hash fields whose length the audit asks for (required or size-constrained), sorted.
    public var checkedFields: [String] {
        Array(Set((requiredFields ?? []) + (fieldSizes.map { Array($0.keys) } ?? []))).sorted()
    }
}

/// When a key must, may or must not expire.
public struct TTLPolicy: Sendable, Codable, Equatable {
    /// `required`, `forbidden` or `optional`.
    public var policy: Kind
    /// Upper bound in seconds for every key of the pattern (required or optional TTLs).
    public var maxSeconds: Int?
    /// Upper bound by a placeholder's value: `placeholder` names it, `classes` maps a class name
    /// to its TTL and its values, `defaultSeconds` covers the rest (the tool cache's classes).
    public var byValue: TTLByValue?

    public enum Kind: String, Sendable, Codable { case required, forbidden, optional }

    public init(_ policy: Kind, maxSeconds: Int? = nil, byValue: TTLByValue? = nil) {
        self.policy = policy
        self.maxSeconds = maxSeconds
        self.byValue = byValue
    }

    public static let forbidden = TTLPolicy(.forbidden)
    public static let optional = TTLPolicy(.optional)

    /// The most a key may live, given its placeholder values; nil when unbounded.
    public func bound(_ captures: [String: [UInt8]]) -> Int? {
        if let byValue, let value = captures[byValue.placeholder] {
            let text = String(decoding: value, as: UTF8.self)
            for c in byValue.classes where c.values.contains(text) { return c.seconds }
            return byValue.defaultSeconds
        }
        return maxSeconds
    }
}

/// TTL bounds chosen by a placeholder's value.
public struct TTLByValue: Sendable, Codable, Equatable {
    public var placeholder: String
    public var classes: [TTLClass]
    public var defaultSeconds: Int

    public init(placeholder: String, classes: [TTLClass], defaultSeconds: Int) {
        self.placeholder = placeholder
        self.classes = classes
        self.defaultSeconds = defaultSeconds
    }
}

/// One TTL class: a name, its bound and the placeholder values in it.
public struct TTLClass: Sendable, Codable, Equatable {
    public var name: String
    public var seconds: Int
    public var values: [String]

    public init(name: String, seconds: Int, values: [String]) {
        self.name = name
        self.seconds = seconds
        self.values = values
    }
}

/// A stream's policy.
public struct StreamPolicy: Sendable, Codable, Equatable {
    /// Trim target (`XTRIM MAXLEN ~`); lengths up to `maxLength + slack` are accepted, since `~`
    /// trims whole nodes only.
    public var maxLength: Int?
    public var slack: Int?
    /// Entries older than this many days mean nobody trims by time (`MINID`).
    public var maxAgeDays: Double?
    /// Consumer groups that must exist.
    public var requiredGroups: [String]?
    /// Most pending (delivered, unacknowledged) entries a group may hold.
    public var maxPending: Int?
    /// A consumer holding pending entries idle longer than this is reported.
    public var maxIdleSeconds: Int?

    public init(maxLength: Int? = nil, slack: Int? = nil, maxAgeDays: Double? = nil, requiredGroups: [String]? = nil,
                maxPending: Int? = nil, maxIdleSeconds: Int? = nil) {
        self.maxLength = maxLength
        self.slack = slack
        self.maxAgeDays = maxAgeDays
        self.requiredGroups = requiredGroups
        self.maxPending = maxPending
        self.maxIdleSeconds = maxIdleSeconds
    }
}

/// A reference from the members (or values) of `from` keys to `to` keys: `{member}` in `to` is
/// replaced by the member. `reverse` also requires every `to` key to be in its index (only for a
/// `from` without placeholders). `stale` marks a heartbeat reference (its own rule).
public struct Reference: Sendable, Codable, Equatable {
    public var from: String
    public var via: Via
    public var to: String
    public var reverse: Bool?
    public var heartbeat: Bool?
    /// For a `from` with one placeholder: the entity's hash field holding that placeholder's
    /// value, less `ownerPrefix` (an embedding's `source` is `session:{id}`, its index is
    /// `embeddings:session:{id}`). Lets prune remove an entity from every index it is in.
    public var ownerField: String?
    public var ownerPrefix: String?

    /// Where the member comes from: a sorted set's or set's members, or a hash's values.
    public enum Via: String, Sendable, Codable { case zsetMembers = "zset-members", setMembers = "set-members", hashValues = "hash-values" }

    public init(from: String, via: Via, to: String, reverse: Bool = false, heartbeat: Bool = false, ownerField: String? = nil, ownerPrefix: String? = nil) {
        self.from = from
        self.via = via
        self.to = to
        self.reverse = reverse ? true : nil
        self.heartbeat = heartbeat ? true : nil
        self.ownerField = ownerField
        self.ownerPrefix = ownerPrefix
    }

    /// The index key holding an entity whose owner field is `value`, when this reference has an
    /// owner field and `value` carries its prefix.
    public func ownerIndex(_ value: [UInt8]) -> [UInt8]? {
        guard ownerField != nil else { return nil }
        let prefix = Array((ownerPrefix ?? "").utf8)
        guard value.starts(with: prefix), value.count > prefix.count else { return nil }
        let id = value[prefix.count...]
        if id.contains(UInt8(ascii: ":")) { return nil }
        var out: [UInt8] = []
        for (i, segment) in KeyTemplate(from).segments.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ":")) }
            switch segment {
            case .literal(let l): out += l
            case .placeholder, .rest: out += id
            }
        }
        return out
    }

    /// The key a member refers to.
    public func target(_ member: [UInt8]) -> [UInt8] {
        let parts = to.components(separatedBy: "{member}")
        return Array(parts[0].utf8) + member + Array(parts.dropFirst().joined(separator: "{member}").utf8)
    }

    /// `to` split around its `{member}`, or nil when it does not have exactly one.
    var affixes: (prefix: [UInt8], suffix: [UInt8])? {
        let parts = to.components(separatedBy: "{member}")
        return parts.count == 2 ? (Array(parts[0].utf8), Array(parts[1].utf8)) : nil
    }

    /// The member a `to` key stands for, or nil when the key does not have `to`'s shape.
    public func member(of key: [UInt8]) -> [UInt8]? {
        let parts = to.components(separatedBy: "{member}")
        guard parts.count == 2 else { return nil }
        let prefix = Array(parts[0].utf8), suffix = Array(parts[1].utf8)
        guard key.count > prefix.count + suffix.count, key.starts(with: prefix), key.suffix(suffix.count).elementsEqual(suffix) else { return nil }
        let m = Array(key[prefix.count..<(key.count - suffix.count)])
        return m.contains(UInt8(ascii: ":")) ? nil : m
    }
}

/// A parsed key pattern: literal segments and placeholders.
public struct KeyTemplate: Sendable, Equatable {
    public enum Segment: Sendable, Equatable { case literal([UInt8]), placeholder(String), rest(String) }
    public let segments: [Segment]
    /// Literal segments: more is more specific.
    public let literalCount: Int

    public init(_ pattern: String) {
        let segments: [Segment] = pattern.split(separator: ":", omittingEmptySubsequences: false).map { s in
            if s.hasPrefix("{") && s.hasSuffix("...}") { return .rest(String(s.dropFirst().dropLast(4))) }
            if s.hasPrefix("{") && s.hasSuffix("}") { return .placeholder(String(s.dropFirst().dropLast())) }
            return .literal(Array(s.utf8))
        }
        self.segments = segments
        literalCount = segments.filter { if case .literal = $0 { return true } else { return false } }.count
    }

    /// Whether the pattern has no placeholder (one key, e.g. `sessions:recent`).
    public var isLiteral: Bool { literalCount == segments.count }

    /// The placeholders' values when `key` matches, else nil.
    public func match(_ key: [UInt8]) -> [String: [UInt8]]? {
        captures(key.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false))
    }

    /// Whether a key split on `:` has this pattern's shape (no allocation).
    func matches(_ parts: [ArraySlice<UInt8>]) -> Bool {
        for (i, segment) in segments.enumerated() {
            guard i < parts.count else { return false }
            switch segment {
            case .literal(let l): if !parts[i].elementsEqual(l) { return false }
            case .placeholder: if parts[i].isEmpty { return false }
            case .rest: return parts[i...].contains { !$0.isEmpty } || parts.count > i + 1
            }
        }
        return parts.count == segments.count
    }

    /// The placeholders' values for a key split on `:`, or nil when it does not match.
    func captures(_ parts: [ArraySlice<UInt8>]) -> [String: [UInt8]]? {
        var captures: [String: [UInt8]] = [:]
        for (i, segment) in segments.enumerated() {
            guard i < parts.count else { return nil }
            switch segment {
            case .literal(let l):
                guard parts[i].elementsEqual(l) else { return nil }
            case .placeholder(let name):
                guard !parts[i].isEmpty else { return nil }
                captures[name] = Array(parts[i])
            case .rest(let name):
                let rest = Array(parts[i...].joined(separator: [UInt8(ascii: ":")]))
                guard !rest.isEmpty else { return nil }
                captures[name] = rest
                return captures
            }
        }
        return parts.count == segments.count ? captures : nil
    }
}
