import Foundation

/// Why a lint could not run at all (findings are diagnostics, not errors).
public enum ConfigLintError: MemopsError, Equatable {
    /// The top-level file cannot be read.
    case unreadable(path: String, reason: String)
    /// `--target-version` names no version memops has a table for.
    case unknownVersion(String)
    /// A rule id given to --enable/--disable/explain that does not exist.
    case unknownRule(String)

    public var exitStatus: ExitStatus { .usage }

    public var description: String {
        switch self {
        case .unreadable(let p, let r):
            return "cannot read \(p): \(r); check the path and that memops may read it"
        case .unknownVersion(let v):
            let known = RedisConfigTables.versions.map(\.version).joined(separator: ", ")
            return "no directive table for Redis \(v); \(CLIFlag.targetVersion) takes one of \(known) (or a patch release of them)"
        case .unknownRule(let id):
            return "no rule \(id); `memops config rules` lists them"
        }
    }
}

/// What to check and against which Redis.
public struct ConfigLintOptions: Sendable {
    /// "7.0", "7.2.4", …; nil means `RedisConfigTables.defaultVersion`.
    public var targetVersion: String?
    /// Rules turned on beyond the defaults (`--enable`), and off (`--disable`).
    public var enabled: Set<String> = []
    public var disabled: Set<String> = []
    /// Whether to look at this machine: paths (`dir`, `logfile`, modules) and the kernel (RC6xx).
    public var hostChecks = true
    /// The host's facts; nil reads them from /proc and /sys when `hostChecks` is on.
    public var host: HostFacts?
    public var schema: SchemaFacts = .builtIn
    /// The directory redis-server starts in (relative `dir`, `include`, `logfile`); nil: ours.
    public var workingDirectory: String?

    public init() {}
}

/// The outcome of one lint: findings (already filtered by --enable/--disable and inline
/// `# memops disable=`), and the configuration redis would run with.
public struct LintReport: Sendable {
    public var diagnostics: [Diagnostic]
    public var config: EffectiveConfig

    /// Findings at or above `minimum`.
    public func filtered(minimum: Severity) -> [Diagnostic] {
        diagnostics.filter { $0.severity >= minimum }
    }

    /// Whether redis-server would refuse this configuration (any error finding).
    public var isFatal: Bool { diagnostics.contains { $0.severity == .error } }
}

/// `memops config lint`'s engine: reads a redis.conf as redis-server 6.2 … 8.0 does (config.c
/// `loadServerConfig`/`loadServerConfigFromString`) and reports every problem, not just the
/// first one redis would stop at.
public struct ConfigLinter: Sendable {
    public let options: ConfigLintOptions
    public let table: VersionTable

    public init(options: ConfigLintOptions = ConfigLintOptions()) throws(ConfigLintError) {
        let version = options.targetVersion ?? RedisConfigTables.defaultVersion
        guard let table = RedisConfigTables.table(for: version) else { throw .unknownVersion(version) }
        for id in options.enabled.union(options.disabled) where ConfigLintRules.rule(id) == nil {
            throw .unknownRule(id)
        }
        self.options = options
        self.table = table
    }

    /// Lints a file and everything it includes. `appending` is configuration text redis-server
    /// appends after the file, as it does with command-line options (`--port 7000` becomes the
    /// line `port 7000` after a newline).
    public func lint(file path: String, appending: String? = nil) throws(ConfigLintError) -> LintReport {
        let cwd = options.workingDirectory ?? FileManager.default.currentDirectoryPath
        let resolved = ConfigLoader.resolve(path, cwd: cwd)
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: resolved, isDirectory: &isDir), isDir.boolValue {
            throw .unreadable(path: path, reason: "it is a directory")
        }
        let bytes: [UInt8]
        do {
            bytes = try readSmallFile(resolved)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        return lint(bytes: bytes, name: path, cwd: cwd, appending: appending)
    }

    /// Lints configuration text (as if it were the file `name`).
    public func lint(text: String, name: String = "redis.conf") -> LintReport {
        lint(bytes: Array(text.utf8), name: name, cwd: options.workingDirectory ?? FileManager.default.currentDirectoryPath)
    }

