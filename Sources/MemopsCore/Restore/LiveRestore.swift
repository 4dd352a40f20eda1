import Foundation
import MemopsRDB

/// A byte source that counts what it hands out, for progress.
final class CountingSource: ByteSource {
    private var inner: any ByteSource
    private(set) var bytesRead: UInt64 = 0

    init(_ inner: any ByteSource) { self.inner = inner }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try inner.read(into: buffer)
        bytesRead += UInt64(n)
        return n
    }
}

/// Streams a backup into a running server with `RESTORE key ttl payload ABSTTL`.
///
/// First the backup is checked with nothing written (`RestoreCheck`): a backup with a manifest
/// by its size and SHA-256, any other file by pass one, which reads the whole backup with full
/// validation (structure and CRC64), counts the selected keys and bytes and, for a dry run or
/// `--on-conflict fail`, asks the target which of them exist. Pass two forwards each
/// selected value's stored bytes as a DUMP payload — never re-encoded; re-stamped with the
/// target's RDB version when the target is older but knows the value's type — in pipelined
/// batches. RESTORE is atomic, so every key is restored whole or not at all, and running an
/// interrupted restore again (default `--on-conflict skip`) finishes it.
///
/// Memory: flat, whatever the largest key. Batches go out from a sender thread while the next
/// one is read (`BatchSender`, two on the wire), so four batches of at most `batchBytes` (or
/// one key up to `spoolThreshold`) are in memory at once. A bigger payload is never held:
/// its bytes go to an anonymous spool file as the reader passes over them, with the DUMP
/// footer's CRC64 kept as they go, and its RESTORE is written to the socket from the file in
/// pieces, so memops' memory does not grow with the key. Redis has no
/// streaming RESTORE, so the server holds the whole argument in its query buffer; a payload
/// longer than its proto-max-bulk-len is rebuilt with commands from the spool file instead.
public struct LiveRestore {
    /// Where the keys go: a server, or a Redis Cluster (each key to its slot's primary).
    public let deployment: Deployment
    public var connection: ConnectionConfig { deployment.base }
    public let options: LiveRestoreOptions
    /// The two passes over the backup, for progress.
    public enum Phase: String, Sendable {
        /// Reading and checking the whole backup (and, for a dry run or --on-conflict fail, conflicts).
        case check
        /// Sending the keys.
        case restore
    }

    /// Called with (pass, RDB bytes read, total when known) as the restore goes.
    public var progress: ((Phase, UInt64, UInt64?) -> Void)?
    /// Called with every selected key during the first pass (a dry run's listing).
    public var plannedKey: ((PlannedKey) -> Void)?

    public init(connection: ConnectionConfig, options: LiveRestoreOptions) {
        self.init(deployment: Deployment(base: connection), options: options)
    }

    public init(deployment: Deployment, options: LiveRestoreOptions) {
        self.deployment = deployment
        self.options = options
    }

    /// One file of the backup: the backup itself, or one shard file of a cluster set.
    struct Part: Sendable {
        var path: String
        var manifest: BackupManifest?
    }

    /// The files to read: a cluster set's shard files (each with its manifest), or the file.
    static func parts(of backup: String) throws -> [Part] {
        guard ClusterBackupManifest.isSetFolder(backup) else { return [Part(path: backup, manifest: BackupManifest.sibling(of: backup))] }
        switch ClusterBackupManifest.shardFiles(in: backup) {
        case .success(let files):
            return files.map { Part(path: $0.path, manifest: $0.manifest) }
        case .failure(let problem):
            throw RestoreError.corruptBackup(path: backup, reason: "this cluster backup set is incomplete (\(problem)); restore an older set")
        }
    }

