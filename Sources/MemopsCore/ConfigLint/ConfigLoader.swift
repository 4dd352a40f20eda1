import Foundation

/// Walks a configuration the way config.c `loadServerConfigFromString` does — line by line,
/// includes in place, side effects (`dir`, `save`, `rename-command`) in order — collecting
/// every fatal problem instead of stopping at the first.
final class ConfigLoader {
    /// A line of a file, for inline `# memops disable=` comments.
    struct LineKey: Hashable {
        var file: String
        var line: Int
    }

    let table: VersionTable
    let options: ConfigLintOptions
    /// The directory relative paths resolve against; `dir` lines change it, as chdir does.
    var cwd: String
    var diagnostics: [Diagnostic] = []
    var disables: [LineKey: Set<String>] = [:]
    var config: EffectiveConfig
    private var commands: Set<String>
    private var lastSeen: [String: SourceLocation] = [:]
    private var moduleDirectives: [(name: String, at: SourceLocation)] = []
    private var saveLoaded = false
    private var emptySaveAt: SourceLocation?
    private var savePointsAt: SourceLocation?

    init(table: VersionTable, options: ConfigLintOptions, cwd: String) {
        self.table = table
        self.options = options
        self.cwd = cwd
        self.config = EffectiveConfig(table: table, complete: true)
        self.commands = Set(table.commands)
    }

    // MARK: Reading