    /// Lints raw file bytes (as if they were the file `name`).
    public func lint(bytes: [UInt8], name: String = "redis.conf") -> LintReport {
        lint(bytes: bytes, name: name, cwd: options.workingDirectory ?? FileManager.default.currentDirectoryPath)
    }

    /// Lints raw file bytes: the loader walk, then the checks on the result, then the filters.
    func lint(bytes: [UInt8], name: String, cwd: String, appending: String? = nil) -> LintReport {
        let loader = ConfigLoader(table: table, options: options, cwd: cwd)
        var content = ConfigLoader.fgetsConcat(bytes)
        // config.c loadServerConfig: `config = sdscat(config, "\n"); config = sdscat(config, options)`.
        if let appending { content += [0x0a] + Array(appending.utf8).prefix { $0 != 0 } }
        loader.load(contents: [(name, content)], includeStack: [ConfigLoader.resolve(name, cwd: cwd)])
        loader.finish(topFile: name)
        var diagnostics = loader.diagnostics
        diagnostics += ConfigChecks(config: loader.config, options: options, file: name, host: hostFacts()).run()
        return LintReport(diagnostics: ConfigLinter.ordered(filter(diagnostics, disables: loader.disables)), config: loader.config)
    }

    /// File order (files in the order they were first mentioned), then line and column; findings
    /// about a file as a whole come after its lines. Stable, so equal positions keep their order.
    static func ordered(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var fileRank: [String: Int] = [:]
        for d in diagnostics { if let f = d.location?.file, fileRank[f] == nil { fileRank[f] = fileRank.count } }
        return diagnostics.enumerated().sorted { a, b in
            func key(_ d: Diagnostic) -> (Int, Int, Int) {
                (d.location.flatMap { fileRank[$0.file] } ?? Int.max, d.location?.line ?? Int.max, d.location?.column ?? 0)
            }
            let (ka, kb) = (key(a.element), key(b.element))
            return ka != kb ? ka < kb : a.offset < b.offset
        }.map(\.element)
    }

    /// Lints a running server's `CONFIG GET *` (name → value); `complete` false when the values
    /// come from INFO (CONFIG renamed away), so that absent parameters count as unknown.
    public func lint(running values: [String: String], isLocal: Bool, complete: Bool = true) -> LintReport {
        let config = ConfigLinter.effective(running: values, table: table, complete: complete)
        var checks = options
        checks.hostChecks = options.hostChecks && isLocal
        let diagnostics = ConfigChecks(config: config, options: checks, file: nil, host: checks.hostChecks ? hostFacts() : nil).run()
        return LintReport(diagnostics: filter(diagnostics, disables: [:]), config: config)
    }

    /// Builds the configuration a server reports: CONFIG GET's pairs, or INFO's fields when
    /// CONFIG is unavailable (`complete` false: absent means unknown).
    public static func effective(running values: [String: String], table: VersionTable, complete: Bool) -> EffectiveConfig {
        var config = EffectiveConfig(table: table, complete: complete)
        for (rawName, value) in values {
            let name = rawName.lowercased()
            guard let spec = table.spec(name), spec.name == name else { continue }
            if name == "save" {
                let nums = value.split(separator: " ").compactMap { Int64($0) }
                config.saveParams = stride(from: 0, to: nums.count - 1, by: 2).map { (nums[$0], nums[$0 + 1]) }
                continue
            }
            let args = spec.flags.contains(.multiArg) ? value.split(separator: " ").map(String.init) : [value]
            config.settings[name] = EffectiveConfig.Setting(name: name, args: args, location: nil, spelled: name)
        }
        if !(values["requirepass"] ?? "").isEmpty { config.userWithPassword = true }
        return config
    }

