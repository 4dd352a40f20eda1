import Foundation
import MemopsRDB

/// Everything a backup run needs to know; built by the CLI, never from argument-parser types.
public struct BackupRequest: Sendable {
    /// Where the RDB comes from.
    public enum Source: Sendable, Equatable {
        /// BGSAVE, then the server's own file: `CONFIG GET dir` + `dbfilename`, or this path.
        case bgsave(rdbPath: String?)
        /// A fresh snapshot over the replication protocol (SYNC), for another host.
        case replication
    }

    public var destination: String
    public var prefix: String = "redis"
    public var source: Source = .bgsave(rdbPath: nil)
    public var level: Int32 = 3
    public var workers: Int32 = Int32(ProcessInfo.processInfo.activeProcessorCount)
    public var saveTimeout: Double = 3600
    public var lockWait: Double = 0
    public var retention = RetentionPolicy()
    /// Show what retention would remove without removing it.
    public var retentionDryRun = false
    /// How to re-read the written file before publishing it.
    public var verify: VerifyLevel = .shallow
    public var metricsFile: String?

    public init(destination: String) {
        self.destination = destination
    }

    /// The options as recorded in the manifest.
    var parameters: [String: String] {
        var p: [String: String] = [
            "level": String(level), "workers": String(workers), "prefix": prefix,
            "save-timeout": String(saveTimeout), "verify": verify.rawValue,
        ]
        if case .bgsave(let path?) = source { p["rdb-path"] = path }
        if let v = retention.last { p["keep-last"] = String(v) }
        if let v = retention.daily { p["keep-daily"] = String(v) }
        if let v = retention.weekly { p["keep-weekly"] = String(v) }
        if let v = retention.monthly { p["keep-monthly"] = String(v) }
        return p
    }
}

extension BackupRequest {
    /// The prefix and the destination, checked before anything is asked of the server.
    public func checkDestination() throws {
        let dest = destination
        try BackupName.validate(prefix: prefix)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dest, isDirectory: &isDir) else {
            throw BackupError.destination(path: dest, reason: "no such directory; create it first (mkdir -p \(dest))")
        }
        guard isDir.boolValue else {
            throw BackupError.destination(path: dest, reason: "it is a file, not a directory; name the folder backups go in")
        }
        guard access(dest, W_OK) == 0 else {
            throw BackupError.destination(path: dest, reason: "not writable by this user")
        }
    }
}

/// How thoroughly a backup or file is checked.
public enum VerifyLevel: String, Sendable, CaseIterable {
    /// Nothing beyond what streaming already checks (RDB header and CRC64).
    case none
    /// zstd frames and checksum, SHA-256 of both forms, RDB header and CRC64 trailer.
    case shallow
    /// Shallow, plus a full structural parse of every key.
    case deep
}

/// What a backup run did.
public struct BackupResult: Sendable {
    public var file: String
    public var path: String
    public var manifest: BackupManifest
    public var retention: RetentionPlan
    /// `.partial` files from earlier killed runs that this run removed.
    public var leftoversRemoved: [String]
    public var warnings: [String]
}

/// The nightly backup: lock, save, stream through zstd while checking the RDB, publish
/// atomically with a manifest, verify, then apply retention.
public struct BackupEngine {
    public var connection: ConnectionConfig
    public var request: BackupRequest
    /// Called as bytes stream: (raw bytes so far, total when known).
    public var progress: ((UInt64, UInt64?) -> Void)?

    public init(connection: ConnectionConfig, request: BackupRequest) {
        self.connection = connection
        self.request = request
    }

    public func run() throws -> BackupResult {
        let started = Date()
        // Interrupted (SIGTERM, SIGINT): the partial file is removed by its own cleanup, and the
        // metrics record the failure with the status the process exits with.
        let recordInterruption = Interruption.shared.onInterrupt { signal in
            try? writeMetrics(status: 128 + signal, started: started, bytes: nil)
        }
        defer { Interruption.shared.remove(recordInterruption) }
        do {
            let result = try runLocked(started: started)
            try writeMetrics(status: 0, started: started, bytes: (result.manifest.rdb.bytes, result.manifest.compressed.bytes))
            return result
        } catch {
            let status = (error as? MemopsError)?.exitStatus.rawValue ?? ExitStatus.failed.rawValue
            // A locked run must not overwrite the metrics of the run that holds the lock.
            if status != ExitStatus.locked.rawValue { try? writeMetrics(status: status, started: started, bytes: nil) }
            throw error
        }
    }

