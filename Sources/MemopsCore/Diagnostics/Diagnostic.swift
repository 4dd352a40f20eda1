import Foundation

/// How bad a finding is, most severe first. Shared by `config lint`, `audit` and `verify`.
public enum Severity: String, Sendable, CaseIterable, Comparable, Codable {
    /// Redis will refuse it (a fatal config error) or data is at risk now.
    case error
    /// Legal but dangerous or surprising.
    case warning
    /// Worth knowing; rarely wrong.
    case info
    /// Old spellings and cosmetic matters.
    case style

    /// Lower is more severe: error 0 … style 3.
    public var rank: Int { Severity.allCases.firstIndex(of: self)! }

    /// `a < b` when `a` is less severe than `b` (so `.style < .error`).
    public static func < (a: Severity, b: Severity) -> Bool { a.rank > b.rank }
}

/// Where a finding is: a file, with a 1-based line and column when the finding is about one line
/// (no line: the finding is about the file as a whole, e.g. a directive it lacks).
public struct SourceLocation: Sendable, Hashable, Codable {
    public var file: String
    public var line: Int?
    public var column: Int?

    public init(file: String, line: Int?, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }
}

/// One finding: a rule id (`RC201`), a severity, a one-line message, and where it is — a file
/// location, a key or config name (audit, running servers), or both.
public struct Diagnostic: Sendable, Hashable, Codable {
    public var severity: Severity
    public var rule: String
    public var message: String
    public var location: SourceLocation?
    /// The key (audit) or config parameter (a running server) the finding is about.
    public var key: String?
    /// The server the finding was made on, when there are several (a cluster's nodes).
    public var node: String?

    public init(severity: Severity, rule: String, message: String, location: SourceLocation? = nil, key: String? = nil, node: String? = nil) {
        self.severity = severity
        self.rule = rule
        self.message = message
        self.location = location
        self.key = key
        self.node = node
    }
}

/// What a rule is, for `rules`/`explain` listings and SARIF's rule table.
public struct RuleDescriptor: Sendable, Hashable {
    public var id: String
    public var severity: Severity
    public var title: String
    public var why: String
    public var fix: String

    public init(id: String, severity: Severity, title: String, why: String, fix: String) {
        self.id = id
        self.severity = severity
        self.title = title
        self.why = why
        self.fix = fix
    }
}
