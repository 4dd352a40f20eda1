import Foundation

/// A value redis rejects: the rule, redis's reason, and the column to point at.
public struct ValueFailure: Error, Sendable, Equatable {
    public var rule: ConfigRule
    public var message: String
    public var column: Int?
}

/// Checks one directive's arguments exactly as the `set` functions of config.c do. Pure: the
/// save/dir/include side effects belong to the loader.
public enum ConfigValidator {
    /// `numericParseString` then `numericBoundaryCheck` (config.c): memory first, then percent,
    /// then octal, then a plain `string2ll` only for configs without number flags.
    public static func parseNumeric(_ spec: DirectiveSpec, _ arg: [UInt8], column: Int? = nil) -> Result<Int64, ValueFailure> {
        var parsed: Int64?
        if spec.isMemory, let v = ConfigSyntax.memtoull(arg) {
            parsed = Int64(bitPattern: v)
        }
        if parsed == nil, spec.isPercent, arg.count > 1, arg.last == 0x25,
            let v = ConfigSyntax.string2ll(Array(arg.dropLast())), v >= 0
        {
            parsed = -v  // config.c stores a percentage as a negative number
        }
        if parsed == nil, spec.isOctal, let v = ConfigSyntax.strtollConsumedAll(arg, base: 8) {
            parsed = v
        }
        if parsed == nil, spec.number == 0, let v = ConfigSyntax.string2ll(arg) {
            parsed = v
        }
        let shown = String(decoding: arg, as: UTF8.self)
        guard let ll = parsed else {
            if spec.isMemory && spec.isPercent {
                return .failure(ValueFailure(rule: .badMemory, message: "\(spec.name) '\(shown)' is not a memory or percent value (e.g. 100mb or 20%)", column: column))
            } else if spec.isMemory {
                return .failure(ValueFailure(rule: .badMemory, message: "\(spec.name) '\(shown)' is not a memory value: digits and an optional unit b, k, kb, m, mb, g, gb (no decimals, no tb)", column: column))
            } else if spec.isOctal {
                return .failure(ValueFailure(rule: .badNumber, message: "\(spec.name) '\(shown)' is not an octal number", column: column))
            }
            return .failure(ValueFailure(rule: .badNumber, message: "\(spec.name) '\(shown)' is not an integer (no '+', leading zeros, units or decimals)", column: column))
        }
        if spec.unsignedBounds {
            let u = UInt64(bitPattern: ll), lo = UInt64(bitPattern: spec.lower), hi = UInt64(bitPattern: spec.upper)
            if u > hi || u < lo {
                let range = spec.isOctal ? "\(String(lo, radix: 8)) and \(String(hi, radix: 8))" : "\(lo) and \(hi)"
                return .failure(ValueFailure(rule: .outOfRange, message: "\(spec.name) '\(shown)' is out of range: it must be between \(range) inclusive", column: column))
            }
        } else if spec.isPercent && ll < 0 {
            if ll < spec.lower {
                return .failure(ValueFailure(rule: .outOfRange, message: "\(spec.name) '\(shown)': a percentage must be at most \(-spec.lower)%", column: column))
            }
        } else if ll > spec.upper || ll < spec.lower {
            return .failure(ValueFailure(rule: .outOfRange, message: "\(spec.name) '\(shown)' is out of range: it must be between \(spec.lower) and \(spec.upper) inclusive", column: column))
        }
        return .success(ll)
    }