    private func runLocked(started: Date) throws -> BackupResult {
        let dest = request.destination
        try request.checkDestination()
        let lock = try DestinationLock(directory: dest, wait: request.lockWait)
        defer { withExtendedLifetime(lock) {} }
        let leftovers = BackupCatalog.removeLeftovers(dest)

        let redis = try RedisConnection(connection)
        let captured = try capture(redis, in: dest, started: started, ticket: nil) { freeName(for: $0.savedAt) }
        let (name, output, manifest) = (captured.manifest.file, captured.output, captured.manifest)
        try publish(output, with: manifest, in: dest)
        Fault.point("backup.published")

        let plan = request.retention.plan(try BackupCatalog.list(dest, prefix: request.prefix), protected: name)
        if !request.retentionDryRun {
            try plan.apply(in: dest)
        }
        return BackupResult(file: name, path: output.finalPath, manifest: manifest, retention: plan, leftoversRemoved: leftovers, warnings: captured.warnings)
    }

    /// One server's snapshot, streamed, synced and verified into a partial file in
    /// `directory`, with its manifest; not yet published.
    struct Captured {
        var output: AtomicFile
        var manifest: BackupManifest
        var warnings: [String]
    }

    /// Saves (or syncs) `redis`, streams the snapshot into `directory` under the name `name`
    /// gives for the save, verifies it at the requested level and makes its manifest. With a
    /// `ticket`, the save was already asked for (a cluster's saves at one instant): only its
    /// end is waited for.
    func capture(_ redis: RedisConnection, in directory: String, started: Date, ticket: SaveWaiter.Ticket?,
                 name: (SaveReport) -> String) throws -> Captured {
        let saveStarted = Date()
        let snapshot = try openSnapshot(redis, ticket: ticket)
        let file = name(snapshot.report)
        let output = try AtomicFile(path: URL(fileURLWithPath: directory).appendingPathComponent(file).path)
        let written = try write(snapshot, to: output, name: file)
        var warnings: [String] = []
        if written.streamed.rdb.checksumDisabled {
            warnings.append("the server writes RDB files without a checksum (rdbchecksum no): this backup's content cannot be verified; set rdbchecksum yes")
        }
        let manifest = makeManifest(
            name: file, snapshot: snapshot, written: written, redis: redis,
            times: (started: started, save: saveStarted, finished: Date()))
        return Captured(output: output, manifest: manifest, warnings: warnings)
    }

    /// A snapshot ready to stream: its bytes, their size when known, and what the save reported.
    struct Snapshot {
        var source: ByteSource
        var expectedSize: UInt64?
        var report: SaveReport
        var label: String
    }

    /// Saves and opens the server's dump file, or starts a replication stream.
    private func openSnapshot(_ redis: RedisConnection, ticket: SaveWaiter.Ticket?) throws -> Snapshot {
        switch request.source {
        case .bgsave(let rdbPath):
            let path = try rdbPath ?? locateDump(redis)
            let waiter = SaveWaiter(timeout: request.saveTimeout)
            let report = try ticket.map { try waiter.wait(for: $0, on: redis) { try RedisConnection(connection) } }
                ?? waiter.save(on: redis) { try RedisConnection(connection) }
            let file: FileSource
            do {
                file = try FileSource(path: path)
            } catch {
                throw BackupError.dumpNotFound(reason: "\(path) cannot be opened (\(error)); if Redis runs on another host use \(CLIFlag.source) replication")
            }
            guard let status = file.status() else {
                throw BackupError.staleDump(path: path, reason: "it is not a regular file")
            }
            // The file the save wrote was renamed into place when the save ended, so it cannot
            // be older than the request (one second of slack for file-system timestamp rounding).
            if status.modified.timeIntervalSince1970 < report.requestedAt.timeIntervalSince1970.rounded(.down) - 1 {
                throw BackupError.staleDump(path: path, reason: "it was last written \(UTCTime.iso8601(status.modified)), before this save was requested \(UTCTime.iso8601(report.requestedAt))")
            }
            return Snapshot(source: file, expectedSize: status.size, report: report, label: "the dump")
        case .replication:
            let info = try redis.info("server")
            let requested = Date()
            let sync = try ReplicationSource(connection: redis)
            // The snapshot's fork is done once the payload starts: INFO keyspace of that moment,
            // on a connection of its own (this one now carries the stream), counts its keys as
            // closely as INFO does right after a BGSAVE.
            let keyspace = (try? KeyspaceCount.parse(RedisConnection(connection).info("keyspace"))) ?? []
            let report = SaveReport(
                runID: info["run_id"] ?? "", redisVersion: info["redis_version"] ?? "unknown",
                requestedAt: requested, savedAt: requested, keyspace: keyspace)
            return Snapshot(source: sync, expectedSize: sync.expectedSize, report: report, label: "the replication stream")
        }
    }

