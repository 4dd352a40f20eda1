import Foundation

/// The rules about what a valid configuration means for this data: persistence (RC3xx), memory
/// (RC4xx), security (RC5xx) and the host (RC6xx). They read the effective configuration, so
/// they apply to a file and to a running server alike.
struct ConfigChecks {
    let config: EffectiveConfig
    let options: ConfigLintOptions
    /// The top-level file, for findings about a directive the file does not set.
    let file: String?
    let host: HostFacts?

    private var schema: SchemaFacts { options.schema }

    /// Every persistence, memory, security and host finding for this configuration.
    func run() -> [Diagnostic] {
        var out: [Diagnostic] = []
        persistence(&out)
        memory(&out)
        security(&out)
        hostKernel(&out)
        return out
    }

    /// A finding about `key`, placed where the directive was set, else on the file as a whole.
    private func finding(_ rule: ConfigRule, _ message: String, key: String) -> Diagnostic {
        let location = config.location(key) ?? (key == "save" ? config.saveLocation : nil) ?? file.map { SourceLocation(file: $0, line: nil) }
        return Diagnostic(rule, message: message, location: location, key: key)
    }

    private var durableNames: String {
        schema.durableWithoutTTL.map(\.pattern).joined(separator: ", ")
    }

    // MARK: Persistence

    /// RC3xx: whether the data survives a restart or a crash.
    private func persistence(_ out: inout [Diagnostic]) {
        let aof = config.bool("appendonly")
        let save = config.effectiveSave
        if aof == false, let save, save.isEmpty {
            out.append(finding(.noPersistence, "no persistence: save \"\" and appendonly no; a restart loses every key", key: "appendonly"))
        } else if aof == false, !schema.durableWithoutTTL.isEmpty {
            out.append(finding(.aofOffForDurableData, "appendonly is off while the schema keeps data that must survive (\(durableNames)); RDB alone loses every write since the last snapshot", key: "appendonly"))
        }
        if aof == true {
            switch config.value("appendfsync")?.lowercased() {
            case "always":
                out.append(finding(.fsyncAlways, "appendfsync always fsyncs every write: slow, for at most a second less loss than everysec", key: "appendfsync"))
            case "no":
                out.append(finding(.fsyncNo, "appendfsync no leaves flushing to the kernel: a crash can lose ~30 s of writes", key: "appendfsync"))
            default: break
            }
            if config.bool("no-appendfsync-on-rewrite") == true {
                out.append(finding(.noFsyncOnRewrite, "no-appendfsync-on-rewrite yes: during a rewrite or BGSAVE, AOF is not fsynced (up to ~30 s of loss)", key: "no-appendfsync-on-rewrite"))
            }
            if config.number("auto-aof-rewrite-percentage") == 0 {
                out.append(finding(.aofRewriteDisabled, "auto-aof-rewrite-percentage 0 disables AOF auto-rewrite: the AOF grows without bound", key: "auto-aof-rewrite-percentage"))
            }
            if config.bool("aof-use-rdb-preamble") == false {
                out.append(finding(.noRDBPreamble, "aof-use-rdb-preamble no: rewrites are larger and restarts load slower", key: "aof-use-rdb-preamble"))
            }
        }
        if let save, !save.isEmpty, config.bool("stop-writes-on-bgsave-error") == false {
            out.append(finding(.writesOnSaveError, "stop-writes-on-bgsave-error no: failed snapshots go unnoticed while writes continue", key: "stop-writes-on-bgsave-error"))
        }
        if config.bool("rdbchecksum") == false {
            out.append(finding(.noRDBChecksum, "rdbchecksum no: RDB files carry no CRC64, so backups cannot be verified", key: "rdbchecksum"))
        }
        if let save, let fast = save.first(where: { $0.seconds < 60 }) {
            out.append(finding(.frequentSave, "save \(fast.seconds) \(fast.changes) snapshots more often than once a minute: constant forks under write load", key: "save"))
        }
        if file != nil, let dir = config.settings["dir"]?.args.first, !dir.hasPrefix("/") {
            out.append(finding(.relativeDir, "dir \(dir) is relative: it depends on the directory redis-server is started from", key: "dir"))
        }
    }

    // MARK: Memory

