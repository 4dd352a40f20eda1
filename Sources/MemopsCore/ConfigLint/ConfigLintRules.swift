/// The catalogue of `config lint` rules. IDs are stable: never renumber, only add.
///
/// RC1xx: redis-server refuses to start (fatal config errors, config.c `loadServerConfigFromString`
/// and the checks right after it). RC2xx: legal but surprising. RC3xx: persistence. RC4xx: memory.
/// RC5xx: security. RC6xx: the host kernel. RC8xx: running server vs file.
/// A `config lint` rule: its id is the raw value; its text is in `ConfigLintRules.all`.
public enum ConfigRule: String, Sendable, CaseIterable {
    case unknownDirective = "RC101"
    case inlineComment = "RC102"
    case argumentCount = "RC103"
    case unbalancedQuotes = "RC104"
    case badBoolean = "RC105"
    case badEnum = "RC106"
    case badMemory = "RC107"
    case badNumber = "RC108"
    case outOfRange = "RC109"
    case badSave = "RC110"
    case pathForFileName = "RC111"
    case missingInclude = "RC112"
    case newerThanTarget = "RC113"
    case invalidValue = "RC114"
    case sentinelDirective = "RC115"
    case moduleConfig = "RC116"
    case badRenameCommand = "RC117"
    case missingPath = "RC118"
    case badUser = "RC119"
    case startupCheck = "RC120"
    case defragNeedsJemalloc = "RC121"
    case duplicate = "RC201"
    case decimalUnit = "RC202"
    case hzClamped = "RC203"
    case saveMixed = "RC204"
    case oldName = "RC205"
    case ignored = "RC206"
    case noPersistence = "RC301"
    case aofOffForDurableData = "RC302"
    case fsyncAlways = "RC303"
    case fsyncNo = "RC304"
    case noFsyncOnRewrite = "RC305"
    case aofRewriteDisabled = "RC306"
    case writesOnSaveError = "RC307"
    case noRDBChecksum = "RC308"
    case frequentSave = "RC309"
    case relativeDir = "RC310"
    case noRDBPreamble = "RC311"
    case maxmemoryUnset = "RC401"
    case maxmemoryNearRAM = "RC402"
    case allkeysEviction = "RC403"
    case volatileEvictionWithoutTTLs = "RC404"
    case listpackThreshold = "RC405"
    case maxmemoryTiny = "RC406"
    case openWithoutPassword = "RC501"
    case protectedModeOff = "RC502"
    case passwordInFile = "RC503"
    case overcommit = "RC601"
    case transparentHugePages = "RC602"
    case clusterNodeTimeout = "RC701"
    case fullCoverage = "RC702"
    case readsWhenDown = "RC703"
    case replicaValidity = "RC704"
    case replicaWithoutAuth = "RC705"
    case noFailover = "RC706"
    case settingsDiffer = "RC707"
    case noReplica = "RC708"
    case writableReplica = "RC709"
    case drift = "RC801"
    case configUnavailable = "RC802"

    /// The rule's entry in the catalogue.
    public var descriptor: RuleDescriptor {
        ConfigLintRules.byRule[self]!
    }
}

