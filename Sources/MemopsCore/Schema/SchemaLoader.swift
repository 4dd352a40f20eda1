import Foundation

/// A schema file that cannot be used: where (line) and why.
public struct SchemaError: MemopsError, Equatable {
    public var path: String
    public var line: Int?
    public var reason: String

    public init(path: String, line: Int?, reason: String) {
        self.path = path
        self.line = line
        self.reason = reason
    }

    public var exitStatus: ExitStatus { .usage }
    public var description: String {
        "schema \(path)\(line.map { ":\($0)" } ?? ""): \(reason); fix the file or drop --schema to use the built-in seed schema"
    }
}

extension Schema {
    /// Reads a JSON schema file (the shape `schema show --json` prints) and checks it: syntax and
    /// shape errors name their line, references must name patterns of the schema.
    public static func load(path: String) throws(SchemaError) -> Schema {
        let data: [UInt8]
        do {
            data = try readSmallFile(path)
        } catch {
            throw SchemaError(path: path, line: nil, reason: "cannot read the file: \(error.reason)")
        }
        return try parse(Data(data), path: path)
    }

    /// Parses and validates schema JSON; `path` names it in errors.
    public static func parse(_ data: Data, path: String) throws(SchemaError) -> Schema {
        let bytes = [UInt8](data)
        var lines: [String: Int] = [:]
        do {
            var scanner = JSONLineScanner(bytes)
            try scanner.scanDocument(into: &lines)
        } catch {
            let e = error as? JSONLineScanner.Failure
            throw SchemaError(path: path, line: e?.line, reason: "not valid JSON: \(e?.message ?? "\(error)") (a schema file is JSON; YAML is not supported)")
        }
        try checkNames(lines, path: path)
        let schema: Schema
        do {
            schema = try JSONDecoder().decode(Schema.self, from: data)
        } catch {
            guard let error = error as? DecodingError else { throw SchemaError(path: path, line: nil, reason: "\(error)") }
            let (codingPath, what) = describe(error)
            let dotted = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            throw SchemaError(path: path, line: line(for: codingPath, in: lines), reason: "\(dotted.isEmpty ? "top level" : String(dotted.drop { $0 == "." })): \(what)")
        }
        try schema.validate(path: path, lines: lines)
        return schema
    }

    /// Names each kind of object may hold; the decoder ignores unknown names, so a typo such as
    /// `requiredField` would silently drop a rule.
    private static let allowedNames: [String: Set<String>] = [
        "": ["version", "patterns", "references"],
        "patterns[]": ["pattern", "type", "ttl", "requiredFields", "fieldSizes", "stream", "summary", "role"],
        "patterns[].ttl": ["policy", "maxSeconds", "byValue"],
        "patterns[].ttl.byValue": ["placeholder", "classes", "defaultSeconds"],
        "patterns[].ttl.byValue.classes[]": ["name", "seconds", "values"],
        "patterns[].stream": ["maxLength", "slack", "maxAgeDays", "requiredGroups", "maxPending", "maxIdleSeconds"],
        "references[]": ["from", "via", "to", "reverse", "heartbeat", "ownerField", "ownerPrefix"],
    ]