    /// The INFO fields that mirror config parameters, for a server whose CONFIG is renamed away.
    public static func configFromInfo(_ info: [String: String]) -> [String: String] {
        var values: [String: String] = [:]
        if let v = info["maxmemory"] { values["maxmemory"] = v }
        if let v = info["maxmemory_policy"] { values["maxmemory-policy"] = v }
        if let v = info["aof_enabled"] { values["appendonly"] = v == "1" ? "yes" : "no" }
        if let v = info["configured_hz"] ?? info["hz"] { values["hz"] = v }
        return values
    }

    /// Compares a file's configuration with a running server's `CONFIG GET *`: every directive
    /// whose running value is not what the file (or the default, when the file is silent) gives.
    public func drift(file: LintReport, running values: [String: String], fileName: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let fileConfig = file.config
        for spec in table.directives.sorted(by: { $0.name < $1.name }) {
            guard let running = values[spec.name] else { continue }
            if spec.flags.contains(.hidden) || ["dir", "bind", "client-output-buffer-limit", "oom-score-adj-values", "unixsocket", "logfile", "pidfile", "latency-tracking-info-percentiles", "notify-keyspace-events", "replicaof"].contains(spec.name) { continue }
            let expected: String?
            if spec.name == "save" {
                expected = fileConfig.effectiveSave.map { $0.map { "\($0.seconds) \($0.changes)" }.joined(separator: " ") }
            } else if spec.kind == .special {
                continue
            } else if !fileConfig.isSet(spec.name) && spec.defaultValue == nil && spec.kind != .string && spec.kind != .sds {
                continue
            } else {
                expected = ConfigLinter.render(spec, fileConfig.value(spec.name) ?? "", hzClamp: spec.name == "hz")
            }
            guard let expected else { continue }
            let normalizedRunning = spec.kind.isNumeric ? running : (spec.kind == .bool || spec.kind == .enumeration ? running.lowercased() : running)
            if expected == normalizedRunning { continue }
            let where_ = fileConfig.isSet(spec.name) ? "the file sets" : "the file leaves the default"
            let message: String
            if spec.flags.contains(.sensitive) {
                message = "\(spec.name) differs between the running server and \(fileName) (value hidden); it is lost at restart unless saved with CONFIG REWRITE"
            } else {
                message = "\(spec.name) is '\(running)' on the running server but \(where_) '\(expected)'; a restart would change it (CONFIG REWRITE saves the running value)"
            }
            out.append(Diagnostic(.drift, severity: .warning, message: message,
                                  location: fileConfig.location(spec.name) ?? SourceLocation(file: fileName, line: nil), key: spec.name))
        }
        return filter(out, disables: [:])
    }

    /// A value as CONFIG GET prints it (`numericConfigGet`, `boolConfigGet`, …).
    static func render(_ spec: DirectiveSpec, _ value: String, hzClamp: Bool) -> String {
        switch spec.kind {
        case .bool, .enumeration: return value.lowercased()
        case .string, .sds, .special: return value
        default:
            guard case .success(var n) = ConfigValidator.parseNumeric(spec, Array(value.utf8)) else { return value }
            if hzClamp { n = min(max(n, 1), 500) }
            if spec.isPercent && n < 0 { return "\(-n)%" }
            if spec.isMemory { return String(UInt64(bitPattern: n)) }
            if spec.isOctal { return String(n, radix: 8) }
            return String(n)
        }
    }

    /// The host's facts when host checks are on: the given ones, else this machine's.
    private func hostFacts() -> HostFacts? {
        guard options.hostChecks else { return nil }
        return options.host ?? HostFacts.current()
    }

    /// Drops findings of disabled rules, of off-by-default rules not enabled, and those silenced by `# memops disable=` on the line before.
    private func filter(_ diagnostics: [Diagnostic], disables: [ConfigLoader.LineKey: Set<String>]) -> [Diagnostic] {
        diagnostics.filter { d in
            if options.disabled.contains(d.rule) { return false }
            if ConfigLintRules.offByDefault.contains(d.rule) && !options.enabled.contains(d.rule) { return false }
            if let loc = d.location, let line = loc.line, let off = disables[ConfigLoader.LineKey(file: loc.file, line: line)],
                off.contains(d.rule) || off.contains("all")
            {
                return false
            }
            return true
        }
    }
}
