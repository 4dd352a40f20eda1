import Foundation

extension Schema {
    /// The schema as pretty JSON with sorted keys: what `schema show --json` prints and
    /// `--schema FILE` reads back.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }

    /// One block per pattern (type, TTL policy, fields, stream policy), then the references.
    public func text() -> String {
        var out = ""
        for p in patterns {
            out += "\(p.pattern)  \(p.type.rawValue)\(p.summary.map { "  — \($0)" } ?? "")\n"
            out += "  ttl: \(p.ttl.text)\n"
            if let f = p.requiredFields, !f.isEmpty { out += "  required fields: \(f.joined(separator: ", "))\n" }
            if let s = p.fieldSizes, !s.isEmpty {
                out += "  field sizes: \(s.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value) bytes" }.joined(separator: ", "))\n"
            }
            if let s = p.stream {
                var parts: [String] = []
                if let m = s.maxLength { parts.append("MAXLEN ~ \(m) (+\(s.slack ?? 0))") }
                if let d = s.maxAgeDays { parts.append("entries at most \(d.formatted()) days old (MINID)") }
                if let g = s.requiredGroups, !g.isEmpty { parts.append("groups \(g.joined(separator: ", "))") }
                if let p = s.maxPending { parts.append("at most \(p) pending per group") }
                if let i = s.maxIdleSeconds { parts.append("consumers with pending entries idle at most \(i) s") }
                out += "  stream: \(parts.joined(separator: "; "))\n"
            }
        }
        out += "\nreferences:\n"
        for r in references {
            let what = r.via == .hashValues ? "values" : "members"
            out += "  \(r.from) \(what) -> \(r.to)\(r.reverse == true ? " (and every \(r.to) in \(r.from))" : "")\(r.heartbeat == true ? " (heartbeat)" : "")\(r.ownerField.map { " (index named by the entity's \($0) field less \"\(r.ownerPrefix ?? "")\")" } ?? "")\n"
        }
        return out
    }
}

extension TTLPolicy {
    /// `required, at most 604800 s`, `forbidden`, `required by tool: write 300 s (edit, …)`.
    public var text: String {
        var t = policy.rawValue
        if let m = maxSeconds { t += ", at most \(m) s" }
        if let b = byValue {
            t += " by \(b.placeholder): " + b.classes.map { "\($0.name) \($0.seconds) s (\($0.values.joined(separator: ", ")))" }.joined(separator: "; ")
            t += "; otherwise \(b.defaultSeconds) s"
        }
        return t
    }
}