public enum ConfigLintRules {
    /// Every rule, in id order.
    public static let all: [RuleDescriptor] = [
        r(.unknownDirective, .error, "Unknown directive",
          "redis-server stops at a directive it does not know (\"Bad directive or wrong number of arguments\").",
          "Fix the spelling (see the suggestion) or remove the line."),
        r(.inlineComment, .error, "Inline comment",
          "Redis treats '#' as a comment only at the start of a line; `maxmemory 1gb # note` passes \"#\" and \"note\" as arguments, which redis rejects.",
          "Move the comment to its own line above."),
        r(.argumentCount, .error, "Wrong number of arguments",
          "Single-value directives take exactly one argument; include takes one, rename-command two; redis-server refuses anything else.",
          "Give the directive the number of arguments it takes; quote a value that contains spaces."),
        r(.unbalancedQuotes, .error, "Unbalanced quotes",
          "sdssplitargs rejects a quote that is never closed, and a closing quote followed by anything but a space (\"Unbalanced quotes in configuration line\").",
          "Close the quote, and put a space after it."),
        r(.badBoolean, .error, "Bad boolean",
          "Boolean directives accept only yes or no (any case); true, on, 1 are refused.",
          "Write yes or no."),
        r(.badEnum, .error, "Bad enum value",
          "Enumerated directives accept only their listed values.",
          "Use one of the listed values."),
        r(.badMemory, .error, "Bad memory value",
          "Memory values are digits with an optional unit b, k, kb, m, mb, g, gb: no decimals, no spaces, no tb, no negative numbers.",
          "Write e.g. 512mb or 4gb."),
        r(.badNumber, .error, "Bad number",
          "Integer directives accept a plain decimal integer: no '+', no leading zeros, no units, no decimals.",
          "Write a plain integer."),
        r(.outOfRange, .error, "Number out of range",
          "Each numeric directive has bounds in config.c; a value outside them stops redis-server.",
          "Use a value inside the bounds given in the message."),
        r(.badSave, .error, "Bad save line",
          "save takes pairs of <seconds ≥ 1> <changes ≥ 0>, or \"\" to disable snapshots.",
          "Write e.g. `save 3600 1 300 100` or `save \"\"`."),
        r(.pathForFileName, .error, "Path where a file name belongs",
          "dbfilename, appendfilename and appenddirname must be plain names (no '/'); the directory comes from `dir`.",
          "Put the directory in `dir` and only the file name here."),
        r(.missingInclude, .error, "Missing include",
          "An include of a plain path that cannot be opened stops redis-server; an include loop recurses until it crashes. (A glob matching nothing is skipped.)",
          "Fix the path, create the file, or use a glob (e.g. /etc/redis/conf.d/*.conf) when the file is optional."),
        r(.newerThanTarget, .error, "Directive newer than the target version",
          "The directive exists only in a later Redis release; the target version refuses it as unknown.",
          "Remove it, or upgrade Redis (or pass the right \(CLIFlag.targetVersion))."),
        r(.invalidValue, .error, "Invalid value",
          "The value fails a directive-specific check in config.c (client-output-buffer-limit, notify-keyspace-events, oom-score-adj-values, replicaof, bind, latency percentiles, shutdown flags, hostnames, templates).",
          "Correct the value as the message says."),
        r(.sentinelDirective, .error, "Sentinel directive in a server config",
          "`sentinel …` lines are only accepted by redis-sentinel (\"sentinel directive while not in sentinel mode\").",
          "Move sentinel settings to sentinel.conf."),
        r(.moduleConfig, .error, "Module configuration problem",
          "A module directive (a name with a dot) needs a value and a loadmodule line that loads the module; otherwise redis aborts at start.",
          "Add the loadmodule line, fix its path, or remove the module directives."),
        r(.badRenameCommand, .error, "Bad rename-command",
          "rename-command must name an existing command and a target name not already taken.",
          "Check the command name for this Redis version and choose an unused target."),
        r(.missingPath, .error, "Path does not exist",
          "redis-server changes into `dir` while reading the file and opens `logfile` right after; a missing directory stops it.",
          "Create the directory (owned by the redis user) or fix the path."),
        r(.badUser, .error, "Bad user (ACL) line",
          "`user` lines are parsed as ACL rules at start; an unknown rule, command or category stops redis-server.",
          "Fix the ACL rule; see ACL SETUSER's documentation."),
        r(.startupCheck, .error, "Startup consistency check fails",
          "Some combinations are refused after the file is read: replicaof with cluster-enabled, or no listener at all (port 0 without tls-port or unixsocket).",
          "Remove one side of the conflict."),
        r(.defragNeedsJemalloc, .warning, "activedefrag needs redis's own jemalloc",
          "Builds linked against the system jemalloc (Debian, Ubuntu packages) refuse `activedefrag yes` at start (\"Active defragmentation cannot be enabled\"); builds from redis's source accept it. memops cannot tell which build will read the file.",
          "Check `redis-server --version` (malloc=) or remove the line on distribution builds."),
        r(.duplicate, .warning, "Duplicate directive",
          "The directive is set more than once; the last one wins, which is easy to miss when editing the first.",
          "Keep one line."),
        r(.decimalUnit, .info, "Decimal memory unit",
          "k, m and g are powers of 1000 (8g = 8,000,000,000 bytes); kb, mb, gb are powers of 1024 (8gb = 8,589,934,592).",
          "Write kb/mb/gb if you meant binary units."),
        r(.hzClamped, .warning, "hz clamped",
          "hz outside 1…500 is accepted but silently clamped.",
          "Use a value from 1 to 500 (10 is the default; 100 only for low-latency needs)."),
        r(.saveMixed, .warning, "save \"\" mixed with save points",
          "`save \"\"` clears every save point before it; save points after it still apply. Mixing both rarely means what it says.",
          "Keep either `save \"\"` or the save points."),
        r(.oldName, .style, "Old directive name",
          "The directive is an alias kept for compatibility (slave-*, *-ziplist-*, lua-time-limit); CONFIG REWRITE writes the new name.",
          "Use the new name."),
        r(.ignored, .warning, "Ignored directive",
          "Redis accepts the directive for compatibility and ignores it: it does nothing.",
          "Remove it (for lists use list-max-listpack-size)."),
        r(.noPersistence, .warning, "No persistence",
          "Neither RDB snapshots nor AOF are enabled: a restart loses every key.",
          "Enable `appendonly yes` and/or keep save points."),
        r(.aofOffForDurableData, .warning, "AOF off for data that must survive",
          "The schema holds data that must survive (embeddings, the learning queue, the model registry); RDB alone loses everything since the last snapshot.",
          "Set `appendonly yes` with `appendfsync everysec`."),
        r(.fsyncAlways, .info, "appendfsync always",
          "fsync after every write makes every write wait for the disk: much slower, for at most one second less loss than everysec.",
          "Use `appendfsync everysec` unless you need zero loss."),
        r(.fsyncNo, .warning, "appendfsync no",
          "The kernel decides when to flush (about every 30 s on Linux): a crash can lose that much.",
          "Use `appendfsync everysec`."),
        r(.noFsyncOnRewrite, .warning, "no-appendfsync-on-rewrite yes",
          "While a rewrite or BGSAVE runs, AOF is not fsynced: a crash then can lose up to ~30 s of writes.",
          "Set `no-appendfsync-on-rewrite no` unless disk latency forces it."),
        r(.aofRewriteDisabled, .warning, "AOF auto-rewrite disabled",
          "With auto-aof-rewrite-percentage 0 the AOF grows without bound and restarts replay all of it.",
          "Set auto-aof-rewrite-percentage 100 (the default)."),
        r(.writesOnSaveError, .warning, "stop-writes-on-bgsave-error no",
          "When snapshots fail (disk full, permissions), Redis keeps accepting writes it cannot persist, and nobody notices.",
          "Keep `stop-writes-on-bgsave-error yes` and monitor rdb_last_bgsave_status."),
        r(.noRDBChecksum, .warning, "rdbchecksum no",
          "RDB files are written without a CRC64: backups cannot be verified and corruption goes unnoticed.",
          "Set `rdbchecksum yes`."),
        r(.frequentSave, .warning, "Save point under 60 s",
          "A snapshot more often than once a minute forks constantly under write load (copy-on-write memory, latency spikes).",
          "Use save points of 60 s or more; use AOF for finer durability."),
        r(.relativeDir, .warning, "Relative dir",
          "A relative `dir` is resolved against the directory redis-server was started from, which differs between a shell and systemd.",
          "Use an absolute path."),
        r(.noRDBPreamble, .info, "aof-use-rdb-preamble no",
          "Without the RDB preamble, AOF rewrites are larger and restarts load slower.",
          "Set `aof-use-rdb-preamble yes` (the default)."),
        r(.maxmemoryUnset, .warning, "maxmemory unset",
          "Without maxmemory Redis grows until the kernel's OOM killer stops it, losing everything since the last save.",
          "Set maxmemory (e.g. 8gb) and a maxmemory-policy."),
        r(.maxmemoryNearRAM, .warning, "maxmemory too close to host RAM",
          "A fork for BGSAVE/rewrite can need up to twice the dataset under heavy writes (copy-on-write); above ~60% of RAM with persistence on risks the OOM killer.",
          "Set maxmemory to at most about 60% of RAM."),
        r(.allkeysEviction, .warning, "allkeys-* eviction with data that must not be evicted",
          "allkeys-* policies evict any key, including data with no TTL that must survive (embeddings, learning queue, registry).",
          "Use `maxmemory-policy noeviction` or volatile-lru/volatile-ttl so only keys with a TTL go."),
        r(.volatileEvictionWithoutTTLs, .warning, "volatile-* eviction with nothing that has a TTL",
          "volatile-* policies only evict keys with a TTL; when the schema has none, Redis behaves like noeviction but looks as if it evicts.",
          "Use noeviction, or set TTLs on the cache keys."),
        r(.listpackThreshold, .info, "Listpack threshold below the schema's field sizes",
          "Hashes, sorted sets and stream nodes with values above the listpack thresholds are stored in the larger general encoding; the schema's fields exceed them.",
          "Raise the threshold if memory matters, or accept the larger encoding."),
        r(.maxmemoryTiny, .warning, "maxmemory below 1 MB",
          "A maxmemory under 1 MB is almost always a unit mistake (e.g. `maxmemory 100` is 100 bytes).",
          "Give a unit: 100mb, 8gb."),
        r(.openWithoutPassword, .warning, "Reachable beyond loopback without a password",
          "Redis listens on a non-loopback address but neither requirepass nor an ACL user with a password is set: anyone on the network can read, change or FLUSHALL the data.",
          "Bind to 127.0.0.1 -::1, or set requirepass / ACL users."),
        r(.protectedModeOff, .warning, "protected-mode no",
          "protected-mode refuses outside connections when no password is set; turning it off removes the last guard.",
          "Keep `protected-mode yes`, or set a password first."),
        r(.passwordInFile, .info, "Password in the config file",
          "requirepass/masterauth in plain text: anyone who can read the file (backups, config repos) has the password. Off by default; \(CLIFlag.enable) \(ConfigRule.passwordInFile.rawValue).",
          "Keep the file mode 0640 owned by redis, or use an ACL file with hashed passwords."),
        r(.overcommit, .warning, "vm.overcommit_memory is not 1",
          "With overcommit 0 the kernel may refuse the fork for BGSAVE/AOF rewrite under memory pressure; Redis logs a warning at start.",
          "sysctl vm.overcommit_memory=1 (and persist it in /etc/sysctl.d)."),
        r(.transparentHugePages, .warning, "Transparent huge pages set to always",
          "THP makes copy-on-write after fork copy 2 MB pages: latency spikes and memory growth during saves.",
          "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (Redis disables THP for itself only when disable-thp yes)."),
        r(.clusterNodeTimeout, .warning, "cluster-node-timeout out of its useful range",
          "Below 5 s a network hiccup or a save's fork pause makes the other nodes fail a healthy primary over; above 60 s a dead primary's slots stay unserved that long.",
          "Keep cluster-node-timeout between 5000 and 60000 (15000 is redis's default)."),
        r(.fullCoverage, .info, "cluster-require-full-coverage yes",
          "With one shard down (its primary and replicas), every node refuses every command, also for the keys of the healthy shards.",
          "Set cluster-require-full-coverage no on every node if the application can work with part of its memory."),
        r(.readsWhenDown, .info, "cluster-allow-reads-when-down yes",
          "A node cut off from the majority keeps answering reads, with data that may be stale or about to be replaced by a failover.",
          "Keep cluster-allow-reads-when-down no unless stale reads are acceptable."),
        r(.replicaValidity, .warning, "replica-validity-factor 0",
          "Any replica may be promoted however long it was cut off from its primary: the writes it missed are lost by the failover.",
          "Keep replica-validity-factor at 10 (the default) or another positive value."),
        r(.replicaWithoutAuth, .error, "Replica cannot authenticate to its primary",
          "The primary requires a password (requirepass) but the replica has no masterauth: it cannot sync, and after a failover the old primary cannot follow the new one.",
          "Set masterauth (and masteruser with ACL users) on every node to the primary's credentials."),
        r(.noFailover, .warning, "No replica may fail over",
          "Every replica of the shard has cluster-replica-no-failover yes: when the primary fails, its slots stay down.",
          "Set cluster-replica-no-failover no on at least one replica of each shard."),
        r(.settingsDiffer, .warning, "Nodes run with different settings",
          "Settings that decide memory, eviction and persistence differ between the nodes: after a failover the data runs under other rules (a smaller maxmemory evicts, another policy drops other keys).",
          "Give every node the same value (CONFIG SET on each, then CONFIG REWRITE)."),
        r(.noReplica, .warning, "Primary without a replica",
          "Nothing takes over when the primary fails, and its data has no second copy.",
          "Add a replica (redis-cli --cluster add-node --cluster-slave, or replicaof behind Sentinel)."),
        r(.writableReplica, .warning, "replica-read-only no",
          "Writes to a replica are not replicated and are lost at its next full sync or failover.",
          "Keep replica-read-only yes."),
        r(.drift, .warning, "Running config differs from the file",
          "A CONFIG SET not saved with CONFIG REWRITE is lost at the next restart; a file edit not applied is not running yet.",
          "Run CONFIG REWRITE, or edit the file to match, or restart to apply the file."),
        r(.configUnavailable, .info, "CONFIG is not available",
          "The CONFIG command is renamed or disabled (rename-command) or not permitted, so only what INFO shows can be checked.",
          "Lint the file instead, or use an ACL user allowed to run CONFIG GET."),
    ]

