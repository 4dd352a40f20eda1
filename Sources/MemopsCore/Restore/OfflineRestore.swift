import Foundation
import MemopsRDB

/// Everything an offline restore needs; built by the CLI.
public struct OfflineRestoreOptions: Sendable {
    public var backup: String
    /// The Redis data directory (`dir`).
    public var dataDirectory: String
    /// redis.conf of the server that will load the directory (dbfilename, appendonly, …).
    public var configFile: String?
    /// A server to ask for its settings (and whether it runs on the directory).
    public var connection: ConnectionConfig?
    /// The version of the server that will load the directory ("7.0.15"); else from
    /// `connection`, else from `redis-server --version`.
    public var serverVersion: String?
    /// Restore even though a server seems to run on the directory.
    public var force = false
    /// Print the steps, do nothing (the backup is still verified: that only reads).
    public var dryRun = false
    /// Names the quarantine folder.
    public var now = Date()

    public init(backup: String, dataDirectory: String) {
        self.backup = backup
        self.dataDirectory = dataDirectory
    }
}

/// The server settings an offline restore depends on, from redis.conf or CONFIG GET.
public struct DataDirectorySettings: Sendable, Equatable {
    public var dbfilename = "dump.rdb"
    /// nil when neither a config file nor a server said.
    public var appendonly: Bool?
    public var appendfilename = "appendonly.aof"
    public var appenddirname = "appendonlydir"
    public var pidfile: String?
    /// Where the settings came from, for messages.
    public var source = "defaults"

    public init() {}

    /// Reads the directives that matter from a redis.conf (last one wins, as in Redis).
    public static func read(configFile path: String) throws -> DataDirectorySettings {
        let data: [UInt8]
        do {
            data = try readSmallFile(path)
        } catch .tooLarge(let limit) {
            throw FileError("read", path, errno: EFBIG, hint: "a redis.conf is far below \(MemoryUnits.short(UInt64(limit)))", exitStatus: .usage)
        } catch {
            throw FileError("read", path, exitStatus: .usage)
        }
        var s = DataDirectorySettings()
        s.source = path
        s.appendonly = false
        for raw in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            var value = parts[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f { value = String(value.dropFirst().dropLast()) }
            switch parts[0].lowercased() {
            case "dbfilename": s.dbfilename = value
            case "appendonly": s.appendonly = value.lowercased() == "yes"
            case "appendfilename": s.appendfilename = value
            case "appenddirname": s.appenddirname = value
            case "pidfile": s.pidfile = value
            default: break
            }
        }
        return s
    }

    /// CONFIG GET of the same directives from a running server.
    public static func read(_ redis: RedisConnection) throws(RedisError) -> DataDirectorySettings {
        var s = DataDirectorySettings()
        s.source = "the server at \(redis.config)"
        if let v = try redis.configGet("dbfilename") { s.dbfilename = v }
        if let v = try redis.configGet("appendonly") { s.appendonly = v == "yes" }
        if let v = try redis.configGet("appendfilename") { s.appendfilename = v }
        if let v = try redis.configGet("appenddirname") { s.appenddirname = v }
        if let v = try redis.configGet("pidfile"), !v.isEmpty { s.pidfile = v }
        return s
    }
}

/// What an offline restore did (or, in a dry run, would do).
public struct OfflineRestoreResult: Sendable {
    public var header = RDBHeader(flavor: .redis, version: 0)
    public var settings = DataDirectorySettings()
    public var target: TargetServer?
    public var dryRun = false
    /// Every step, in order, as a sentence.
    public var steps: [String] = []
    /// Where the replaced files went, when there were any.
    public var quarantine: String?
    /// Why a running server was ignored under --force.
    public var warnings: [String] = []
    /// What to do next, exactly.
    public var nextSteps: [String] = []
}

/// Installs a backup into a stopped server's data directory: deep-verify, refuse while a server
/// runs there, quarantine (never delete) the current dump and AOF files, write the RDB
/// atomically with the replaced file's owner, group and mode, and — when the server runs with
/// `appendonly yes` — install it as the base of a fresh Redis 7 multi-part AOF, since Redis
/// then loads only the AOF and would ignore a plain dump.rdb (starting empty).
public struct OfflineRestore {
    public let options: OfflineRestoreOptions