    /// Runs the restore (or the dry run) and returns what it did, failed keys included (the
    /// caller decides the exit status). Throws `RestoreError` when the backup is corrupt (nothing
    /// written) or `--on-conflict fail` finds existing keys (nothing written), and `RedisError`
    /// when the server cannot be used.
    public func run() throws -> LiveRestoreResult {
        let started = Date()
        // Slots on the move are no obstacle: a key the source no longer has comes back as ASK
        // or MOVED, and is sent again where it belongs.
        let cluster = deployment.isCluster ? ClusterClient(deployment) : nil
        let redis = try cluster.map { try $0.connection(to: $0.primaries[0]) } ?? RedisConnection(connection)
        var result = LiveRestoreResult()
        result.dryRun = options.dryRun
        result.target = try TargetServer.detect(redis)
        let parts = try LiveRestore.parts(of: options.backup)
        let total = parts.reduce(UInt64(0) as UInt64?) { sum, part in
            guard let sum, let size = LiveRestore.rawSize(of: part.path, manifest: part.manifest) else { return nil }
            return sum + size
        }
        let nowMs = Int64((options.now ?? Date()).timeIntervalSince1970 * 1000)
        let clusterDatabases = cluster == nil ? nil : ((try? redis.configGet("cluster-databases")) ?? nil).flatMap { Int($0) } ?? 1
        if let cluster, let clusterDatabases { try refuseDatabasesACannotHold(parts, databases: clusterDatabases, cluster: cluster) }

        let checkConflicts = options.dryRun || options.onConflict == .fail
        var checks: [RestoreCheck] = []
        for part in parts {
            var check = options.check
            if check == .auto { check = RestoreCheck.automatic(for: part.manifest) }
            if check == .digest && part.manifest == nil {
                throw RestoreError.invalid("\(part.path) has no manifest beside it to check its digest against; use \(CLIFlag.verify) deep")
            }
            if check == .digest && !checkConflicts, let manifest = part.manifest {
                do {
                    try Verifier.checkStoredDigest(path: part.path, manifest: manifest)
                } catch let error as VerificationError {
                    throw RestoreError.corruptBackup(path: part.path, reason: error.description)
                }
            }
            // Into a cluster, a file without a manifest is read first: its databases are known
            // only then, and a key beyond the cluster's must be refused before any is written.
            if cluster != nil, options.targetDB == nil, part.manifest == nil, check == .none { check = .deep }
            checks.append(check)
        }
        // --on-conflict fail needs the first pass even with --verify none: it must refuse before
        // writing. A dry run reads everything anyway, so it checks everything.
        if checks.contains(.deep) || checkConflicts {
            var plan = PlanVisitor(options: options, target: result.target, nowMs: nowMs,
                                   router: checkConflicts ? (cluster.map { $0 as KeyRouter } ?? redis) : nil, result: result)
            plan.onKey = plannedKey
            var done: UInt64 = 0
            for (part, check) in zip(parts, checks) where check == .deep || checkConflicts {
                try LiveRestore.read(part.path, into: &plan, progress: progress.map { p in { p(.check, done + $0, total) } })
                try plan.flushExists()
                done += LiveRestore.rawSize(of: part.path, manifest: part.manifest) ?? 0
            }
            result = plan.result
            if let clusterDatabases, options.targetDB == nil, case let beyond = plan.databases.filter({ $0 >= clusterDatabases }).sorted(), !beyond.isEmpty {
                throw RestoreError.databasesBeyondCluster(databases: beyond, offline: false)
            }
            if options.dryRun {
                result.seconds = Date().timeIntervalSince(started)
                return result
            }
            if options.onConflict == .fail && result.conflicts > 0 {
                throw RestoreError.conflicts(count: result.conflicts, examples: result.conflictExamples)
            }
        }

        // Payloads longer than this are refused by the server; 512 MB is the default, and what
        // is assumed when CONFIG is not allowed.
        let maxBulk = ((try? redis.configGet("proto-max-bulk-len")) ?? nil).flatMap { Int($0) } ?? 512 << 20
        let conflicts = (result.conflicts, result.conflictExamples)
        if cluster != nil && parts.count > 1 {
            // A set's shard files each go mostly to one node: read at once, the nodes work at once.
            result = try writeConcurrently(parts, target: result.target, nowMs: nowMs, maxBulk: maxBulk)
        } else {
            let targets = cluster.map { RestoreTargets(cluster: $0, options: options) } ?? RestoreTargets(server: redis, options: options)
            defer { targets.stopAll() }
            var writer = RestoreVisitor(options: options, target: result.target, nowMs: nowMs, targets: targets, maxBulk: maxBulk)
            var done: UInt64 = 0
            for part in parts {
                try LiveRestore.read(part.path, into: &writer, progress: progress.map { p in { p(.restore, done + $0, total) } })
                done += LiveRestore.rawSize(of: part.path, manifest: part.manifest) ?? 0
            }
            try writer.finish()
            result = writer.result
        }
        (result.conflicts, result.conflictExamples) = conflicts
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    /// Writes a cluster set's shard files at the same time, up to four (and the cores), each on a thread of its
    /// own with its own senders to every primary; the function libraries come from the first
    /// file. The first failure is thrown once every file being written has ended.
    private func writeConcurrently(_ parts: [Part], target: TargetServer, nowMs: Int64, maxBulk: Int) throws -> LiveRestoreResult {
        struct Shared {
            var next = 0
            var total = LiveRestoreResult()
            var failure: (any Error)?
        }
        let shared = Monitor(Shared())
        let (deployment, options) = (self.deployment, self.options)
        // The biggest file first (it is the longest to write), and as many at once as there are
        // cores: the nodes' servers need the cores too (on two cores, three at once took a
        // fifth longer than two).
        let order = parts.indices.sorted {
            (LiveRestore.rawSize(of: parts[$0].path, manifest: parts[$0].manifest) ?? 0) > (LiveRestore.rawSize(of: parts[$1].path, manifest: parts[$1].manifest) ?? 0)
        }
        let threads = max(1, min(parts.count, 4, ProcessInfo.processInfo.activeProcessorCount))
        let workers = (0..<threads).map { n in
            WorkerThread(name: "memops-restore-part-\(n)") {
                while let index = shared.withLock({ s -> Int? in
                    guard s.failure == nil, s.next < parts.count else { return nil }
                    defer { s.next += 1 }
                    return order[s.next]
                }) {
                    let targets = RestoreTargets(cluster: ClusterClient(deployment), options: options)
                    defer { targets.stopAll() }
                    var writer = RestoreVisitor(options: options, target: target, nowMs: nowMs, targets: targets, maxBulk: maxBulk)
                    writer.librariesElsewhere = index != 0
                    do {
                        try LiveRestore.read(parts[index].path, into: &writer, progress: nil)
                        try writer.finish()
                        let part = writer.result
                        shared.withLock { $0.total.add(part, examples: options.exampleLimit) }
                    } catch {
                        shared.withLock { if $0.failure == nil { $0.failure = error } }
                    }
                }
            }
        }
        workers.forEach { $0.join() }
        return try shared.withLock { s in
            if let failure = s.failure { throw failure }
            return s.total
        }
    }

    /// A Redis Cluster has database 0 alone (a Valkey cluster has `cluster-databases`): a backup
    /// whose manifests count keys in a database the cluster does not have is refused before
    /// anything is written, unless a target database is given.
    private func refuseDatabasesACannotHold(_ parts: [Part], databases: Int, cluster: ClusterClient) throws {
        guard options.targetDB == nil else {
            if let db = options.targetDB, databases <= db {
                throw RestoreError.invalid("the Redis Cluster at \(cluster.serverDescription) has no database \(db); restore into database 0")
            }
            return
        }
        for part in parts {
            let beyond = (part.manifest?.keyspace ?? []).filter { $0.db >= databases && $0.keys > 0 }.map(\.db)
            if !beyond.isEmpty { throw RestoreError.databasesBeyondCluster(databases: beyond, offline: false) }
        }
    }

    /// Reads the backup into `visitor`; a visitor's error (the target failing) stops the read
    /// and comes out as itself; a reader error means the backup is corrupt.
    private static func read<V: RestorePassVisitor>(_ path: String, into visitor: inout V, progress: ((UInt64) -> Void)?) throws {
        let source = CountingSource(try openRDB(path: path))
        let reader = RDBReader(source)
        var tracker = ProgressVisitor(inner: visitor, source: source, progress: progress)
        defer { visitor = tracker.inner }
        do {
            try reader.read(into: &tracker)
        } catch {
            visitor = tracker.inner
            guard let error = error as? RDBError else { throw error }
            if let written = visitor.keysWritten, written > 0 {
                throw RestoreError.corruptAfterWriting(path: path, reason: error.description, keysWritten: written)
            }
            throw RestoreError.corruptBackup(path: path, reason: error.description)
        }
    }

    /// Error replies that no later key would escape (a read-only replica, out of memory, a
    /// failing disk, missing rights): the restore stops at the first instead of failing every key.
    static func isFatal(_ message: String) -> Bool {
        ReplyError(message).isServerWide
    }

    /// The uncompressed size of the backup for progress: the file's size for a plain RDB, the
    /// manifest's `rdb.bytes` for a `.rdb.zst` that has one.
    static func rawSize(of path: String, manifest: BackupManifest?) -> UInt64? {
        guard let file = try? FileSource(path: path), let size = file.status()?.size else { return nil }
        return path.hasSuffix(".zst") ? manifest?.rdb.bytes : size
    }
}

/// A visitor of a restore pass: how many keys it wrote when the read failed.
protocol RestorePassVisitor: RDBVisitor {
    /// Keys written so far, for a visitor that writes.
    var keysWritten: Int? { get }
}

/// Forwards everything to another visitor and reports progress at each key's end.
struct ProgressVisitor<Inner: RestorePassVisitor>: ForwardingVisitor {
    var inner: Inner
    let source: CountingSource
    let progress: ((UInt64) -> Void)?

    mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) throws {
        try inner.endKey(info, summary)
        progress?(source.bytesRead)
    }

    mutating func end(checksum: RDBChecksum, offset: Int) throws {
        try inner.end(checksum: checksum, offset: offset)
        progress?(source.bytesRead)
    }
}

/// How one key of the backup is to be handled, decided from its header alone.
enum KeyDecision {
    case notSelected
    case expired
    /// The target cannot hold it; the reason names why.
    case unrestorable(String)
    /// Send it, stamped with this RDB version (`restamped` when it differs from the file's).
    case restore(version: Int, restamped: Bool)
    /// The target does not know the stored type: rebuild the value with plain commands.
    case rebuild

    static func decide(_ info: RDBKeyInfo, header: RDBHeader, options: LiveRestoreOptions, target: TargetServer,
                       nowMs: Int64) -> KeyDecision {
        guard options.selects(db: info.db, key: info.key) else { return .notSelected }
        if let at = info.expireAtMs, at <= nowMs, !options.keepExpired { return .expired }
        if info.type == .module {
            return .unrestorable("module value (type \(info.typeCode)): restore it with the module's own tools")
        }
        if target.accepts(payloadVersion: header.dumpVersion, from: header.flavor) {
            return .restore(version: header.dumpVersion, restamped: false)
        }
        guard target.knows(typeCode: info.typeCode, from: header.flavor) else {
            // Strings are type 0 everywhere; every other type can be written element by element.
            return .rebuild
        }
        let stamp = target.flavor == .valkey && target.rdbVersion >= 80 && header.flavor == .redis ? 11 : target.rdbVersion
        return .restore(version: stamp, restamped: true)
    }

