import Foundation

/// Renders diagnostics: compiler-style text for people, JSON and SARIF 2.1.0 for machines.
public enum DiagnosticFormat: String, Sendable, CaseIterable {
    case text, json, sarif
}

/// Turns diagnostics into text. Pure functions: the caller decides where the text goes and
/// whether colour is allowed (a terminal, and no NO_COLOR).
public enum DiagnosticPrinter {
    /// `file:line:col: severity: [RC201] message`, one line each. Without a location the prefix is
    /// the key (`maxmemory: warning: …`) or the `source` name; a nil `source` leaves the key alone
    /// (`session:1: error: [AUD004] …`, as audit prints).
    public static func text(_ diagnostics: [Diagnostic], color: Bool, source: String? = "memops") -> String {
        var out = ""
        for d in diagnostics {
            var prefix: String
            if let loc = d.location {
                prefix = "\(loc.file):"
                if let line = loc.line {
                    prefix += "\(line):"
                    if let col = loc.column { prefix += "\(col):" }
                }
            } else if let key = d.key {
                prefix = source.map { "\($0): \(key):" } ?? "\(key):"
            } else {
                prefix = "\(source ?? "memops"):"
            }
            let label = color ? colored(d.severity) : "\(d.severity.rawValue):"
            out += "\(prefix) \(label) [\(d.rule)] \(d.message)\(d.node.map { " (on \($0))" } ?? "")\n"
        }
        return out
    }

    /// Whether colour is allowed: only on a terminal, never with NO_COLOR set (any value).
    public static func colorAllowed(isTTY: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        isTTY && environment["NO_COLOR"] == nil
    }

    /// The severity label in ANSI colour (bold red, yellow, cyan, green).
    private static func colored(_ severity: Severity) -> String {
        let code: String
        switch severity {
        case .error: code = "1;31"
        case .warning: code = "1;33"
        case .info: code = "1;36"
        case .style: code = "1;32"
        }
        return "\u{1b}[\(code)m\(severity.rawValue):\u{1b}[0m"
    }

    /// A JSON array of `{file, line, column, severity, rule, message, key}` objects (absent fields
    /// omitted), sorted keys so output is stable.
    public static func json(_ diagnostics: [Diagnostic]) -> String {
        let items: [[String: Any]] = diagnostics.map { d in
            var o: [String: Any] = ["severity": d.severity.rawValue, "rule": d.rule, "message": d.message]
            if let loc = d.location {
                o["file"] = loc.file
                if let l = loc.line { o["line"] = l }
                if let c = loc.column { o["column"] = c }
            }
            if let k = d.key { o["key"] = k }
            if let n = d.node { o["node"] = n }
            return o
        }
        return serialize(items)
    }

    /// A SARIF 2.1.0 log with one run: the tool's rule table and one result per diagnostic.
    public static func sarif(_ diagnostics: [Diagnostic], rules: [RuleDescriptor], toolName: String = "memops",
                             toolVersion: String = memopsVersion) -> String {
        let used = Set(diagnostics.map(\.rule))
        let table = rules.filter { used.contains($0.id) }
        let index = Dictionary(uniqueKeysWithValues: table.enumerated().map { ($1.id, $0) })
        let ruleObjects: [[String: Any]] = table.map { r in
            [
                "id": r.id,
                "shortDescription": ["text": r.title],
                "fullDescription": ["text": r.why],
                "help": ["text": r.fix],
                "defaultConfiguration": ["level": level(r.severity)],
            ]
        }
        let results: [[String: Any]] = diagnostics.map { d in
            var r: [String: Any] = ["ruleId": d.rule, "level": level(d.severity), "message": ["text": d.message]]
            if let i = index[d.rule] { r["ruleIndex"] = i }
            if let n = d.node { r["properties"] = ["node": n] }
            if let loc = d.location {
                var physical: [String: Any] = ["artifactLocation": ["uri": uri(loc.file)]]
                if let l = loc.line {
                    var region: [String: Any] = ["startLine": l]
                    if let c = loc.column { region["startColumn"] = c }
                    physical["region"] = region
                }
                r["locations"] = [["physicalLocation": physical]]
            } else if let key = d.key {
                r["locations"] = [["logicalLocations": [["name": key, "kind": "variable"]]]]
            }
            return r
        }
        let log: [String: Any] = [
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [[
                "tool": ["driver": ["name": toolName, "version": toolVersion, "informationUri": "https://github.com/memops/memops", "rules": ruleObjects]],
                "results": results,
            ]],
        ]
        return serialize(log)
    }

    /// SARIF levels: error, warning, note (info and style both map to note).
    static func level(_ s: Severity) -> String {
        switch s {
        case .error: return "error"
        case .warning: return "warning"
        case .info, .style: return "note"
        }
    }

    private static func uri(_ path: String) -> String {
        // SARIF wants a URI; relative paths stay relative (resolved against the run's root).
        path.hasPrefix("/") ? URL(fileURLWithPath: path).absoluteString : path
    }

    /// Pretty JSON with sorted keys, so output is stable between runs.
    private static func serialize(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
            return "[]"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