    /// Validates a standard (non-special) directive; `args` excludes the name.
    static func validateStandard(_ spec: DirectiveSpec, _ args: [ConfigToken]) -> ValueFailure? {
        let first = args.first
        let column = first?.column
        switch spec.kind {
        case .bool:
            let v = first?.lowered ?? ""
            if v != "yes" && v != "no" {
                return ValueFailure(rule: .badBoolean, message: "\(spec.name) takes yes or no, not '\(first?.text ?? "")'", column: column)
            }
        case .enumeration:
            // configEnumGetValue: one value, or several for MULTI_ARG (bit flags) enums.
            let multi = spec.flags.contains(.multiArg)
            if args.isEmpty || (!multi && args.count != 1) || args.contains(where: { !spec.values.contains($0.lowered) }) {
                let bad = args.first { !spec.values.contains($0.lowered) }
                return ValueFailure(rule: .badEnum, message: "\(spec.name) '\(args.map(\.text).joined(separator: " "))' must be one of: \(spec.values.joined(separator: ", "))", column: bad?.column ?? column)
            }
            if spec.check == "isValidShutdownOnSigFlags" {
                let set = Set(args.map(\.lowered))
                if set.contains("save") && set.contains("nosave") {
                    return ValueFailure(rule: .invalidValue, message: "\(spec.name): save and nosave cannot be used together", column: column)
                }
            }
        case .string, .sds:
            let v = first?.bytes ?? []
            switch spec.check {
            case "isValidDBfilename":
                if v.contains(0x2f) || v.contains(0x5c) {
                    return ValueFailure(rule: .pathForFileName, message: "dbfilename '\(first?.text ?? "")' can't be a path, just a file name; put the directory in `dir`", column: column)
                }
            case "isValidAOFfilename", "isValidAOFdirname":
                if v.isEmpty {
                    return ValueFailure(rule: .pathForFileName, message: "\(spec.name) can't be empty", column: column)
                }
                if v.contains(0x2f) || v.contains(0x5c) {
                    return ValueFailure(rule: .pathForFileName, message: "\(spec.name) '\(first?.text ?? "")' can't be a path, just a name; the directory comes from `dir`", column: column)
                }
            case "isValidAnnouncedHostname":
                let ok = v.count < 256 && v.allSatisfy { ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || ConfigSyntax.isDigit($0) || $0 == 0x2d || $0 == 0x2e }
                if !ok {
                    return ValueFailure(rule: .invalidValue, message: "\(spec.name) must be under 256 characters of letters, digits, '-' and '.'", column: column)
                }
            case "isValidProcTitleTemplate":
                if !validProcTitleTemplate(first?.text ?? "") {
                    return ValueFailure(rule: .invalidValue, message: "proc-title-template is invalid or uses unknown variables", column: column)
                }
            default: break
            }
        case .special:
            return nil
        default:
            if case .failure(let f) = parseNumeric(spec, first?.bytes ?? [], column: column) { return f }
        }
        return nil
    }

    /// server.c `validateProcTitleTemplate`: `{var}` from a fixed set (`{{`, `}}` escape braces),
    /// and not blank once expanded with an empty title.
    static func validProcTitleTemplate(_ t: String) -> Bool {
        let known: Set<String> = ["title", "listen-addr", "server-mode", "port", "tls-port", "unixsocket", "config-file"]
        var out = ""
        var chars = Array(t)[...]
        while let c = chars.popFirst() {
            if c == "{" {
                if chars.first == "{" { chars.removeFirst(); out.append("{"); continue }
                guard let close = chars.firstIndex(of: "}") else { return false }
                let name = String(chars[..<close])
                guard known.contains(name) else { return false }
                if name != "title" { out += "x" }
                chars = chars[(close + 1)...]
            } else if c == "}" {
                guard chars.first == "}" else { return false }
                chars.removeFirst()
                out.append("}")
            } else {
                out.append(c)
            }
        }
        return !out.trimmingCharacters(in: [" "]).isEmpty
    }