    /// Refuses names the schema format does not have, with their line.
    private static func checkNames(_ lines: [String: Int], path: String) throws(SchemaError) {
        for (key, line) in lines.sorted(by: { $0.value < $1.value }) where !key.isEmpty && !key.hasSuffix("]") {
            // "patterns[3].ttl.maxSecond" → parent shape "patterns[].ttl", name "maxSecond".
            let shape = key.replacingOccurrences(of: #"\[[0-9]+\]"#, with: "[]", options: .regularExpression)
            let parent: String, name: String
            if let dot = shape.lastIndex(of: ".") {
                parent = String(shape[..<dot])
                name = String(shape[shape.index(after: dot)...])
            } else {
                parent = ""
                name = shape
            }
            if parent.hasSuffix(".fieldSizes") { continue }  // field names are free
            guard let allowed = allowedNames[parent] else { continue }
            if !allowed.contains(name) {
                throw SchemaError(path: path, line: line, reason: "unknown name \"\(name)\"\(parent.isEmpty ? "" : " in \(parent)"); expected one of \(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    /// Semantic checks the decoder cannot do.
    func validate(path: String, lines: [String: Int]) throws(SchemaError) {
        if version != 1 { throw SchemaError(path: path, line: lines["version"], reason: "version \(version) is not supported (only 1)") }
        var seen = Set<String>()
        var roles: [EntityRole: String] = [:]
        for (i, p) in patterns.enumerated() {
            let where_ = lines["patterns[\(i)]"]
            if !seen.insert(p.pattern).inserted { throw SchemaError(path: path, line: where_, reason: "pattern \(p.pattern) is listed twice") }
            if let role = p.role {
                if let other = roles.updateValue(p.pattern, forKey: role) {
                    throw SchemaError(path: path, line: where_, reason: "pattern \(p.pattern): role \(role.rawValue) is already \(other)'s")
                }
            }
            let segments = p.template.segments
            for (j, s) in segments.enumerated() {
                if case .rest = s, j != segments.count - 1 {
                    throw SchemaError(path: path, line: where_, reason: "pattern \(p.pattern): a {name...} placeholder must be the last segment")
                }
                if case .literal(let l) = s, l.isEmpty { throw SchemaError(path: path, line: where_, reason: "pattern \(p.pattern) has an empty segment") }
            }
            if p.ttl.policy == .forbidden && (p.ttl.maxSeconds != nil || p.ttl.byValue != nil) {
                throw SchemaError(path: path, line: where_, reason: "pattern \(p.pattern): a forbidden TTL cannot have bounds")
            }
            if (p.requiredFields != nil || p.fieldSizes != nil) && p.type != .hash {
                throw SchemaError(path: path, line: where_, reason: "pattern \(p.pattern): fields apply to hashes only, not \(p.type.rawValue)")
            }
            if p.stream != nil && p.type != .stream {
                throw SchemaError(path: path, line: where_, reason: "pattern \(p.pattern): a stream policy on a \(p.type.rawValue)")
            }
        }
        for (i, r) in references.enumerated() {
            let where_ = lines["references[\(i)]"]
            guard let from = pattern(named: r.from) else {
                throw SchemaError(path: path, line: where_, reason: "reference from \(r.from): no such pattern")
            }
            let expected: KeyType = r.via == .zsetMembers ? .zset : r.via == .setMembers ? .set : .hash
            if from.type != expected { throw SchemaError(path: path, line: where_, reason: "reference from \(r.from): \(r.via.rawValue) needs a \(expected.rawValue), the pattern is a \(from.type.rawValue)") }
            if r.to.components(separatedBy: "{member}").count != 2 {
                throw SchemaError(path: path, line: where_, reason: "reference to \(r.to): needs exactly one {member}")
            }
            if match(r.target(Array("x".utf8))) == nil {
                throw SchemaError(path: path, line: where_, reason: "reference to \(r.to): matches no pattern of the schema")
            }
            if r.ownerField != nil && from.template.segments.count - from.template.literalCount != 1 {
                throw SchemaError(path: path, line: where_, reason: "reference from \(r.from): ownerField needs an index with exactly one placeholder")
            }
            if r.reverse == true && !from.template.isLiteral {
                throw SchemaError(path: path, line: where_, reason: "reference from \(r.from): reverse needs an index without placeholders")
            }
        }
    }

    private static func describe(_ error: DecodingError) -> ([CodingKey], String) {
        switch error {
        case .typeMismatch(let t, let c): return (c.codingPath, "expected \(t) (\(c.debugDescription))")
        case .valueNotFound(let t, let c): return (c.codingPath, "missing \(t) value")
        case .keyNotFound(let k, let c): return (c.codingPath, "missing \"\(k.stringValue)\"")
        case .dataCorrupted(let c): return (c.codingPath, c.debugDescription)
        @unknown default: return ([], "\(error)")
        }
    }

    /// The line of the deepest element of `codingPath` the scanner saw.
    private static func line(for codingPath: [CodingKey], in lines: [String: Int]) -> Int? {
        var path = codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }
        while !path.isEmpty {
            let key = String(path.joined().drop { $0 == "." })
            if let l = lines[key] { return l }
            path.removeLast()
        }
        return nil
    }
}

/// A small JSON syntax checker that records the line where each value starts, by path
/// (`patterns[2].ttl`), so decoding errors can name a line. Foundation's decoder does not.
struct JSONLineScanner {
    struct Failure: Error { var line: Int; var message: String }
    private let bytes: [UInt8]
    private var i = 0
    private var line = 1

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func scanDocument(into lines: inout [String: Int]) throws {
        try value(path: "", into: &lines)
        skipSpace()
        if i < bytes.count { throw Failure(line: line, message: "unexpected text after the document") }
    }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[i]) {
            if bytes[i] == 0x0a { line += 1 }
            i += 1
        }
    }

    private mutating func value(path: String, into lines: inout [String: Int]) throws {
        skipSpace()
        guard i < bytes.count else { throw Failure(line: line, message: "unexpected end of file") }
        lines[path] = line
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw Failure(line: line, message: "expected a quoted name") }
                let name = try string()
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw Failure(line: line, message: "expected ':' after \"\(name)\"") }
                i += 1
                try value(path: path.isEmpty ? name : "\(path).\(name)", into: &lines)
                skipSpace()
                guard i < bytes.count else { throw Failure(line: line, message: "unexpected end of file in an object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return }
                throw Failure(line: line, message: "expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            i += 1
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return }
            var n = 0
            while true {
                try value(path: "\(path)[\(n)]", into: &lines)
                n += 1
                skipSpace()
                guard i < bytes.count else { throw Failure(line: line, message: "unexpected end of file in an array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return }
                throw Failure(line: line, message: "expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            _ = try string()
        default:
            let start = i
            while i < bytes.count, !([0x20, 0x09, 0x0a, 0x0d, 0x2c, 0x5d, 0x7d] as [UInt8]).contains(bytes[i]) { i += 1 }
            let word = String(decoding: bytes[start..<i], as: UTF8.self)
            if !(["true", "false", "null"].contains(word) || Double(word) != nil) {
                throw Failure(line: line, message: "unexpected '\(word.prefix(20))'")
            }
        }
    }

    private mutating func string() throws -> String {
        i += 1
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == 0x0a { throw Failure(line: line, message: "a string runs past the end of its line") }
            if bytes[i] == UInt8(ascii: "\\") { i += 1 }
            i += 1
        }
        guard i < bytes.count else { throw Failure(line: line, message: "unterminated string") }
        defer { i += 1 }
        return String(decoding: bytes[start..<i], as: UTF8.self)
    }
}