    /// The RESTORE ttl argument: the absolute expiry, or 0 (none) — also for an expired key
    /// kept by --keep-expired, which RESTORE would otherwise delete at once.
    static func ttl(_ info: RDBKeyInfo, nowMs: Int64) -> Int64 {
        guard let at = info.expireAtMs, at > nowMs else { return 0 }
        return at
    }
}

/// One selected key as the first pass sees it, for a dry run's listing.
public struct PlannedKey: Sendable {
    /// What the restore would do with it.
    public enum Action: String, Sendable {
        case restore, restamp, rebuild, expired, unrestorable
    }
    public var db: Int
    public var targetDB: Int
    public var key: String
    public var type: RDBKeyType
    /// Payload bytes (for a rebuilt key, the stored value's size).
    public var bytes: Int
    public var action: Action
    /// Whether the key exists on the target; nil when not asked (expired or unrestorable keys).
    public var exists: Bool?
}

/// Pass one: validation, counts, bytes and (when given a connection) conflicts.
struct PlanVisitor: RestorePassVisitor {
    let options: LiveRestoreOptions
    let target: TargetServer
    let nowMs: Int64
    /// Where to ask which keys exist (nil: not asked); a cluster asks each key's shard.
    let router: KeyRouter?
    /// The cluster, when the router is one (each key's node is counted for the dry run).
    private let cluster: ClusterClient?
    var result: LiveRestoreResult
    var header = RDBHeader(flavor: .redis, version: 0)
    var pending: [(db: Int, key: [UInt8], planned: PlannedKey)] = []
    /// The databases of the keys the restore would write.
    var databases: Set<Int> = []
    var keysWritten: Int? { nil }
    /// Called with each selected key (after its conflict check) when set.
    var onKey: ((PlannedKey) -> Void)?

    init(options: LiveRestoreOptions, target: TargetServer, nowMs: Int64, router: KeyRouter?, result: LiveRestoreResult) {
        self.options = options
        self.target = target
        self.nowMs = nowMs
        self.router = router
        cluster = router as? ClusterClient
        self.result = result
    }

    mutating func header(_ header: RDBHeader) throws {
        self.header = header
        result.backupHeader = header
    }

    mutating func function(code: [UInt8], record: [UInt8]) throws { result.functionLibraries += 1 }

    mutating func beginKey(_ info: RDBKeyInfo) throws -> RDBDelivery { .summary }

    mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) throws {
        result.keysInBackup += 1
        let decision = KeyDecision.decide(info, header: header, options: options, target: target, nowMs: nowMs)
        // The listing's record is built only for a caller that lists keys (a dry run) or
        // asks the target about conflicts: a name as text per key was most of this pass.
        func planned(_ action: PlannedKey.Action) -> PlannedKey {
            PlannedKey(db: info.db, targetDB: options.targetDB ?? info.db, key: info.keyText, type: info.type,
                       bytes: summary.valueBytes + 11, action: action, exists: nil)
        }
        switch decision {
        case .notSelected: return
        case .expired:
            result.keysSelected += 1
            result.skippedExpired += 1
            if let onKey { onKey(planned(.expired)) }
        case .unrestorable(let reason):
            result.keysSelected += 1
            result.failed += 1
            result.problems.append(RestoreProblem(db: info.db, key: info.keyText, reason: reason))
            if let onKey { onKey(planned(.unrestorable)) }
        case .restore, .rebuild:
            result.keysSelected += 1
            databases.insert(info.db)
            var action = PlannedKey.Action.restore
            if case .restore(_, true) = decision {
                result.restamped += 1
                action = .restamp
            }
            if case .rebuild = decision {
                result.rebuilt += 1
                action = .rebuild
            }
            // type byte + value + 2-byte version + CRC64, as sent (for a rebuilt key, an estimate).
            result.bytes += UInt64(summary.valueBytes + 11)
            if let cluster {
                let node = cluster.owner(ofKey: info.key)
                result.perNode[node, default: NodeShare()].keys += 1
                result.perNode[node, default: NodeShare()].bytes += UInt64(summary.valueBytes + 11)
            }
            guard router != nil else {
                if let onKey { onKey(planned(action)) }
                return
            }
            pending.append((options.targetDB ?? info.db, info.key, planned(action)))
            if pending.count >= options.batchKeys {
                try flushExists()
            }
        }
    }

    /// Asks the target which pending keys exist (EXISTS per key, pipelined, per database).
    mutating func flushExists() throws {
        guard let router, !pending.isEmpty else { return }
        var commands: [[[UInt8]]] = []
        var keys: [[UInt8]] = []
        var currentDB: Int?
        let redis = router as? RedisConnection
        for item in pending {
            if item.db != currentDB {
                // A cluster's keys are in database 0 (checked before): no SELECT on its shards.
                commands.append(redis != nil ? [Word.select, Array(String(item.db).utf8)] : [Word.ping])
                keys.append(item.key)
                currentDB = item.db
            }
            commands.append([Word.exists, item.key])
            keys.append(item.key)
        }
        let replies = try router.routed(commands, keys: keys)
        var index = 0
        currentDB = nil
        for item in pending {
            if item.db != currentDB {
                if let m = replies[index].errorMessage {
                    throw RedisError(ReplyError(m), server: router.serverDescription, command: "SELECT")
                }
                index += 1
                currentDB = item.db
            }
            var planned = item.planned
            planned.exists = replies[index].integer == 1
            onKey?(planned)
            if replies[index].integer == 1 {
                result.conflicts += 1
                if result.conflictExamples.count < options.exampleLimit { result.conflictExamples.append(RDBError.printable(item.key)) }
            }
            index += 1
        }
        pending.removeAll(keepingCapacity: true)
    }
}

/// Pass two: builds each selected key's RESTORE from its stored bytes and sends them in batches.
struct RestoreVisitor: RestorePassVisitor {
    /// One queued RESTORE: whose reply it is.
    struct Queued {
        var db: Int
        var key: [UInt8]
    }

    let options: LiveRestoreOptions
    let target: TargetServer
    let nowMs: Int64
    /// The batches' senders (one per cluster primary, or the one server's), which hold the
    /// connections; `withConnection` borrows one back.
    let targets: RestoreTargets
    /// The server, for messages.
    let server: String
    var result = LiveRestoreResult()
    var header = RDBHeader(flavor: .redis, version: 0)
    /// Keys written so far, once the batches handed to the sender have been answered.
    var keysWritten: Int? {
        try? targets.drainAll()
        return result.restored + result.replaced + targets.written
    }
    private var functionRecords: [[UInt8]] = []
    private var functionsDone = false
    /// Another file of the same set restores the libraries (they are in every shard file).
    var librariesElsewhere = false
    /// The batch being built for each node.
    private var batches: [String: BatchSender.Batch] = [:]
    private let counting: Bool
    /// The payload of the key being read, and the version to stamp it with.
    private var payload: [UInt8] = []
    private var stamp: Int?
    /// Set once the key being read outgrew `spoolThreshold`: its payload is in `spool`, its
    /// CRC64 so far in `spoolCRC`.
    private var spooling = false
    private var spool: SpoolFile?
    private var spoolCRC = DumpPayloadBuilder()
    /// Whether the key being read is re-stamped (counted in `result.restamped`).
    private var restamped = false
    /// The longest bulk string the target accepts (proto-max-bulk-len): a bigger payload is
    /// rebuilt with commands from its spool file instead.
    let maxBulk: Int
    /// The key being rebuilt with plain commands, if any.
    var rebuild: Rebuild?
    var rebuildCount = 0