    /// The special directives of config.c (`setConfig…Option`), except `dir` and `save`'s state,
    /// which the loader applies.
    static func validateSpecial(_ name: String, _ args: [ConfigToken], table _: VersionTable) -> ValueFailure? {
        let column = args.first?.column
        switch name {
        case "save":
            var a = args
            if a.count == 1 && a[0].bytes.isEmpty { a = [] }
            if a.count % 2 == 1 {
                return ValueFailure(rule: .badSave, message: "save takes pairs of <seconds> <changes>; got \(a.count) argument\(a.count == 1 ? "" : "s")", column: column)
            }
            for (j, t) in a.enumerated() {
                let r = ConfigSyntax.strtoll(t.bytes)
                if !r.complete || (j % 2 == 0 && r.value < 1) || (j % 2 == 1 && r.value < 0) {
                    return ValueFailure(rule: .badSave, message: "save '\(t.text)' is not a valid \(j % 2 == 0 ? "number of seconds (≥ 1)" : "number of changes (≥ 0)")", column: t.column)
                }
            }
        case "client-output-buffer-limit":
            if args.count % 4 != 0 {
                return ValueFailure(rule: .invalidValue, message: "client-output-buffer-limit takes groups of <class> <hard> <soft> <seconds>", column: column)
            }
            for j in stride(from: 0, to: args.count, by: 4) {
                let cls = args[j].lowered
                if !["normal", "slave", "replica", "pubsub"].contains(cls) {
                    return ValueFailure(rule: .invalidValue, message: "client-output-buffer-limit class '\(args[j].text)' must be normal, replica or pubsub", column: args[j].column)
                }
                let secs = ConfigSyntax.strtoll(args[j + 3].bytes)
                // soft_seconds is an int in config.c: the long long is truncated before the check.
                let truncated = Int32(truncatingIfNeeded: secs.value)
                if ConfigSyntax.memtoull(args[j + 1].bytes) == nil || ConfigSyntax.memtoull(args[j + 2].bytes) == nil || truncated < 0 || !secs.complete {
                    return ValueFailure(rule: .invalidValue, message: "client-output-buffer-limit \(args[j].text): bad hard, soft or seconds value", column: args[j + 1].column)
                }
            }
        case "oom-score-adj-values":
            if args.count != 3 {
                return ValueFailure(rule: .argumentCount, message: "oom-score-adj-values takes 3 values (master, replica, background child)", column: column)
            }
            for t in args {
                let r = ConfigSyntax.strtoll(t.bytes)
                if !r.complete || r.value < -2000 || r.value > 2000 {
                    return ValueFailure(rule: .invalidValue, message: "oom-score-adj-values '\(t.text)' must be an integer from -2000 to 2000", column: t.column)
                }
            }
        case "notify-keyspace-events":
            if args.count != 1 { return ValueFailure(rule: .argumentCount, message: "notify-keyspace-events takes one argument", column: column) }
            let allowed = Set("Ag$lshzxeKEtmdn".utf8)
            if let bad = args[0].bytes.first(where: { !allowed.contains($0) }) {
                return ValueFailure(rule: .invalidValue, message: "notify-keyspace-events: invalid event class '\(String(decoding: [bad], as: UTF8.self))'; use the letters of Ag$lshzxeKEtmdn", column: column)
            }
        case "bind":
            if args.count > 16 {
                return ValueFailure(rule: .invalidValue, message: "bind takes at most 16 addresses, not \(args.count)", column: column)
            }
        case "replicaof":
            if args.count != 2 { return ValueFailure(rule: .argumentCount, message: "replicaof takes <host> <port> or `no one`", column: column) }
            if args[0].lowered == "no" && args[1].lowered == "one" { return nil }
            let r = ConfigSyntax.strtoll(args[1].bytes)
            if !r.complete || r.overflow || r.value < 0 || r.value > 65535 {
                return ValueFailure(rule: .invalidValue, message: "replicaof port '\(args[1].text)' must be from 0 to 65535", column: args[1].column)
            }
        case "latency-tracking-info-percentiles":
            if args.count == 1 && args[0].bytes.isEmpty { return nil }
            for t in args {
                // util.c string2d: strtod over the whole string, no leading space, no NaN.
                let s = t.text
                guard let d = Double(s), !d.isNaN, !s.isEmpty, !ConfigSyntax.isSpace(t.bytes[0]), d.isFinite else {
                    return ValueFailure(rule: .invalidValue, message: "latency-tracking-info-percentiles '\(t.text)' is not a number", column: t.column)
                }
                if d < 0 || d > 100 {
                    return ValueFailure(rule: .invalidValue, message: "latency-tracking-info-percentiles '\(t.text)' must be between 0 and 100", column: t.column)
                }
            }
        case "unixsocketperm":  // 6.2 parses it by hand
            let r = ConfigSyntax.strtoll(args.first?.bytes ?? [], base: 8)
            if args.count != 1 || !r.complete || r.value < 0 || r.value > 0o777 {
                return ValueFailure(rule: .invalidValue, message: "unixsocketperm must be an octal mode from 0 to 777", column: column)
            }
        case "dir", "logfile", "cluster-config-file":
            if args.count != 1 { return ValueFailure(rule: .argumentCount, message: "\(name) takes one argument", column: column) }
        default:
            break
        }
        return nil
    }