    /// Names the backup by the save's time; a second backup in the same second gets -2, -3…,
    /// always above every sequence that second already has (or had: an orphan manifest), so
    /// that a newer backup never sorts before an older one after retention freed a lower number.
    func freeName(for savedAt: Date, suffix: String = ".rdb.zst") -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: request.destination)) ?? []
        let second = UTCTime.compact(savedAt)
        var highest = 0
        for name in names {
            let backup = name.hasSuffix(".manifest.json") ? String(name.dropLast(".manifest.json".count)) + ".rdb.zst" : name
            guard let stamp = BackupName.parse(backup), stamp.prefix == request.prefix, UTCTime.compact(stamp.time) == second else { continue }
            highest = max(highest, stamp.sequence)
        }
        return BackupName.make(prefix: request.prefix, time: savedAt, sequence: highest + 1, suffix: suffix)
    }

    /// What streaming and verifying the written file found, and when each began.
    struct Written {
        var streamed: Streamed
        var checked: RDBSummary?
        var streamStarted: Date
        var verifyStarted: Date
    }

    /// Streams the snapshot into the partial file, syncs it, and re-reads it at the requested
    /// level; on any failure the partial file is removed.
    private func write(_ snapshot: Snapshot, to output: AtomicFile, name: String) throws -> Written {
        let streamStarted = Date()
        do {
            let streamed = try stream(snapshot.source, expectedSize: snapshot.expectedSize, into: output, dumpName: snapshot.label)
            try output.sync()
            Fault.point("backup.synced")
            let verifyStarted = Date()
            var checked: RDBSummary?
            if request.verify != .none {
                let check = try Verifier.verify(path: output.partialPath, manifest: nil, deep: request.verify == .deep, digests: true)
                checked = check.summary
                // The file on disk must be exactly what was streamed.
                guard check.storedSHA256 == streamed.storedSHA256, check.rawSHA256 == streamed.rawSHA256 else {
                    throw VerificationError.mismatch(file: name, what: "written file", expected: streamed.storedSHA256, actual: check.storedSHA256 ?? "none")
                }
            }
            Fault.point("backup.verified")
            return Written(streamed: streamed, checked: checked, streamStarted: streamStarted, verifyStarted: verifyStarted)
        } catch {
            output.abandon()
            throw error
        }
    }

    /// The manifest of a written backup.
    private func makeManifest(name: String, snapshot: Snapshot, written: Written, redis: RedisConnection,
                              times: (started: Date, save: Date, finished: Date)) -> BackupManifest {
        let streamed = written.streamed
        var keyspace = snapshot.report.keyspace
        var keyspaceSource = "info"
        if let checked = written.checked {
            // The deep parse counted the snapshot itself: exact, unlike INFO a moment later.
            keyspace = checked.databases.keys.sorted().map { KeyspaceCount(db: $0, keys: checked.databases[$0]!.keys, expires: checked.databases[$0]!.expires) }
            keyspaceSource = "rdb"
        }
        var manifest = BackupManifest(
            file: name, startedAt: times.started, savedAt: snapshot.report.savedAt, finishedAt: times.finished,
            durationSeconds: times.finished.timeIntervalSince(times.started),
            server: .init(address: connection.description, version: snapshot.report.redisVersion, runID: snapshot.report.runID),
            source: request.source == .replication ? "replication" : "bgsave",
            rdb: .init(header: streamed.rdb.header.text, version: streamed.rdb.header.version, bytes: streamed.rawBytes, sha256: streamed.rawSHA256, crc64: streamed.rdb.checksum.map { String($0, radix: 16) }),
            compressed: .init(level: Int(request.level), bytes: streamed.storedBytes, sha256: streamed.storedSHA256),
            keyspace: keyspace, keyspaceSource: keyspaceSource, memopsVersion: memopsVersion,
            parameters: request.parameters, verification: nil, timings: nil)
        if request.verify != .none {
            manifest.verification = .init(at: times.finished, level: request.verify.rawValue, ok: true)
        }
        manifest.timings = .init(
            saveSeconds: written.streamStarted.timeIntervalSince(times.save),
            streamSeconds: written.verifyStarted.timeIntervalSince(written.streamStarted),
            verifySeconds: times.finished.timeIntervalSince(written.verifyStarted))
        return manifest
    }

    /// Publishes the backup and its manifest together or not at all. The manifest is written
    /// and synced first under its partial name (a full disk fails here, with nothing published),
    /// then renamed into place before the backup: a crash between the two renames leaves a
    /// manifest without a backup, which nothing lists and the next run removes, never a
    /// backup without its manifest, which retention would keep forever.
    func publish(_ output: AtomicFile, with manifest: BackupManifest, in dest: String) throws {
        let manifestFile = try AtomicFile(path: URL(fileURLWithPath: dest).appendingPathComponent(BackupManifest.fileName(for: manifest.file)).path)
        do {
            try manifestFile.write(manifest.encoded())
            try manifestFile.sync()
        } catch {
            manifestFile.abandon()
            output.abandon()
            throw error
        }
        try Interruption.shared.critical { () throws(FileError) in
            try manifestFile.rename()
            Fault.point("backup.manifest-renamed")
            do throws(FileError) {
                try output.rename()
            } catch {
                manifestFile.unpublish()
                output.abandon()
                throw error
            }
        }
        try syncDirectory(of: output.finalPath)
    }

    /// `CONFIG GET dir` + `dbfilename`, checked to exist on this host.
    private func locateDump(_ redis: RedisConnection) throws -> String {
        var dir: String?
        var file: String?
        var refused: RedisError?
        do throws(RedisError) {
            dir = try redis.configGet("dir")
            file = try redis.configGet("dbfilename")
        } catch {
            refused = error
        }
        if let refused {
            // An ACL that forbids it is the user's to grant (exit 9, with the rule); a command
            // renamed away leaves --rdb-path or replication.
            guard case .permission(_, _, let message, _, _) = refused, !message.hasPrefix("NOPERM") else { throw refused }
            throw BackupError.dumpNotFound(reason: "CONFIG GET is renamed or disabled; pass \(CLIFlag.rdbPath) PATH or use \(CLIFlag.source) replication")
        }
        guard let dir, let file else {
            throw BackupError.dumpNotFound(reason: "CONFIG GET dir/dbfilename returned nothing; pass \(CLIFlag.rdbPath) PATH")
        }
        // config.c answers CONFIG GET dir with getcwd(), empty when the directory was removed.
        guard !dir.isEmpty else {
            throw BackupError.dumpNotFound(reason: "the server's working directory was removed (CONFIG GET dir is empty), so it cannot save; recreate it and CONFIG SET dir, or restart Redis")
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw BackupError.dumpNotFound(reason: "the server's dir \(dir) does not exist on this host; if Redis runs elsewhere use \(CLIFlag.source) replication")
        }
        return URL(fileURLWithPath: dir).appendingPathComponent(file).path
    }

    struct Streamed {
        var rdb: ShallowCheck.Result
        var rawBytes: UInt64
        var storedBytes: UInt64
        var rawSHA256: String
        var storedSHA256: String
    }

    /// One pass: read → CRC/header check and SHA-256 → zstd → SHA-256 → disk. Flat memory:
    /// one 1 MiB input buffer and zstd's own window.
    private func stream(_ source: ByteSource, expectedSize: UInt64?, into output: AtomicFile, dumpName: String) throws -> Streamed {
        var source = source
        let compressor = try ZstdCompressor(level: request.level, workers: request.workers, pledgedSize: expectedSize)
        var check = ShallowCheck()
        let raw = MessageDigest()
        let stored = MessageDigest()
        var storedBytes: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        let sink: (UnsafeRawBufferPointer) throws -> Void = { piece in
            stored.update(bufferPointer: piece)
            storedBytes += UInt64(piece.count)
            try output.write(piece)
        }
        var headerChecked = false
        while true {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            try buffer.withUnsafeBytes { all in
                let part = UnsafeRawBufferPointer(rebasing: all[0..<n])
                check.consume(part)
                raw.update(bufferPointer: part)
                try compressor.compress(part, sink: sink)
            }
            if !headerChecked {
                do {
                    if try check.header() != nil { headerChecked = true }
                } catch {
                    throw BackupError.corruptDump(path: dumpName, reason: error.description)
                }
            }
            progress?(check.byteCount, expectedSize)
            Fault.point("backup.streaming")
        }
        if let expectedSize, check.byteCount != expectedSize {
            throw BackupError.corruptDump(path: dumpName, reason: "read \(check.byteCount) bytes, expected \(expectedSize): it changed while being read")
        }
        try compressor.finish(sink: sink)
        let result: ShallowCheck.Result
        do {
            result = try check.finish()
        } catch {
            throw BackupError.corruptDump(path: dumpName, reason: error.description)
        }
        return Streamed(rdb: result, rawBytes: check.byteCount, storedBytes: storedBytes, rawSHA256: hex(raw.finalize()), storedSHA256: hex(stored.finalize()))
    }

    /// Writes the metrics file of a run that ended with `status`; `bytes` (raw, compressed) of
    /// the backup it published, nil when it published none (the last success is carried over).
    func writeMetrics(status: Int32, started: Date, bytes: (raw: UInt64, compressed: UInt64)?) throws {
        guard let path = request.metricsFile else { return }
        let previous = BackupMetrics.previous(at: path)
        let now = Date()
        let metrics = BackupMetrics(
            prefix: request.prefix, exitStatus: status, runAt: now, durationSeconds: now.timeIntervalSince(started),
            lastSuccess: bytes == nil ? previous.lastSuccess : now,
            rawBytes: bytes?.raw ?? previous.raw,
            compressedBytes: bytes?.compressed ?? previous.compressed)
        try metrics.write(to: path)
    }
}