    /// Hands `redis` to a sender: from here on the visitor reaches it only through
    /// `withConnection`.
    init(options: LiveRestoreOptions, target: TargetServer, nowMs: Int64, redis: RedisConnection, maxBulk: Int = 512 << 20) {
        self.init(options: options, target: target, nowMs: nowMs, targets: RestoreTargets(server: redis, options: options), maxBulk: maxBulk)
    }

    init(options: LiveRestoreOptions, target: TargetServer, nowMs: Int64, targets: RestoreTargets, maxBulk: Int = 512 << 20) {
        self.options = options
        self.maxBulk = maxBulk
        self.target = target
        self.nowMs = nowMs
        self.server = targets.server
        self.targets = targets
        counting = options.onConflict == .replace
        result.target = target
    }

    mutating func header(_ header: RDBHeader) throws {
        self.header = header
        result.backupHeader = header
    }

    mutating func function(code: [UInt8], record: [UInt8]) throws {
        // A cluster set's shard files each hold the libraries: the first file's are restored.
        guard !functionsDone, !librariesElsewhere else { return }
        result.functionLibraries += 1
        functionRecords.append(record)
    }

    mutating func beginKey(_ info: RDBKeyInfo) throws -> RDBDelivery {
        // Libraries come before the keys in an RDB; restore them before the first key.
        if !functionsDone { try restoreFunctions() }
        result.keysInBackup += 1
        stamp = nil
        switch KeyDecision.decide(info, header: header, options: options, target: target, nowMs: nowMs) {
        case .notSelected: return .summary
        case .expired:
            result.keysSelected += 1
            result.skippedExpired += 1
            return .summary
        case .unrestorable(let reason):
            result.keysSelected += 1
            result.failed += 1
            problem(info.db, info.key, reason)
            return .summary
        case .restore(let version, let restamped):
            result.keysSelected += 1
            if restamped { result.restamped += 1 }
            self.restamped = restamped
            stamp = version
            payload.removeAll(keepingCapacity: payload.capacity <= options.batchBytes)
            payload.append(info.typeCode)
            return .raw
        case .rebuild:
            result.keysSelected += 1
            try startRebuild(info)
            return .elements
        }
    }

    mutating func rawValue(_ info: RDBKeyInfo, _ bytes: [UInt8]) throws {
        guard stamp != nil else { return }
        if spooling {
            try spoolWrite(bytes)
            return
        }
        payload += bytes
        if payload.count > options.spoolThreshold {
            // Too big to hold: what came so far goes to the spool file, the rest follows it.
            spooling = true
            spoolCRC = DumpPayloadBuilder()
            if spool == nil {
                do { spool = try SpoolFile(directory: options.spoolDirectory) } catch { throw RestoreError.spool(error) }
            }
            try spoolWrite(payload)
            payload = []
        }
    }

    /// Appends to the spool file and the payload's CRC64.
    private mutating func spoolWrite(_ bytes: [UInt8]) throws {
        guard let spool else { return }
        spoolCRC.append(bytes)
        do { try spool.write(bytes) } catch { throw RestoreError.spool(error) }
    }

    mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) throws {
        if rebuild != nil {
            try finishRebuild(info)
            return
        }
        guard let version = stamp else {
            spooling = false
            spool?.reset()
            return
        }
        if spooling {
            try restoreSpooled(info, version: version)
            return
        }
        var builder = DumpPayloadBuilder()
        builder.append(payload)
        payload += builder.finish(rdbVersion: version)
        let db = options.targetDB ?? info.db
        let node = targets.node(for: info.key)
        // Taken out of the dictionary, so appending to it does not copy its buffer.
        var batch = batches.removeValue(forKey: node) ?? BatchSender.Batch(counting: counting)
        // A batch stays within batchBytes unless one key alone is bigger.
        if let last = batch.queued.last, last.db != db || batch.bytes + payload.count > options.batchBytes {
            try targets.sender(for: node).send(batch)
            batch = BatchSender.Batch(counting: counting)
        }
        if batch.queued.isEmpty {
            batch.encoded.begin(argumentCount: 2)
            batch.encoded.argument(Word.select)
            batch.encoded.argument(Int64(db))
        }
        if batch.counting {
            batch.encoded.begin(argumentCount: 2)
            batch.encoded.argument(Word.exists)
            batch.encoded.argument(info.key)
        }
        let ttl = KeyDecision.ttl(info, nowMs: nowMs)
        let replace = options.onConflict == .replace
        let extra = (info.lruIdle != nil || info.lfuFreq != nil) ? 2 : 0
        let commandStart = batch.encoded.bytes.count
        batch.encoded.begin(argumentCount: 4 + (replace ? 1 : 0) + (ttl != 0 ? 1 : 0) + extra)
        batch.encoded.argument(Word.restore)
        batch.encoded.argument(info.key)
        batch.encoded.argument(ttl)
        batch.encoded.argument(payload)
        if replace { batch.encoded.argument(Word.replace) }
        if ttl != 0 { batch.encoded.argument(Word.absttl) }
        if let idle = info.lruIdle {
            batch.encoded.argument(Word.idletime)
            batch.encoded.argument(Int64(clamping: idle))
        } else if let freq = info.lfuFreq {
            batch.encoded.argument(Word.freq)
            batch.encoded.argument(Int64(freq))
        }
        if targets.cluster != nil { batch.commandRanges.append(commandStart..<batch.encoded.bytes.count) }
        result.bytes += UInt64(payload.count)
        batch.queued.append(Queued(db: db, key: info.key))
        if batch.queued.count >= options.batchKeys || batch.bytes >= options.batchBytes {
            try targets.sender(for: node).send(batch)
            batch = BatchSender.Batch(counting: counting)
        }
        batches[node] = batch
    }

    mutating func end(checksum: RDBChecksum, offset: Int) throws {
        if !functionsDone { try restoreFunctions() }
    }

    /// RESTORE of a key whose payload is in the spool file, on its own once the batches before
    /// it are answered: the command's head, then the payload's bulk string straight from the
    /// file in 1 MiB pieces, then its footer and the command's tail. Only the server holds the
    /// whole payload (as its query buffer), and RESTORE stays atomic: the key is restored
    /// whole or not at all. A payload longer than the server's proto-max-bulk-len, which it
    /// would refuse, is rebuilt with commands from the spool file instead.
    private mutating func restoreSpooled(_ info: RDBKeyInfo, version: Int) throws {
        spooling = false
        guard let spool else { return }
        defer { spool.reset() }
        var crc = spoolCRC
        let footer = crc.finish(rdbVersion: version)
        let length = spool.count + footer.count
        if length > maxBulk {
            try rebuildFromSpool(info, spool)
            return
        }
        // The batches go to their senders; the key's own node's are answered before it is sent
        // (withConnection drains that sender), while the other nodes' keep working.
        try flushRecording()
        let db = options.targetDB ?? info.db
        let ttl = KeyDecision.ttl(info, nowMs: nowMs)
        let replace = options.onConflict == .replace
        let extra = (info.lruIdle != nil || info.lfuFreq != nil) ? 2 : 0
        var head = RESPEncoder()
        head.begin(argumentCount: 2)
        head.argument(Word.select)
        head.argument(Int64(db))
        if counting {
            head.begin(argumentCount: 2)
            head.argument(Word.exists)
            head.argument(info.key)
        }
        head.begin(argumentCount: 4 + (replace ? 1 : 0) + (ttl != 0 ? 1 : 0) + extra)
        head.argument(Word.restore)
        head.argument(info.key)
        head.argument(ttl)
        head.beginArgument(length: length)
        var tail = RESPEncoder()
        footer.withUnsafeBytes { tail.raw($0) }
        tail.endArgument()
        if replace { tail.argument(Word.replace) }
        if ttl != 0 { tail.argument(Word.absttl) }
        if let idle = info.lruIdle {
            tail.argument(Word.idletime)
            tail.argument(Int64(clamping: idle))
        } else if let freq = info.lfuFreq {
            tail.argument(Word.freq)
            tail.argument(Int64(freq))
        }
        var one = BatchSender.Batch(counting: counting)
        one.queued = [Queued(db: db, key: info.key)]
        var counts = LiveRestoreResult()
        let options = options
        do {
            try targets.withConnection(targets.node(for: info.key)) { redis in
                try redis.send(head, during: "RESTORE")
                try spool.read { piece in try redis.send(piece, during: "RESTORE") }
                try redis.send(tail, during: "RESTORE")
                try BatchSender.count(one, redis: redis, options: options, into: &counts)
            }
        } catch let error as SpoolError {
            // A spool that cannot be read back leaves a command half sent: the connection is
            // dropped with the restore, and the server discards the unfinished command.
            throw RestoreError.spool(error)
        }
        result.bytes += UInt64(length)
        let moved = counts.redirects
        counts.redirects = []
        result.addWrites(counts, examples: options.exampleLimit)
        for r in moved {
            // The payload is in the spool file, not in memory: it is not sent again.
            result.failed += 1
            problem(r.db, r.key, "its slot moved to \(r.address) during the restore; run the restore again")
        }
    }

    /// Rebuilds a spooled key with plain commands (see LiveRestore+Rebuild.swift): the spool
    /// file is read again, as a one-key RDB, with element callbacks.
    private mutating func rebuildFromSpool(_ info: RDBKeyInfo, _ spool: SpoolFile) throws {
        if restamped { result.restamped -= 1 }
        try startRebuild(info)
        var rebuilder = SpoolRebuilder(outer: self)
        do {
            try RDBReader(SpoolRDBSource(header: header, spool: spool)).read(into: &rebuilder)
        } catch let error as RDBError {
            // The value was read once already, so this is the spool file failing.
            self = rebuilder.outer
            throw RestoreError.spool(SpoolError(directory: spool.directory, reason: "reading it back: \(error)"))
        } catch {
            self = rebuilder.outer
            throw error
        }
        self = rebuilder.outer
        try finishRebuild(info)
    }

    mutating func flushRecording() throws {
        try flush()
    }

    /// Hands each node's queued RESTOREs to its sender as one pipeline (with EXISTS first
    /// under --on-conflict replace, to count overwritten keys); their replies are counted there.
    mutating func flush() throws {
        for (node, batch) in batches where !batch.queued.isEmpty {
            batches[node] = BatchSender.Batch(counting: counting)
            try targets.sender(for: node).send(batch)
        }
    }

    /// Runs `body` with the connection of the node that holds `key`, taken back from its sender
    /// once every batch it was handed is answered, and gives it back afterwards.
    func withConnection<R>(for key: [UInt8], _ body: (RedisConnection) throws -> R) throws -> R {
        try targets.withConnection(targets.node(for: key), body)
    }

    /// Sends what is left, waits for every reply, adds up the senders' counts and sends again
    /// what a cluster node redirected. The senders keep running: a set's next shard file uses
    /// them too; the caller stops them.
    mutating func finish() throws {
        try flush()
        try targets.drainAll()
        var counts = targets.counts
        let redirected = counts.redirects
        counts.redirects = []
        try targets.resend(redirected, into: &counts)
        result.addWrites(counts, examples: options.exampleLimit)
    }

    /// FUNCTION RESTORE of the file's libraries under the chosen policy; a refusal (a library
    /// that exists, under append) is reported, not fatal: the keys do not depend on it.
    private mutating func restoreFunctions() throws {
        functionsDone = true
        guard !functionRecords.isEmpty else { return }
        guard options.functions != .skip else {
            result.functionsOutcome = "\(functionRecords.count) librar\(functionRecords.count == 1 ? "y" : "ies") skipped (\(CLIFlag.functions) skip)"
            return
        }
        let version = target.accepts(payloadVersion: header.dumpVersion, from: header.flavor) ? header.dumpVersion : target.rdbVersion
        let payload = DumpPayloadBuilder.functionPayload(records: functionRecords, rdbVersion: version)
        let policy = options.functions == .replace ? "REPLACE" : "APPEND"
        // Every primary of a cluster keeps its own libraries: each gets them.
        var refusal: String?
        for node in targets.allNodes {
            let reply = try targets.withConnection(node) { try $0.pipeline([[Word.function, Word.restore, payload, Array(policy.utf8)]])[0] }
            if let m = reply.errorMessage, LiveRestore.isFatal(m) {
                throw try targets.withConnection(node) { $0.refusal(m, command: "FUNCTION RESTORE") }
            }
            refusal = refusal ?? reply.errorMessage
        }
        if let m = refusal {
            result.functionsRefused = true
            result.functionsOutcome = "libraries not restored: \(m)" + (options.functions == .append ? "; \(CLIFlag.functions) replace overwrites them" : "")
        } else {
            result.functionsOutcome = "\(functionRecords.count) librar\(functionRecords.count == 1 ? "y" : "ies") restored (\(policy))"
        }
        functionRecords.removeAll()
    }

    mutating func problem(_ db: Int, _ key: [UInt8], _ reason: String) {
        if result.problems.count < max(options.exampleLimit, 100) {
            result.problems.append(RestoreProblem(db: db, key: RDBError.printable(key), reason: reason))
        }
    }
}
