/// The keys of a schema's roles, resolved once: what the estimator reads and the sample-data
/// generator writes, found by role so that a schema naming its keys otherwise works the same.
public struct SchemaKeys: Sendable {
    private let keys: [EntityRole: RoleKey]

    public init(_ schema: Schema) {
        var keys: [EntityRole: RoleKey] = [:]
        for p in schema.patterns {
            if let role = p.role, keys[role] == nil { keys[role] = RoleKey(p) }
        }
        self.keys = keys
    }

    /// The seed schema's keys.
    public static let seed = SchemaKeys(.seed)

    /// The key of `role`, or nil when no pattern of the schema has that role.
    public subscript(role: EntityRole) -> RoleKey? { keys[role] }

    /// The roles of `roles` the schema lacks, for a message.
    public func missing(_ roles: [EntityRole]) -> [EntityRole] { roles.filter { keys[$0] == nil } }
}

/// One role's key pattern as bytes: the literal text around its placeholders.
public struct RoleKey: Sendable {
    public let pattern: KeyPattern
    /// The literal segments before the first placeholder, with the `:` after them
    /// (`session:` of `session:{session_id}`); the whole key for a pattern without placeholders.
    public let prefix: [UInt8]
    /// The literal segments after the last placeholder, with the `:` before them (`:sessions`).
    public let suffix: [UInt8]
    private let segments: [KeyTemplate.Segment]

    init(_ pattern: KeyPattern) {
        self.pattern = pattern
        segments = pattern.template.segments
        let colon = UInt8(ascii: ":")
        func literals(_ s: some Sequence<KeyTemplate.Segment>) -> [[UInt8]] {
            var out: [[UInt8]] = []
            for segment in s {
                guard case .literal(let l) = segment else { break }
                out.append(l)
            }
            return out
        }
        let head = literals(segments)
        if head.count == segments.count {
            prefix = Array(head.joined(separator: [colon]))
            suffix = []
        } else {
            prefix = head.isEmpty ? [] : Array(head.joined(separator: [colon])) + [colon]
            let tail = Array(literals(segments.reversed()).reversed())
            suffix = tail.isEmpty ? [] : [colon] + Array(tail.joined(separator: [colon]))
        }
    }

    /// The pattern's text, e.g. `learning:queue`.
    public var name: String { pattern.pattern }

    /// The key of a pattern without placeholders.
    public var key: [UInt8] { prefix }

    /// The key with the placeholders filled by `values`, in order (`prefix + value + suffix`
    /// for one placeholder).
    public func key(_ values: [UInt8]...) -> [UInt8] {
        if values.count == 1 { return prefix + values[0] + suffix }
        var out: [UInt8] = []
        var next = 0
        for (i, segment) in segments.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ":")) }
            switch segment {
            case .literal(let l): out += l
            case .placeholder, .rest:
                out += next < values.count ? values[next] : []
                next += 1
            }
        }
        return out
    }

    /// The pattern's text with its placeholders renamed, in order (`{name}`); placeholders past
    /// `placeholders` keep their own names.
    public func text(placeholders: [String]) -> String {
        var next = 0
        return segments.map { segment in
            switch segment {
            case .literal(let l): return String(decoding: l, as: UTF8.self)
            case .placeholder(let own), .rest(let own):
                defer { next += 1 }
                return "{\(next < placeholders.count ? placeholders[next] : own)}"
            }
        }.joined(separator: ":")
    }

    /// Whether `key` starts with the prefix and ends with the suffix: the test the estimator
    /// uses to assign a key to a namespace.
    public func contains(_ key: [UInt8]) -> Bool {
        key.starts(with: prefix) && key.suffix(suffix.count).elementsEqual(suffix)
    }

    /// A SCAN MATCH glob for the pattern's keys: the prefix, `*`, the suffix (glob characters escaped).
    public var glob: String {
        func escaped(_ bytes: [UInt8]) -> String {
            var out = ""
            for c in String(decoding: bytes, as: UTF8.self) {
                if "*?[]\\".contains(c) { out.append("\\") }
                out.append(c)
            }
            return out
        }
        return escaped(prefix) + "*" + escaped(suffix)
    }
}