    /// ACL rules of a `user` line as acl.c `ACLSetUser`/`ACLSetSelector` check them: the rule
    /// words, hashed passwords of 64 lowercase hex digits, known commands and categories, no
    /// key pattern after `allkeys`/`~*` and no channel pattern after `allchannels`/`&*`
    /// (EEXIST/EISDIR in acl.c). Returns the first bad rule and why.
    static func validateUserRules(_ rules: [ConfigToken], commands: Set<String>) -> (ConfigToken, String)? {
        var allKeys = false, allChannels = false
        for rule in rules {
            let s = rule.lowered
            if rule.bytes.first == UInt8(ascii: "("), rule.bytes.last == UInt8(ascii: ")") {
                // A selector: its rules are checked on their own selector.
                let inner = Array(rule.bytes.dropFirst().dropLast())
                if case .success(let parts) = ConfigSyntax.splitArgs(inner),
                    let bad = validateUserRules(parts.map { ConfigToken(bytes: $0.bytes, column: rule.column, quoted: false) }, commands: commands)
                {
                    return (rule, bad.1)
                }
                continue
            }
            switch s {
            case "allkeys", "~*":
                allKeys = true
                continue
            case "resetkeys":
                allKeys = false
                continue
            case "allchannels", "&*":
                allChannels = true
                continue
            case "resetchannels":
                allChannels = false
                continue
            case "reset":
                allKeys = false
                allChannels = false
                continue
            default: break
            }
            if let problem = validateUserRule(rule, commands: commands) { return (rule, problem) }
            if (s.hasPrefix("~") || s.hasPrefix("%")) && allKeys {
                return (rule, "adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect")
            }
            if s.hasPrefix("&") && allChannels {
                return (rule, "adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect")
            }
        }
        return nil
    }

    /// One ACL rule word (acl.c `ACLSetUser`), without cross-rule state.
    static func validateUserRule(_ rule: ConfigToken, commands: Set<String>) -> String? {
        let s = rule.lowered
        let words: Set<String> = ["on", "off", "skip-sanitize-payload", "sanitize-payload", "allkeys", "resetkeys", "allchannels",
                                  "resetchannels", "allcommands", "nocommands", "nopass", "resetpass", "reset", "clearselectors"]
        if words.contains(s) { return nil }
        guard let first = rule.bytes.first else { return "Syntax error" }
        switch first {
        case UInt8(ascii: "~"), UInt8(ascii: "&"):
            return rule.bytes.contains(where: ConfigSyntax.isSpace) ? "patterns cannot contain spaces" : nil
        case UInt8(ascii: ">"), UInt8(ascii: "<"):
            return nil
        case UInt8(ascii: "%"):
            let rest = s.utf8.dropFirst()
            guard let tilde = rest.firstIndex(of: UInt8(ascii: "~")),
                rest[rest.startIndex..<tilde].allSatisfy({ $0 == UInt8(ascii: "r") || $0 == UInt8(ascii: "w") })
            else { return "Syntax error" }
            return nil
        case UInt8(ascii: "#"), UInt8(ascii: "!"):
            let hex = rule.bytes.dropFirst()
            if hex.count != 64 || !hex.allSatisfy({ ConfigSyntax.isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) }) {
                return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
            }
            return nil
        case UInt8(ascii: "("):
            return "Unmatched parenthesis in acl selector starting at '('"
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let name = String(s.dropFirst())
            if name.hasPrefix("@") {
                let categories: Set<String> = ["all", "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
                                               "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
                                               "dangerous", "connection", "transaction", "scripting"]
                return categories.contains(String(name.dropFirst())) ? nil : "Unknown command or category name in ACL"
            }
            let command = name.split(separator: "|", maxSplits: 1).first.map(String.init) ?? name
            if commands.isEmpty || commands.contains(command) { return nil }
            return "Unknown command or category name in ACL"
        default:
            return "Syntax error"
        }
    }
}