    /// What `loadServerConfig` keeps of a file: it reads with fgets (1024-byte chunks) and appends
    /// with sdscat, which stops at a NUL byte, so a NUL drops the rest of its chunk.
    static func fgetsConcat(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            var j = i
            while j < bytes.count && j - i < 1024 {
                j += 1
                if bytes[j - 1] == 0x0a { break }
            }
            out.append(contentsOf: bytes[i..<j].prefix { $0 != 0 })
            i = j
        }
        return out
    }

    /// A path as fopen/chdir would see it from `cwd`.
    static func resolve(_ path: String, cwd: String) -> String {
        let full = path.hasPrefix("/") ? path : (cwd.hasSuffix("/") ? cwd + path : cwd + "/" + path)
        return (full as NSString).standardizingPath
    }

    /// Processes files concatenated in order (a glob include reads all its matches into one
    /// string before parsing, so a file without a final newline runs into the next).
    func load(contents: [(name: String, bytes: [UInt8])], includeStack: [String]) {
        var all: [UInt8] = []
        var starts: [(offset: Int, name: String)] = []
        for c in contents {
            starts.append((all.count, c.name))
            all.append(contentsOf: c.bytes)
        }
        guard !starts.isEmpty else { return }
        var fileIndex = 0
        var lineNo = 0
        var lineStart = 0
        var pendingDisable: Set<String>?
        while lineStart <= all.count {
            let lineEnd = all[lineStart...].firstIndex(of: 0x0a) ?? all.count
            if fileIndex + 1 < starts.count && starts[fileIndex + 1].offset <= lineStart {
                while fileIndex + 1 < starts.count && starts[fileIndex + 1].offset <= lineStart { fileIndex += 1 }
                lineNo = 1 + all[starts[fileIndex].offset..<lineStart].filter { $0 == 0x0a }.count
            } else {
                lineNo += 1
            }
            let file = starts[fileIndex].name
            if lineStart == all.count && lineStart > 0 { break }  // no line after a final newline
            let raw = all[lineStart..<lineEnd]
            lineStart = lineEnd + 1

            // sdstrim(line, " \t\r\n")
            func trimmed(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a }
            var lo = raw.startIndex, hi = raw.endIndex
            while lo < hi && trimmed(raw[lo]) { lo += 1 }
            while hi > lo && trimmed(raw[hi - 1]) { hi -= 1 }
            let line = Array(raw[lo..<hi])
            let lead = lo - raw.startIndex
            if let rules = pendingDisable {
                disables[LineKey(file: file, line: lineNo), default: []].formUnion(rules)
                pendingDisable = nil
            }
            if line.isEmpty { continue }
            if line[0] == UInt8(ascii: "#") {
                pendingDisable = ConfigLoader.disableComment(line)
                continue
            }
            switch ConfigSyntax.splitArgs(line, columnBase: lead) {
            case .failure(let f):
                let what: String
                switch f {
                case .unterminated: what = "a quote opened here is never closed"
                case .closingQuoteNotFollowedBySpace: what = "a closing quote must be followed by a space or the end of the line"
                }
                report(.unbalancedQuotes, "unbalanced quotes: \(what); redis-server refuses the line", file, lineNo, f.column)
            case .success(let tokens):
                if tokens.isEmpty { continue }
                handle(tokens, file: file, line: lineNo, includeStack: includeStack)
            }
        }
    }

    /// `# memops disable=RC201,RC202` → the rule ids (upper-cased).
    static func disableComment(_ line: [UInt8]) -> Set<String>? {
        let text = String(decoding: line.dropFirst(), as: UTF8.self).trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("memops disable=") else { return nil }
        let list = text.dropFirst("memops disable=".count).split(whereSeparator: { $0 == "," || $0 == " " })
        return Set(list.map { $0.uppercased() == "ALL" ? "all" : $0.uppercased() })
    }

    /// Records a finding with the rule's default severity unless one is given.
    private func report(_ rule: ConfigRule, _ message: String, _ file: String, _ line: Int, _ column: Int?, severity: Severity? = nil, key: String? = nil) {
        diagnostics.append(Diagnostic(rule, severity: severity, message: message,
                                      location: SourceLocation(file: file, line: line, column: column), key: key))
    }

    // MARK: Directives

    /// One directive line, in the order config.c tries them: the config table, deprecated names, include, rename-command, user, loadmodule, module options, sentinel, else unknown.
    private func handle(_ tokens: [ConfigToken], file: String, line: Int, includeStack: [String]) {
        let name = tokens[0].lowered
        let args = Array(tokens.dropFirst())
        let at = SourceLocation(file: file, line: line, column: tokens[0].column)
        let inlineComment = args.first { !$0.quoted && $0.bytes.first == UInt8(ascii: "#") }

        if table.version == "6.2", let spec = table.spec(name), spec.kind == .special {
            if let hash = inlineComment {
                report(.inlineComment, "inline comment: redis reads '\(hash.text) …' as arguments of \(spec.name); put the comment on its own line", file, line, hash.column, key: spec.name)
                return
            }
            handleSixTwo(spec, spelled: name, args: args, at: at)
            return
        }
        if let spec = table.spec(name) {
            if let hash = inlineComment {
                report(.inlineComment, "inline comment: redis reads '\(args.drop(while: { $0 != hash }).map(\.text).joined(separator: " "))' as arguments of \(spec.name); put the comment on its own line", file, line, hash.column, key: spec.name)
                return
            }
            if spec.alias == name && spec.name != name {
                report(.oldName, "\(name) is the old name of \(spec.name); use \(spec.name)", file, line, at.column, key: spec.name)
            }
            let multi = spec.flags.contains(.multiArg)
            if !multi && args.count != 1 {
                let hint = args.count > 1 ? "; quote a value that contains spaces" : ""
                report(.argumentCount, "\(spec.name) takes exactly one argument, not \(args.count)\(hint)", file, line, (args.dropFirst().first ?? tokens[0]).column, key: spec.name)
                return
            }
            var values = args
            // config.c: a MULTI_ARG directive with one non-empty argument splits it again, so
            // `save "900 1"` works; an unsplittable argument leaves no arguments.
            if multi && args.count == 1 && !args[0].bytes.isEmpty {
                switch ConfigSyntax.splitArgs(args[0].bytes) {
                case .success(let t): values = t.map { ConfigToken(bytes: $0.bytes, column: args[0].column, quoted: $0.quoted) }
                case .failure: values = []
                }
            }
            let failure = spec.kind == .special
                ? ConfigValidator.validateSpecial(spec.name, values, table: table)
                : ConfigValidator.validateStandard(spec, values)
            if let f = failure {
                report(f.rule, f.message, file, line, f.column ?? at.column, key: spec.name)
                return
            }
            apply(spec, values, at: at, spelled: name)
            return
        }
        if table.ignored.contains(name) && tokens.count == 2 {
            let instead = name.hasPrefix("list-max-ziplist") ? "; lists use list-max-listpack-size" : ""
            report(.ignored, "\(name) is ignored by \(table.displayName): it does nothing\(instead)", file, line, at.column, key: name)
            return
        }
        if let hash = inlineComment, ["include", "rename-command", "sentinel"].contains(name) {
            report(.inlineComment, "inline comment: redis reads '\(hash.text) …' as arguments of \(name); put the comment on its own line", file, line, hash.column)
            return
        }
        if name == "include" && tokens.count == 2 {
            include(args[0], at: at, includeStack: includeStack)
        } else if name == "rename-command" && tokens.count == 3 {
            renameCommand(args[0], args[1], at: at)
        } else if name == "user" && tokens.count >= 2 {
            user(args, at: at)
        } else if name == "loadmodule" && tokens.count >= 2 {
            let path = ConfigLoader.resolve(args[0].text, cwd: cwd)
            config.loadedModules.append(args[0].text)
            if options.hostChecks && !FileManager.default.fileExists(atPath: path) {
                report(.moduleConfig, "loadmodule \(args[0].text): no such file; redis-server aborts at start (\"Module … failed to load\")", file, line, args[0].column)
            }
        } else if name.contains(".") {
            if tokens.count < 2 {
                report(.moduleConfig, "module configuration \(name) has no value", file, line, at.column)
            } else {
                moduleDirectives.append((name, at))
            }
        } else if name == "sentinel" {
            if tokens.count != 1 {
                report(.sentinelDirective, "sentinel directives are accepted only by redis-sentinel; redis-server stops (\"sentinel directive while not in sentinel mode\")", file, line, at.column)
            }
        } else {
            unknown(name, tokens: tokens, at: at)
        }
    }

    /// Redis 6.2 parses these directives by hand in `loadServerConfigFromString` (6.2.16
    /// src/config.c), with fixed argument counts and looser number parsing (atoi, strtol).
    private func handleSixTwo(_ spec: DirectiveSpec, spelled: String, args: [ConfigToken], at: SourceLocation) {
        let file = at.file, line = at.line ?? 0
        func badArity(_ what: String) {
            report(.argumentCount, "\(spec.name) takes \(what) in Redis 6.2, not \(args.count) argument\(args.count == 1 ? "" : "s")", file, line, at.column, key: spec.name)
        }
        func atoi(_ t: ConfigToken) -> Int64 { Int64(Int32(truncatingIfNeeded: ConfigSyntax.strtoll(t.bytes).value)) }
        switch spec.name {
        case "save":
            // No argument-count condition on this branch: other counts are silently ignored,
            // after the first save line has already dropped the default save points.
            if !saveLoaded {
                saveLoaded = true
                config.saveParams = []
            }
            config.saveLocation = at
            if args.count == 3 {
                let (secs, changes) = (atoi(args[1]), atoi(args[2]))
                if secs < 1 || changes < 0 {
                    report(.badSave, "save \(args[1].text) \(args[2].text): seconds must be ≥ 1 and changes ≥ 0", file, line, args[1].column, key: "save")
                    return
                }
                config.saveParams?.append((secs, changes))
                savePointsAt = savePointsAt ?? at
            } else if args.count == 1 && args[0].bytes.isEmpty {
                config.saveParams = []
                emptySaveAt = emptySaveAt ?? at
            } else {
                report(.badSave, "Redis 6.2 ignores a save line with \(args.count) arguments (one pair per line), and the defaults are already gone: this line disables nothing and saves nothing", file, line, at.column, severity: .warning, key: "save")
            }
            return
        case "bind":
            if args.isEmpty { return badArity("at least one address") }
            if args.count > 16 { return report(.invalidValue, "bind takes at most 16 addresses, not \(args.count)", file, line, at.column, key: "bind") }
        case "unixsocketperm":
            if args.count != 1 { return badArity("one octal mode") }
            let r = ConfigSyntax.strtoll(args[0].bytes, base: 8)
            if r.overflow || r.value > 0o777 || r.value < 0 {
                return report(.invalidValue, "unixsocketperm \(args[0].text) is not an octal mode up to 777", file, line, args[0].column, key: spec.name)
            }
        case "replicaof":
            if args.count != 2 { return badArity("<host> <port> or `no one`") }
            if !(args[0].lowered == "no" && args[1].lowered == "one") {
                let r = ConfigSyntax.strtoll(args[1].bytes)
                if !r.complete || r.overflow || r.value < 0 || r.value > 65535 {
                    return report(.invalidValue, "replicaof port '\(args[1].text)' must be from 0 to 65535", file, line, args[1].column, key: spec.name)
                }
            }
        case "client-output-buffer-limit":
            if args.count != 4 { return badArity("<class> <hard> <soft> <seconds>") }
            if !["normal", "slave", "replica", "pubsub"].contains(args[0].lowered) {
                return report(.invalidValue, "client-output-buffer-limit class '\(args[0].text)' must be normal, replica or pubsub", file, line, args[0].column, key: spec.name)
            }
            if atoi(args[3]) < 0 {
                return report(.invalidValue, "client-output-buffer-limit: negative soft seconds", file, line, args[3].column, key: spec.name)
            }
        case "oom-score-adj-values":
            if args.count != 3 { return badArity("3 values") }
            if let f = ConfigValidator.validateSpecial(spec.name, args, table: table) { return report(f.rule, f.message, file, line, f.column, key: spec.name) }
        case "dir", "logfile", "cluster-config-file", "notify-keyspace-events":
            if args.count != 1 { return badArity("one argument") }
            if spec.name == "notify-keyspace-events", let f = ConfigValidator.validateSpecial(spec.name, args, table: table) {
                return report(f.rule, f.message, file, line, f.column, key: spec.name)
            }
        default: break
        }
        apply(spec, args, at: at, spelled: spelled)
    }

    /// A name redis rejects ("Bad directive or wrong number of arguments"): a wrong arity, a directive of a newer or older release, or a typo.
    private func unknown(_ name: String, tokens: [ConfigToken], at: SourceLocation) {
        let file = at.file, line = at.line ?? 0
        let arity: [String: String] = ["include": "exactly one path", "rename-command": "exactly two names", "user": "a name and rules",
                                       "loadmodule": "a path and optional arguments"]
        if let what = arity[name] {
            report(.argumentCount, "\(name) takes \(what), not \(tokens.count - 1) argument\(tokens.count == 2 ? "" : "s")", file, line, at.column)
            return
        }
        if table.ignored.contains(name) {
            report(.argumentCount, "\(name) takes exactly one argument (and is ignored anyway)", file, line, at.column)
            return
        }
        let target = RedisConfigTables.majorMinor(table.version)
        if let first = RedisConfigTables.firstVersion(knowing: name, like: table.version), let v = RedisConfigTables.majorMinor(first.version), let target, v > target {
            report(.newerThanTarget, "\(name) needs \(first.displayName) or later; \(table.displayName) stops at it as an unknown directive", file, line, at.column, key: name)
            return
        }
        if let last = RedisConfigTables.lastVersion(knowing: name, like: table.version), let v = RedisConfigTables.majorMinor(last.version), let target, v < target {
            var message = "\(name) was removed after \(last.displayName); \(table.displayName) stops at it as an unknown directive"
            if let suggestion = suggest(name) { message += "; did you mean \(suggestion)?" }
            report(.unknownDirective, message, file, line, at.column, key: name)
            return
        }
        var message = "unknown directive '\(tokens[0].text)': \(table.displayName) stops here (Bad directive)"
        if tokens[0].bytes.starts(with: [0xef, 0xbb, 0xbf]) {
            message += "; the file starts with a UTF-8 byte-order mark, which redis reads as part of the name: save it without BOM"
        } else if let suggestion = suggest(name) {
            message += "; did you mean \(suggestion)?"
        }
        report(.unknownDirective, message, file, line, at.column, key: name)
    }

    /// The closest known name within a few edits ("maxmemroy" → maxmemory).
    private func suggest(_ name: String) -> String? {
        let candidates = table.allNames + ["include", "rename-command", "user", "loadmodule"]
        let limit = max(2, name.count / 4)
        let scored = candidates.filter { abs($0.utf8.count - name.utf8.count) <= limit }
            .map { ($0, ConfigSyntax.editDistance(name, $0, limit: limit)) }.filter { $0.1 <= limit }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
        if let spec = table.spec(best.0), spec.name != best.0 { return spec.name }
        return best.0
    }

    /// A valid directive takes effect: duplicates and decimal units are noted, `dir` and `save` have their side effects, the value is recorded (last one wins).
    private func apply(_ spec: DirectiveSpec, _ values: [ConfigToken], at: SourceLocation, spelled: String) {
        let file = at.file, line = at.line ?? 0
        if spec.name != "save" && spec.name != "client-output-buffer-limit" {
            if let previous = lastSeen[spec.name] {
                report(.duplicate, "\(spec.name) is set again (before at \(previous.file):\(previous.line ?? 0)); the last one wins", file, line, at.column, key: spec.name)
            }
            lastSeen[spec.name] = at
        }
        if spec.isMemory, let v = values.first {
            decimalUnit(v, name: spec.name, at: at)
        } else if spec.name == "client-output-buffer-limit" {
            for (j, v) in values.enumerated() where j % 4 == 1 || j % 4 == 2 { decimalUnit(v, name: spec.name, at: at) }
        }
        switch spec.name {
        case "activedefrag" where values.first?.lowered == "yes":
            report(.defragNeedsJemalloc, "activedefrag yes is refused by redis-server builds without redis's bundled jemalloc (Debian and Ubuntu packages)", file, line, at.column, key: spec.name)
        case "dir":
            let target = ConfigLoader.resolve(values[0].text, cwd: cwd)
            var isDir: ObjCBool = false
            if options.hostChecks && !(FileManager.default.fileExists(atPath: target, isDirectory: &isDir) && isDir.boolValue) {
                report(.missingPath, "dir \(values[0].text): no such directory; redis-server changes into it while reading the file and stops", file, line, values[0].column, key: "dir")
            } else {
                cwd = target
            }
        case "save":
            if values.count == 1 && values[0].bytes.isEmpty {
                config.saveParams = []
                emptySaveAt = emptySaveAt ?? at
            }
            // config.c: the first save line replaces the defaults, later ones append.
            if !saveLoaded {
                saveLoaded = true
                config.saveParams = []
            }
            let nums = values.filter { !$0.bytes.isEmpty }.map { ConfigSyntax.strtoll($0.bytes).value }
            for j in stride(from: 0, to: nums.count - 1, by: 2) { config.saveParams?.append((nums[j], nums[j + 1])) }
            if !nums.isEmpty { savePointsAt = savePointsAt ?? at }
            config.saveLocation = at
            return
        default: break
        }
        config.settings[spec.name] = EffectiveConfig.Setting(name: spec.name, args: values.map(\.text), location: at, spelled: spelled)
    }

    /// RC202 for a k/m/g memory value.
    private func decimalUnit(_ v: ConfigToken, name: String, at: SourceLocation) {
        let unit = ConfigSyntax.memoryUnit(v.bytes)
        guard ["k", "m", "g"].contains(unit), let bytes = ConfigSyntax.memtoull(v.bytes) else { return }
        let digits = String(decoding: v.bytes.prefix(while: ConfigSyntax.isDigit), as: UTF8.self)
        let binary = ConfigSyntax.memtoull(Array((digits + unit + "b").utf8)) ?? 0
        report(.decimalUnit, "\(name) \(v.text) is \(MemoryUnits.grouped(bytes)) bytes (k/m/g are powers of 1000); \(digits)\(unit)b would be \(MemoryUnits.grouped(binary))",
               at.file, at.line ?? 0, v.column, key: name)
    }

    /// config.c `loadServerConfig` for an include: a glob reads every match (none: skipped), a plain path must open; loops are reported instead of followed.
    private func include(_ arg: ConfigToken, at: SourceLocation, includeStack: [String]) {
        let pattern = arg.text
        let path = ConfigLoader.resolve(pattern, cwd: cwd)
        var files: [(display: String, resolved: String)] = []
        if pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) {
            // config.c: a glob that matches nothing is skipped silently.
            var g = glob_t()
            let globPattern = pattern.hasPrefix("/") ? pattern : path
            if glob(globPattern, 0, nil, &g) == 0 {
                for i in 0..<Int(g.gl_pathc) {
                    if let p = g.gl_pathv[i] { files.append((String(cString: p), String(cString: p))) }
                }
            }
            globfree(&g)
            if files.isEmpty { return }
        } else {
            files = [(pattern, path)]
        }
        var contents: [(name: String, bytes: [UInt8])] = []
        for f in files {
            if includeStack.contains(f.resolved) || includeStack.count > 32 {
                report(.missingInclude, "include \(f.display) loops back to a file already being read; redis-server would recurse until it crashes", at.file, at.line ?? 0, arg.column)
                return
            }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: f.resolved, isDirectory: &isDir), isDir.boolValue {
                // fopen(3) opens a directory and fgets then reads nothing: redis goes on.
                report(.missingInclude, "include \(f.display) is a directory: redis reads nothing from it (use \(f.display)/*.conf)", at.file, at.line ?? 0, arg.column, severity: .warning)
                continue
            }
            let data: [UInt8]
            do {
                data = try readSmallFile(f.resolved)
            } catch {
                let why = switch error {
                case .missing: "does not exist"
                case .unreadable(let reason): "cannot be read (\(reason))"
                case .tooLarge: "cannot be read: \(error.reason)"
                }
                let relative = pattern.hasPrefix("/") ? "" : " (relative paths are resolved from the directory redis-server runs in: \(cwd))"
                report(.missingInclude, "include \(f.display) \(why); redis-server stops at start\(relative)", at.file, at.line ?? 0, arg.column)
                return
            }
            contents.append((f.display, ConfigLoader.fgetsConcat(data)))
        }
        load(contents: contents, includeStack: includeStack + files.map(\.resolved))
    }

    /// rename-command against the command table as renamed so far (names compare case-insensitively, as the command dict does).
    private func renameCommand(_ from: ConfigToken, _ to: ConfigToken, at: SourceLocation) {
        let source = from.lowered, target = to.lowered
        if !table.commands.isEmpty && !commands.contains(source) {
            report(.badRenameCommand, "rename-command \(from.text): no such command in \(table.displayName) (or it was already renamed)", at.file, at.line ?? 0, from.column)
            return
        }
        commands.remove(source)
        if !target.isEmpty {
            if commands.contains(target) {
                report(.badRenameCommand, "rename-command \(from.text) \(to.text): a command named \(to.text) already exists", at.file, at.line ?? 0, to.column)
                return
            }
            commands.insert(target)
        }
        config.renamedCommands[source] = to.text
    }

    /// `user name rules…`: duplicate names and the ACL rules.
    private func user(_ args: [ConfigToken], at: SourceLocation) {
        // acl.c ACLMergeSelectorArguments: "(…)" selectors may span several arguments.
        var rules: [ConfigToken] = []
        var open: ConfigToken?
        for t in args.dropFirst() {
            if var o = open {
                o.bytes += [0x20] + t.bytes
                if t.bytes.last == UInt8(ascii: ")") { rules.append(o); open = nil } else { open = o }
            } else if t.bytes.first == UInt8(ascii: "("), t.bytes.last != UInt8(ascii: ")") {
                open = t
            } else {
                rules.append(t)
            }
        }
        if let o = open {
            report(.badUser, "user \(args[0].text): unmatched parenthesis in ACL selector '\(o.text)'", at.file, at.line ?? 0, o.column)
            return
        }
        // acl.c ACLAppendUserForLoading: a second `user` line for the same name is refused.
        if config.users.contains(args[0].text) {
            report(.badUser, "user \(args[0].text) is defined twice; redis-server refuses the second definition", at.file, at.line ?? 0, args[0].column)
            return
        }
        if let (r, problem) = ConfigValidator.validateUserRules(rules, commands: Set(table.commands)) {
            report(.badUser, "user \(args[0].text): ACL rule '\(r.text)': \(problem)", at.file, at.line ?? 0, r.column)
            return
        }
        config.users.append(args[0].text)
        let lowered = rules.map(\.lowered)
        if lowered.contains(where: { $0.hasPrefix(">") || $0.hasPrefix("#") }) && !lowered.contains("nopass") && !lowered.contains("off") {
            config.userWithPassword = true
        }
    }

    // MARK: After the file

    /// The checks redis makes once the whole file is read (config.c after the loop, server.c at
    /// start), and the cross-line warnings.
    func finish(topFile: String) {
        if config.loadedModules.isEmpty {
            for m in moduleDirectives {
                report(.moduleConfig, "\(m.name) configures a module but no loadmodule line loads one; redis-server aborts at start", m.at.file, m.at.line ?? 0, m.at.column, key: m.name)
            }
        }
        if let empty = emptySaveAt, let points = savePointsAt {
            report(.saveMixed, "save \"\" and save points are mixed (save points at \(points.file):\(points.line ?? 0)); \"\" clears only the points before it", empty.file, empty.line ?? 0, empty.column, key: "save")
        }
        if let hz = config.number("hz"), hz < 1 || hz > 500, let at = config.location("hz") {
            report(.hzClamped, "hz \(hz) is outside 1…500 and is clamped to \(hz < 1 ? 1 : 500)", at.file, at.line ?? 0, at.column, key: "hz")
        }
        if config.bool("cluster-enabled") == true, let r = config.settings["replicaof"], r.args.map({ $0.lowercased() }) != ["no", "one"] {
            let at = r.location
            report(.startupCheck, "replicaof is not allowed with cluster-enabled yes; redis-server stops (\"replicaof directive not allowed in cluster mode\")", at?.file ?? topFile, at?.line ?? 0, at?.column, key: "replicaof")
        }
        if config.number("port") == 0, (config.number("tls-port") ?? 0) == 0, (config.value("unixsocket") ?? "").isEmpty {
            let at = config.location("port")
            report(.startupCheck, "port 0 with no tls-port and no unixsocket: Redis listens nowhere and exits (\"Configured to not listen anywhere\")", at?.file ?? topFile, at?.line ?? 0, at?.column, key: "port")
        }
        if options.hostChecks, let logfile = config.settings["logfile"], let path = logfile.args.first, !path.isEmpty {
            let parent = (ConfigLoader.resolve(path, cwd: cwd) as NSString).deletingLastPathComponent
            var isDir: ObjCBool = false
            if !(FileManager.default.fileExists(atPath: parent, isDirectory: &isDir) && isDir.boolValue) {
                let at = logfile.location
                report(.missingPath, "logfile \(path): directory \(parent) does not exist; redis-server cannot open the log and stops", at?.file ?? topFile, at?.line ?? 0, at?.column, key: "logfile")
            }
        }
    }
}
