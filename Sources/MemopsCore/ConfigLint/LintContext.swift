import Foundation

/// What the linter knows about the machine Redis runs on (RC402, RC6xx). Read from /proc and
/// /sys by `current()`; tests build their own.
public struct HostFacts: Sendable, Equatable {
    /// /proc/sys/vm/overcommit_memory (0, 1 or 2).
    public var overcommitMemory: Int?
    /// The selected mode in /sys/kernel/mm/transparent_hugepage/enabled: always, madvise, never.
    public var transparentHugePages: String?
    /// MemTotal from /proc/meminfo, in bytes.
    public var memoryBytes: UInt64?

    public init(overcommitMemory: Int? = nil, transparentHugePages: String? = nil, memoryBytes: UInt64? = nil) {
        self.overcommitMemory = overcommitMemory
        self.transparentHugePages = transparentHugePages
        self.memoryBytes = memoryBytes
    }

    /// This machine's values; a file that cannot be read leaves its fact unknown.
    public static func current() -> HostFacts {
        var facts = HostFacts()
        if let s = try? String(contentsOfFile: "/proc/sys/vm/overcommit_memory", encoding: .utf8) {
            facts.overcommitMemory = Int(s.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        if let s = try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8) {
            facts.transparentHugePages = selectedMode(s)
        }
        if let s = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in s.split(separator: "\n") where line.hasPrefix("MemTotal:") {
                let kb = line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) }
                facts.memoryBytes = kb.map { $0 * 1024 }
            }
        }
        return facts
    }

    /// The bracketed word of a sysfs multiple-choice file: "always [madvise] never" → madvise.
    public static func selectedMode(_ text: String) -> String? {
        guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return nil }
        return String(text[text.index(after: open)..<close])
    }
}

/// What the schema says about the data, for the eviction, durability and encoding rules.
public struct SchemaFacts: Sendable, Equatable {
    /// One family of keys (`embedding:*`) and what matters about it here.
    public struct KeyFamily: Sendable, Equatable {
        public var pattern: String
        /// Redis type: hash, stream, string, zset, set.
        public var type: String
        /// Whether its keys carry a TTL.
        public var hasTTL: Bool
        /// Whether losing it (eviction, a crash) is data loss rather than a cache miss.
        public var mustSurvive: Bool
        /// The largest field value (hash) or member (zset), in bytes.
        public var largestValueBytes: Int?
        /// The size of one stream entry, in bytes.
        public var entryBytes: Int?
        /// What the largest value is, for messages ("context ~1 KB").
        public var valueNote: String?

        public init(pattern: String, type: String, hasTTL: Bool, mustSurvive: Bool, largestValueBytes: Int? = nil,
                    entryBytes: Int? = nil, valueNote: String? = nil) {
            self.pattern = pattern
            self.type = type
            self.hasTTL = hasTTL
            self.mustSurvive = mustSurvive
            self.largestValueBytes = largestValueBytes
            self.entryBytes = entryBytes
            self.valueNote = valueNote
        }
    }

    public var families: [KeyFamily]

    public init(families: [KeyFamily]) { self.families = families }

    /// The default schema (shared/seed/redis-data-schema.md): sessions and the tool cache expire;
    /// embeddings, the learning queue and the model registry have no TTL and must survive.
    public static let builtIn = SchemaFacts(families: [
        KeyFamily(pattern: "session:*", type: "hash", hasTTL: true, mustSurvive: false, largestValueBytes: 1024, valueNote: "field context ~1 KB"),
        KeyFamily(pattern: "embedding:*", type: "hash", hasTTL: false, mustSurvive: true, largestValueBytes: 3072, valueNote: "field vector 3072 B"),
        KeyFamily(pattern: "embeddings:*", type: "zset", hasTTL: false, mustSurvive: true, largestValueBytes: 64, valueNote: "members are sha256 hex"),
        KeyFamily(pattern: "learning:queue", type: "stream", hasTTL: false, mustSurvive: true, entryBytes: 2048, valueNote: "entries ~2 KB"),
        KeyFamily(pattern: "tool:*", type: "string", hasTTL: true, mustSurvive: false),
        KeyFamily(pattern: "models:active", type: "hash", hasTTL: false, mustSurvive: true, largestValueBytes: 64),
        KeyFamily(pattern: "model:*", type: "hash", hasTTL: false, mustSurvive: true, largestValueBytes: 64),
        KeyFamily(pattern: "node:*:heartbeat", type: "string", hasTTL: true, mustSurvive: false),
        KeyFamily(pattern: "events:log", type: "stream", hasTTL: false, mustSurvive: false, entryBytes: 256),
    ])

    /// Families that must survive and have no TTL (what allkeys-* would evict).
    public var durableWithoutTTL: [KeyFamily] { families.filter { $0.mustSurvive && !$0.hasTTL } }
    public var anyTTL: Bool { families.contains { $0.hasTTL } }
}