    public init(options: OfflineRestoreOptions) {
        self.options = options
    }

    /// Runs the restore; with `dryRun` only plans it. Throws `RestoreError` for a corrupt
    /// backup, a running server, or an RDB version the target cannot read.
    public func run() throws -> OfflineRestoreResult {
        var result = OfflineRestoreResult()
        result.dryRun = options.dryRun
        let dir = URL(fileURLWithPath: options.dataDirectory).standardizedFileURL.path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw RestoreError.invalid("data directory \(dir) does not exist; pass the server's dir (CONFIG GET dir)")
        }

        // 1. Deep verification: every structure and the CRC64, before anything is touched.
        result.header = try OfflineRestore.deepVerify(options.backup)
        result.steps.append("verified \(options.backup): \(result.header.text), structure and CRC64 checked")

        // 2. What the server is, how it persists, and whether it is running on the directory.
        try inspectTarget(dir, &result)

        // 3. The plan: quarantine, write the RDB, install the AOF base.
        for (text, action) in try plan(dir, &result) {
            result.steps.append(options.dryRun ? "would \(text)" : text)
            if !options.dryRun { try action() }
        }

        // 4. What to do next.
        OfflineRestore.addNextSteps(&result)
        return result
    }

    /// Step 2: the target's persistence settings and version (from the config file, the
    /// server, or redis-server on PATH), refusing an RDB too new for it and a server running
    /// on `dir` unless forced.
    private func inspectTarget(_ dir: String, _ result: inout OfflineRestoreResult) throws {
        var redis: RedisConnection?
        if let config = options.connection { redis = try RedisConnection(config) }
        if let configFile = options.configFile {
            result.settings = try DataDirectorySettings.read(configFile: configFile)
        } else if let redis {
            result.settings = try DataDirectorySettings.read(redis)
        }
        if let v = options.serverVersion {
            result.target = TargetServer(flavor: .redis, version: v)
        } else if let redis {
            result.target = try TargetServer.detect(redis)
        } else {
            result.target = OfflineRestore.localServerVersion()
        }
        if let target = result.target {
            guard target.accepts(payloadVersion: result.header.version, from: result.header.flavor) else {
                throw RestoreError.rdbTooNew(file: result.header.version, target: target.rdbVersion, targetVersion: target.description)
            }
        } else {
            result.warnings.append("the target server's version is unknown (no -u, no \(CLIFlag.serverVersion), no redis-server on PATH); the RDB version was not checked")
        }
        if let evidence = try OfflineRestore.runningServer(on: dir, settings: result.settings, redis: redis) {
            guard options.force else { throw RestoreError.serverRunning(directory: dir, evidence: evidence) }
            result.warnings.append("\(CLIFlag.force): restoring although \(evidence); that server will not load the restored data until it restarts, "
                + "and its next save or shutdown overwrites dump.rdb (stop it with SHUTDOWN NOSAVE before restarting)")
        }
    }

    /// Step 3: the actions that quarantine the files being replaced, write the RDB and install
    /// the AOF base, each with the sentence the result reports; `result.quarantine` is set when
    /// there is anything to quarantine.
    private func plan(_ dir: String, _ result: inout OfflineRestoreResult) throws -> [(String, () throws -> Void)] {
        let fm = FileManager.default
        let stamp = OfflineRestore.timestamp(options.now)
        let quarantine = (dir as NSString).appendingPathComponent("memops-quarantine-\(stamp)")
        let dump = (dir as NSString).appendingPathComponent(result.settings.dbfilename)
        let aofDir = (dir as NSString).appendingPathComponent(result.settings.appenddirname)
        let legacyAOF = (dir as NSString).appendingPathComponent(result.settings.appendfilename)
        let aofOn = result.settings.appendonly == true
        let dirStat = try OfflineRestore.stat(dir)!
        let dumpStat = try OfflineRestore.stat(dump)
        let owner = dumpStat.map { ($0.st_uid, $0.st_gid, $0.st_mode & 0o7777) } ?? (dirStat.st_uid, dirStat.st_gid, 0o660)
        let modeText = "0" + String(owner.2, radix: 8)
        var toQuarantine: [String] = []
        if dumpStat != nil { toQuarantine.append(dump) }
        if fm.fileExists(atPath: aofDir) { toQuarantine.append(aofDir) }
        if fm.fileExists(atPath: legacyAOF) { toQuarantine.append(legacyAOF) }

        let settings = result.settings
        var actions: [(String, () throws -> Void)] = []
        if !toQuarantine.isEmpty {
            result.quarantine = quarantine
            actions.append(("create \(quarantine) for the files being replaced", {
                guard mkdir(quarantine, 0o700) == 0 else { throw FileError("create", quarantine) }
            }))
            if dumpStat != nil {
                // A hard link keeps the old dump in quarantine while the new one replaces it in
                // one rename: the directory never lacks a dump.rdb.
                actions.append(("keep the current \(dump) as \(quarantine)/\(settings.dbfilename) (hard link; replaced below)", {
                    guard link(dump, (quarantine as NSString).appendingPathComponent(settings.dbfilename)) == 0 else {
                        throw FileError("link", dump, hint: "nothing was changed")
                    }
                }))
            }
        }
        actions.append(("write \(dump) atomically from the backup (owner \(owner.0):\(owner.1), mode \(modeText))", {
            try OfflineRestore.install(options.backup, at: dump, owner: owner)
        }))
        for path in toQuarantine where path != dump {
            let name = (path as NSString).lastPathComponent
            actions.append(("move \(path) into \(quarantine)/\(name)", {
                guard rename(path, (quarantine as NSString).appendingPathComponent(name)) == 0 else { throw FileError("move", path) }
            }))
        }
        if aofOn {
            let base = "\(result.settings.appendfilename).1.base.rdb"
            let incr = "\(result.settings.appendfilename).1.incr.aof"
            actions.append(("create \(aofDir) with \(base) (the backup), an empty \(incr) and \(result.settings.appendfilename).manifest", {
                try OfflineRestore.installAOF(from: dump, directory: aofDir, settings: settings, owner: owner)
            }))
        }
        if !toQuarantine.isEmpty {
            actions.append(("sync \(dir) and \(quarantine)", {
                try syncDirectory(of: (quarantine as NSString).appendingPathComponent("x"))
                try syncDirectory(of: dump)
            }))
        }
        return actions
    }

    /// Step 4: how to start the server on the restored files, by its appendonly setting.
    private static func addNextSteps(_ result: inout OfflineRestoreResult) {
        if result.settings.appendonly == true {
            result.nextSteps.append("start the server (appendonly yes): it loads \(result.settings.appenddirname)/\(result.settings.appendfilename).1.base.rdb as its AOF base")
        } else if result.settings.appendonly == false {
            result.nextSteps.append("start the server (appendonly no): it loads \(result.settings.dbfilename)")
            result.nextSteps.append("to turn AOF on afterwards: redis-cli CONFIG SET appendonly yes (it rewrites the AOF from memory), then set appendonly yes in redis.conf")
        } else {
            result.warnings.append("appendonly is unknown (pass \(CLIFlag.config) or -u): if the server runs with appendonly yes it would start EMPTY, "
                + "ignoring \(result.settings.dbfilename); in that case start it once with appendonly no, then CONFIG SET appendonly yes, then set it in redis.conf")
            result.nextSteps.append("start the server; with appendonly no it loads \(result.settings.dbfilename)")
        }
        result.nextSteps.append("check it: redis-cli INFO keyspace")
        if let q = result.quarantine { result.nextSteps.append("once satisfied, the replaced files in \(q) may be removed by hand") }
        if let q = result.quarantine { result.nextSteps.append("once satisfied, the replaced files in \(q) may be removed by hand") }
    }

    /// Reads the whole backup with the RDB reader (every structure, the CRC64) and returns its header.
    public static func deepVerify(_ path: String) throws -> RDBHeader {
        struct Header: RDBVisitor {
            var seen = RDBHeader(flavor: .redis, version: 0)
            mutating func header(_ h: RDBHeader) { seen = h }
            mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery { .summary }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw RestoreError.invalid("backup \(path) does not exist; list backups with memops backup list \(CLIFlag.dest) DIR")
        }
        var visitor = Header()
        do {
            try RDBReader(try openRDB(path: path)).read(into: &visitor)
        } catch {
            throw RestoreError.corruptBackup(path: path, reason: String(describing: error))
        }
        return visitor.seen
    }

    /// Why we believe a server runs on `dir`, or nil: a redis-server/valkey-server process whose
    /// working directory is `dir` (the server chdirs to `dir` at start), a live pid in its pid
    /// file, or the server at `-u` reporting `dir` as its CONFIG GET dir.
    static func runningServer(on dir: String, settings: DataDirectorySettings, redis: RedisConnection?) throws -> String? {
        let real = realpath(dir)
        if let redis, let serverDir = try redis.configGet("dir"), realpath(serverDir) == real {
            return "the server at \(redis.config) reports CONFIG GET dir = \(serverDir)"
        }
        if let pidfile = settings.pidfile, let text = try? String(contentsOfFile: pidfile, encoding: .utf8),
           let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0 || errno == EPERM {
            return "pid file \(pidfile) names live process \(pid)"
        }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry) else { continue }
            let comm = (try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard comm == "redis-server" || comm == "valkey-server" else { continue }
            if let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/cwd"), realpath(cwd) == real {
                return "\(comm) pid \(pid) has its working directory there"
            }
        }
        return nil
    }

    /// Decompresses the backup into `path` atomically, with the given owner, group and mode.
    static func install(_ backup: String, at path: String, owner: (uid_t, gid_t, mode_t)) throws {
        let url = URL(fileURLWithPath: path)
        unlink(url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".partial").path)
        let file = try AtomicFile(path: path, mode: owner.2)
        var source = try openRDB(path: backup)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            try buffer.withUnsafeBytes { raw in try file.write(UnsafeRawBufferPointer(rebasing: raw[0..<n])) }
        }
        guard chown(file.partialPath, owner.0, owner.1) == 0 else { throw FileError("chown", file.partialPath) }
        try file.publish()
    }

    /// Builds a fresh multi-part AOF directory (Redis 7.0 aof.c: a base RDB, an empty incr file,
    /// and a manifest of `file NAME seq N type b|i` lines) under a temporary name, then renames it
    /// into place.
    static func installAOF(from rdb: String, directory: String, settings: DataDirectorySettings, owner: (uid_t, gid_t, mode_t)) throws {
        let partial = (directory as NSString).deletingLastPathComponent + "/." + (directory as NSString).lastPathComponent + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        guard mkdir(partial, 0o755) == 0 else { throw FileError("create", partial) }
        chown(partial, owner.0, owner.1)
        let base = "\(settings.appendfilename).1.base.rdb"
        let incr = "\(settings.appendfilename).1.incr.aof"
        let manifestName = "\(settings.appendfilename).manifest"
        try install(rdb, at: (partial as NSString).appendingPathComponent(base), owner: owner)
        try writeOwned([], to: (partial as NSString).appendingPathComponent(incr), owner: owner)
        let manifest = "file \(base) seq 1 type b\nfile \(incr) seq 1 type i\n"
        try writeOwned(Array(manifest.utf8), to: (partial as NSString).appendingPathComponent(manifestName), owner: owner)
        guard rename(partial, directory) == 0 else { throw FileError("rename", partial) }
        try syncDirectory(of: directory)
    }

    private static func writeOwned(_ bytes: [UInt8], to path: String, owner: (uid_t, gid_t, mode_t)) throws {
        let file = try AtomicFile(path: path, mode: owner.2)
        try file.write(bytes)
        guard chown(file.partialPath, owner.0, owner.1) == 0 else { throw FileError("chown", file.partialPath) }
        try file.publish()
    }

    static func stat(_ path: String) throws -> Foundation.stat? {
        var st = Foundation.stat()
        if lstat(path, &st) == 0 { return st }
        if errno == ENOENT { return nil }
        throw FileError("stat", path)
    }

    static func realpath(_ path: String) -> String {
        guard let resolved = Foundation.realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// `redis-server --version` from PATH, the binary most likely to start on the directory.
    static func localServerVersion() -> TargetServer? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/redis-server"
            guard FileManager.default.isExecutableFile(atPath: path) else { continue }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = ["--version"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return nil }
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return TargetServer.parse(versionOutput: String(decoding: data, as: UTF8.self))
        }
        return nil
    }

    static func timestamp(_ date: Date) -> String {
        UTCTime.compact(date)
    }
}
