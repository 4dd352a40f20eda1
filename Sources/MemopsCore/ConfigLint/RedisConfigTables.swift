/// The C type behind a directive in redis's `standardConfig` table (src/config.c); it decides
/// how the value is parsed and which bounds check applies.
public enum DirectiveKind: String, Sendable {
    case bool, string, sds, enumeration, special
    case int, uint, long, ulong, longLong, ulongLong, sizeT, ssizeT, timeT, offT

    /// Numeric kinds share one parser (`numericParseString`).
    public var isNumeric: Bool {
        switch self {
        case .bool, .string, .sds, .enumeration, .special: return false
        default: return true
        }
    }

}

/// Flags of a directive in config.c that matter to the linter.
public struct DirectiveFlags: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Takes several arguments; one argument is split again on spaces (config.c MULTI_ARG_CONFIG).
    public static let multiArg = DirectiveFlags(rawValue: 1 << 0)
    public static let immutable = DirectiveFlags(rawValue: 1 << 1)
    public static let sensitive = DirectiveFlags(rawValue: 1 << 2)
    public static let hidden = DirectiveFlags(rawValue: 1 << 3)
    public static let protected = DirectiveFlags(rawValue: 1 << 4)
    public static let debug = DirectiveFlags(rawValue: 1 << 5)
    public static let denyLoading = DirectiveFlags(rawValue: 1 << 6)
    public static let volatile = DirectiveFlags(rawValue: 1 << 7)
}

/// One row of redis's config table: name, old alias, kind, enum values, numeric bounds (as the
/// `long long` bit patterns config.c stores), numeric flags (1 memory, 2 percent, 4 octal), the
/// default as CONFIG GET prints it, and the name of an extra validity check.
public struct DirectiveSpec: Sendable {
    public let name: String
    public let alias: String?
    public let kind: DirectiveKind
    public let flags: DirectiveFlags
    public let values: [String]
    public let lower: Int64
    public let upper: Int64
    public let number: Int
    public let defaultValue: String?
    public let check: String?
    /// config.c `numericBoundaryCheck` compares this kind as unsigned long long (ULongLong, UInt,
    /// SizeT; ULong too in Valkey 8), other numeric kinds as signed.
    public let unsignedBounds: Bool

    init(_ name: String, alias: String? = nil, kind: DirectiveKind, flags: DirectiveFlags = [], values: [String] = [],
         lower: Int64 = 0, upper: Int64 = 0, number: Int = 0, unsignedBounds: Bool = false, defaultValue: String? = nil,
         check: String? = nil) {
        self.unsignedBounds = unsignedBounds
        self.name = name
        self.alias = alias
        self.kind = kind
        self.flags = flags
        self.values = values
        self.lower = lower
        self.upper = upper
        self.number = number
        self.defaultValue = defaultValue
        self.check = check
    }

    public var isMemory: Bool { number & 1 != 0 }
    public var isPercent: Bool { number & 2 != 0 }
    public var isOctal: Bool { number & 4 != 0 }
}

/// The directive table of one Redis release line.
public struct VersionTable: Sendable {
    /// `major.minor`, e.g. "7.0".
    public let version: String
    /// The git tag the table was generated from, e.g. "7.0.15".
    public let tag: String
    public let directives: [DirectiveSpec]
    /// Deprecated directives config.c accepts and ignores (`deprecated_configs`).
    public let ignored: [String]
    /// Top-level command names, for `rename-command`.
    public let commands: [String]

    private let byName: [String: Int]
    /// Every name and alias this version accepts, including the ignored ones.
    public let allNames: [String]

    init(version: String, tag: String, directives: [DirectiveSpec], ignored: [String], commands: [String]) {
        self.version = version
        self.tag = tag
        self.directives = directives
        self.ignored = ignored
        self.commands = commands
        var index: [String: Int] = [:]
        for (i, d) in directives.enumerated() {
            index[d.name] = i
            if let a = d.alias { index[a] = i }
        }
        byName = index
        allNames = index.keys.sorted() + ignored
    }

    /// "Redis 7.0" or "Valkey 8.0", for messages.
    public var displayName: String {
        version.hasPrefix("valkey-") ? "Valkey " + version.dropFirst("valkey-".count) : "Redis " + version
    }

    /// The directive called `name` (lower-case) by its name or its alias.
    public func spec(_ name: String) -> DirectiveSpec? {
        byName[name].map { directives[$0] }
    }
}

/// The embedded per-version tables (see scripts/gen-config-tables) and version lookup.
public enum RedisConfigTables {
    /// All versions, oldest first.
    public static var versions: [VersionTable] { generated }

    /// The version the linter assumes when none is given and no server is asked.
    public static let defaultVersion = "7.0"

    /// The table for a version string: "7.0", "7.0.15", "7.2.4" or "8.0-m01" all pick their
    /// Redis `major.minor` line; "valkey-8.0.1" picks a Valkey table. A newer patch or an unknown
    /// minor picks the closest older line. Nil when the version is older than every table.
    public static func table(for version: String) -> VersionTable? {
        let wanted = majorMinor(version)
        guard let wanted else { return nil }
        var best: VersionTable?
        for t in family(of: version) {
            guard let have = majorMinor(t.version) else { continue }
            if have <= wanted { best = t }
        }
        return best
    }

    /// "valkey" for Valkey versions ("valkey-8.0"), else "redis".
    public static func product(of version: String) -> String {
        version.lowercased().hasPrefix("valkey") ? "valkey" : "redis"
    }

    /// The tables of the same product as `version`, oldest first.
    static func family(of version: String) -> [VersionTable] {
        let p = product(of: version)
        return generated.filter { product(of: $0.version) == p }
    }

    /// The first version (oldest table) of the product of `target` that knows `name`, if any.
    public static func firstVersion(knowing name: String, like target: String = "redis") -> VersionTable? {
        family(of: target).first { $0.spec(name) != nil || $0.ignored.contains(name) }
    }

    /// The last version of the product of `target` that knew `name`, if any.
    public static func lastVersion(knowing name: String, like target: String = "redis") -> VersionTable? {
        family(of: target).last { $0.spec(name) != nil || $0.ignored.contains(name) }
    }

    /// The first two numbers of a version string ("7.2.4" → 7.2, "8.0-m01" → 8.0).
    static func majorMinor(_ version: String) -> Version? {
        let parts = version.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard parts.count == 2 else { return nil }
        return Version(major: parts[0], minor: parts[1])
    }

    /// A `major.minor` pair, ordered.
    struct Version: Comparable {
        let major: Int
        let minor: Int
        static func < (a: Version, b: Version) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
    }
}