    /// RC4xx: limits, eviction against the schema, fork headroom.
    private func memory(_ out: inout [Diagnostic]) {
        let maxmemory = config.number("maxmemory").map { UInt64(bitPattern: $0) }
        if maxmemory == 0 {
            out.append(finding(.maxmemoryUnset, "maxmemory is not set: Redis grows until the OOM killer stops it", key: "maxmemory"))
        }
        if let m = maxmemory, m > 0, m < 1024 * 1024 {
            out.append(finding(.maxmemoryTiny, "maxmemory \(m) is under 1 MB: probably a missing unit (write e.g. \(m)mb)", key: "maxmemory"))
        }
        let persistenceOn = config.bool("appendonly") == true || !(config.effectiveSave ?? []).isEmpty
        if let m = maxmemory, m > 0, let ram = host?.memoryBytes, ram > 0, persistenceOn, Double(m) > 0.6 * Double(ram) {
            let pct = Int((Double(m) / Double(ram) * 100).rounded())
            out.append(finding(.maxmemoryNearRAM, "maxmemory \(MemoryUnits.short(m)) is \(pct)% of this host's \(MemoryUnits.short(ram)) RAM; a fork for BGSAVE/rewrite can need up to twice that", key: "maxmemory"))
        }
        let policy = config.value("maxmemory-policy")?.lowercased() ?? ""
        if policy.hasPrefix("allkeys-"), !schema.durableWithoutTTL.isEmpty {
            out.append(finding(.allkeysEviction, "maxmemory-policy \(policy) can evict keys without a TTL that must survive (\(durableNames)); use noeviction or volatile-*", key: "maxmemory-policy"))
        }
        if policy.hasPrefix("volatile-"), !schema.anyTTL {
            out.append(finding(.volatileEvictionWithoutTTLs, "maxmemory-policy \(policy) only evicts keys with a TTL, and the schema has none: it acts like noeviction", key: "maxmemory-policy"))
        }
        listpack(&out)
    }

    /// RC405: the schema's hash fields and stream entries against the listpack thresholds.
    private func listpack(_ out: inout [Diagnostic]) {
        let hashName = config.table.spec("hash-max-listpack-value")?.name ?? "hash-max-ziplist-value"
        if let limit = config.number(hashName), limit >= 0 {
            let over = schema.families.filter { $0.type == "hash" && ($0.largestValueBytes ?? 0) > limit }
            if !over.isEmpty {
                let list = over.map { "\($0.pattern) (\($0.valueNote ?? "\($0.largestValueBytes ?? 0) B"))" }.joined(separator: ", ")
                out.append(finding(.listpackThreshold, "\(hashName) \(limit) is below the schema's field sizes: \(list) are stored as hashtables, not listpacks (more memory per key)", key: hashName))
            }
        }
        if let nodeBytes = config.number("stream-node-max-bytes"), nodeBytes > 0 {
            for f in schema.families where f.type == "stream" {
                if let entry = f.entryBytes, entry > 0, nodeBytes / Int64(entry) < 4 {
                    out.append(finding(.listpackThreshold, "stream-node-max-bytes \(nodeBytes) holds only \(nodeBytes / Int64(entry)) entr\(nodeBytes / Int64(entry) == 1 ? "y" : "ies") of \(f.pattern) (\(f.valueNote ?? "\(entry) B")) per node; more nodes, more overhead", key: "stream-node-max-bytes"))
                }
            }
        }
    }

    // MARK: Security

    /// RC5xx: who can reach the data.
    private func security(_ out: inout [Diagnostic]) {
        let bind = config.settings["bind"]?.args ?? (config.complete ? ["*", "-::*"] : [])
        let exposed = bind.isEmpty ? config.complete : bind.contains { !ConfigChecks.isLoopback($0) }
        let password = !(config.value("requirepass") ?? "").isEmpty || config.userWithPassword
        if exposed && !password && config.number("port") != 0 {
            let shown = bind.isEmpty ? "every interface" : bind.joined(separator: " ")
            out.append(finding(.openWithoutPassword, "Redis listens on \(shown) without requirepass or an ACL user with a password: anyone who can reach it can read or delete the data", key: "bind"))
        }
        if config.bool("protected-mode") == false {
            out.append(finding(.protectedModeOff, "protected-mode no removes the guard against outside connections when no password is set", key: "protected-mode"))
        }
        if file != nil {
            for name in ["requirepass", "masterauth"] where !(config.settings[name]?.args.first ?? "").isEmpty {
                out.append(finding(.passwordInFile, "\(name) is stored in plain text in the config file", key: name))
            }
        }
    }

    /// 127.0.0.0/8, ::1 and localhost (a leading '-' marks an optional address).
    static func isLoopback(_ address: String) -> Bool {
        let a = address.hasPrefix("-") ? String(address.dropFirst()) : address
        return a.hasPrefix("127.") || a == "::1" || a == "localhost"
    }

    // MARK: Host

    /// RC6xx: kernel settings that make forks fail or stall.
    private func hostKernel(_ out: inout [Diagnostic]) {
        guard let host else { return }
        if let oc = host.overcommitMemory, oc != 1 {
            out.append(Diagnostic(.overcommit, severity: .warning, message: "vm.overcommit_memory is \(oc), not 1: the fork for BGSAVE or AOF rewrite can fail under memory pressure",
                                  location: file.map { SourceLocation(file: $0, line: nil) }, key: "vm.overcommit_memory"))
        }
        if host.transparentHugePages == "always" {
            out.append(Diagnostic(.transparentHugePages, severity: .warning, message: "transparent huge pages are 'always': latency spikes and memory growth during saves",
                                  location: file.map { SourceLocation(file: $0, line: nil) }, key: "transparent_hugepage"))
        }
    }
}
