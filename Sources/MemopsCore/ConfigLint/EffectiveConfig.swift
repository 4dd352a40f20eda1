/// The configuration redis-server would end up with: the last value of each directive (by its
/// canonical name), the save points, users, renames and modules, and where each was set.
public struct EffectiveConfig: Sendable {
    /// One directive's final value.
    public struct Setting: Sendable {
        /// Canonical (new) name.
        public var name: String
        /// The arguments after the name (after the MULTI_ARG re-split).
        public var args: [String]
        public var location: SourceLocation?
        /// The name as written (an alias, or any case).
        public var spelled: String
    }

    public var table: VersionTable
    public var settings: [String: Setting] = [:]
    /// Save points after the file; nil when no `save` line touched the defaults.
    public var saveParams: [(seconds: Int64, changes: Int64)]?
    public var saveLocation: SourceLocation?
    /// Names of `user` lines, and whether any user other than a nopass one has a password.
    public var users: [String] = []
    public var userWithPassword = false
    public var renamedCommands: [String: String] = [:]
    public var loadedModules: [String] = []
    /// True for a file (absent directives take their defaults); false when only part of the
    /// configuration is known (INFO), so absent means unknown.
    public var complete: Bool

    /// Redis's compiled-in save points (server.c `initServerConfig`), the same in 6.2 … 8.0.
    public static let defaultSave: [(seconds: Int64, changes: Int64)] = [(3600, 1), (300, 100), (60, 10000)]

    public init(table: VersionTable, complete: Bool) {
        self.table = table
        self.complete = complete
    }

    /// The value as one string (arguments joined by spaces), or the default when the directive is
    /// absent and the configuration is complete; nil when unknown.
    public func value(_ name: String) -> String? {
        if let s = settings[name] { return s.args.joined(separator: " ") }
        return complete ? table.spec(name)?.defaultValue : nil
    }

    /// Whether the directive was written explicitly.
    public func isSet(_ name: String) -> Bool { settings[name] != nil }

    public func location(_ name: String) -> SourceLocation? { settings[name]?.location }

    /// A yes/no directive.
    public func bool(_ name: String) -> Bool? {
        switch value(name)?.lowercased() {
        case "yes": return true
        case "no": return false
        default: return nil
        }
    }

    /// A numeric directive parsed the way redis parses it.
    public func number(_ name: String) -> Int64? {
        guard let v = value(name), let spec = table.spec(name) else { return nil }
        if case .success(let n) = ConfigValidator.parseNumeric(spec, Array(v.utf8)) { return n }
        return nil
    }

    /// The save points in force.
    public var effectiveSave: [(seconds: Int64, changes: Int64)]? {
        if let saveParams { return saveParams }
        return complete ? EffectiveConfig.defaultSave : nil
    }
}