    /// Rules that run only when asked for with `--enable`.
    public static let offByDefault: Set<String> = [ConfigRule.passwordInFile.rawValue]

    /// The rule with this id (case-insensitive), if any.
    public static func rule(_ id: String) -> RuleDescriptor? {
        all.first { $0.id == id.uppercased() }
    }

    /// The catalogue by rule.
    static let byRule: [ConfigRule: RuleDescriptor] = Dictionary(uniqueKeysWithValues: all.map { (ConfigRule(rawValue: $0.id)!, $0) })

    private static func r(_ rule: ConfigRule, _ s: Severity, _ title: String, _ why: String, _ fix: String) -> RuleDescriptor {
        RuleDescriptor(id: rule.rawValue, severity: s, title: title, why: why, fix: fix)
    }
}

extension Diagnostic {
    /// A `config lint` finding, at the rule's own severity unless `severity` says otherwise.
    public init(_ rule: ConfigRule, severity: Severity? = nil, message: String, location: SourceLocation? = nil, key: String? = nil) {
        self.init(severity: severity ?? rule.descriptor.severity, rule: rule.rawValue, message: message, location: location, key: key)
    }

    /// The `config lint` rule of this finding; nil for another tool's.
    public var configRule: ConfigRule? { ConfigRule(rawValue: rule) }
}
