import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// A fresh destination folder under the test run's temp dir.
func makeDestination() throws -> String {
    let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
    let dir = URL(fileURLWithPath: base).appendingPathComponent("dest-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func config(_ server: RedisServerProcess, password: String? = nil) -> ConnectionConfig {
    ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port), password: password, commandTimeout: 10)
}

/// Decompresses with the zstd command-line tool: an independent check of memops' output.
func zstdDecompress(_ path: String) throws -> [UInt8] {
    let p = Process()
    p.executableURL = try RedisServerProcess.locate("zstd")
    p.arguments = ["-d", "-c", "-q", path]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw TestServerError("zstd -d failed on \(path)") }
    return Array(data)
}

/// Files in a folder that are backups, manifests or partials (not the lock).
func listing(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0 != ".memops-backup.lock" }.sorted()
}

@Suite(.serialized) struct BackupTests {
    @Test func roundTripMatchesTheServersDump() throws {
        let server = try RedisServerProcess()
        try server.populate(count: 2000)
        let dest = try makeDestination()
        let result = try BackupEngine(connection: config(server), request: BackupRequest(destination: dest)).run()
        let dump = try [UInt8](Data(contentsOf: server.directory.appendingPathComponent("dump.rdb")))
        #expect(try zstdDecompress(result.path) == dump)
        #expect(result.manifest.rdb.bytes == UInt64(dump.count))
        #expect(result.manifest.keyspace.first?.keys == 2000 * 3 + 50 * 3 + 1)
        #expect(result.manifest.keyspace.first?.expires == 2000)
        let attributes = try FileManager.default.attributesOfItem(atPath: result.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(listing(dest) == [result.file, BackupManifest.fileName(for: result.file)].sorted())
        // The manifest on disk says what the run returned, and verify agrees with it.
        let onDisk = try BackupManifest.decode(Data(contentsOf: URL(fileURLWithPath: dest).appendingPathComponent(BackupManifest.fileName(for: result.file))))
        #expect(try onDisk.encoded() == result.manifest.encoded())
        let report = try Verifier.verify(path: result.path, manifest: onDisk)
        #expect(report.rawSHA256 == onDisk.rdb.sha256)
        // Without a manifest there is nothing to compare digests with: none are computed
        // unless asked for, and then they are the manifest's.
        let plain = try Verifier.verify(path: result.path, deep: true)
        #expect(plain.rawSHA256 == nil && plain.storedSHA256 == nil)
        let hashed = try Verifier.verify(path: result.path, digests: true)
        #expect(hashed.rawSHA256 == onDisk.rdb.sha256 && hashed.storedSHA256 == onDisk.compressed.sha256)
        // A plain RDB, deep-verified (read ahead on a second thread): the digest covers every byte.
        let plainDump = URL(fileURLWithPath: dest).appendingPathComponent("plain.rdb")
        try Data(dump).write(to: plainDump)
        let mapped = try Verifier.verify(path: plainDump.path, deep: true, digests: true)
        #expect(mapped.rawSHA256 == onDisk.rdb.sha256 && mapped.rawBytes == UInt64(dump.count))
    }

    /// Big enough that writeback is started part way (every 8 MiB) and written in uneven
    /// pieces: the published file is exactly what was written, and nothing else is left.
    @Test func atomicFileWritesPastTheWritebackHintsIntact() throws {
        let dest = try makeDestination()
        let path = URL(fileURLWithPath: dest).appendingPathComponent("big.bin").path
        var random = SeededRandom(state: 7)
        let words = (0..<((AtomicFile.writebackEvery * 2 + 12_345) / 8)).map { _ in random.next() }
        let data = words.withUnsafeBytes { [UInt8]($0) }
        let file = try AtomicFile(path: path)
        var at = 0
        while at < data.count {
            let n = min(data.count - at, 100_000 + at % 77_777)
            try data[at..<(at + n)].withUnsafeBytes { try file.write($0) }
            at += n
        }
        try file.publish()
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == data)
        #expect(listing(dest) == ["big.bin"])
    }

    @Test func waitsOutASaveAlreadyInProgress() throws {
        let server = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"])
        try server.populate(count: 2000)
        // Slow saves down (microseconds per key) so the first one is still running when we ask.
        try server.cli("CONFIG", "SET", "rdb-key-save-delay", "300")
        #expect(try server.cli("BGSAVE") == "Background saving started")
        // Written after that save forked: only a save memops asked for afterwards holds it.
        try server.cli("SET", "written-after-first-save", "yes")
        let dest = try makeDestination()
        let result = try BackupEngine(connection: config(server), request: BackupRequest(destination: dest)).run()
        let restored = try RedisServerProcess.loading(rdb: zstdDecompress(result.path))
        #expect(try restored.cli("GET", "written-after-first-save") == "yes")
        #expect(try Int(server.cli("INFO", "persistence").split(separator: "\r\n").first { $0.hasPrefix("rdb_saves:") }!.dropFirst(10)) == 2)
    }

    @Test func failingSaveIsReportedAndNothingIsPublished() throws {
        let server = try RedisServerProcess(arguments: ["--enable-protected-configs", "yes"])
        try server.populate(count: 100)
        // Root ignores permission bits, so make the save fail by removing its directory.
        let doomed = server.directory.appendingPathComponent("gone")
        try FileManager.default.createDirectory(at: doomed, withIntermediateDirectories: true)
        #expect(try server.cli("CONFIG", "SET", "dir", doomed.path) == "OK")
        try FileManager.default.removeItem(at: doomed)
        let dest = try makeDestination()
        // Asked for its dump's location, the server now has none to give: memops says so.
        #expect(throws: BackupError.self) { try BackupEngine(connection: config(server), request: BackupRequest(destination: dest)).run() }
        // Told where the dump is, memops asks for the save, which fails.
        var request = BackupRequest(destination: dest)
        request.source = .bgsave(rdbPath: server.directory.appendingPathComponent("dump.rdb").path)
        do {
            _ = try BackupEngine(connection: config(server), request: request).run()
            Issue.record("a failed save produced a backup")
        } catch let error as BackupError {
            #expect(error == .saveFailed(server: config(server).description))
            #expect(error.exitStatus == .failed)
        }
        #expect(listing(dest).isEmpty)
    }

    @Test func restartDuringTheWaitIsDetected() throws {
        let server = try RedisServerProcess()
        try server.populate(count: 3000)
        try server.cli("CONFIG", "SET", "rdb-key-save-delay", "1000")
        let dest = try makeDestination()
        let port = server.port
        let dir = server.directory
        let restarted = Restarted()
        let restarter = Thread {
            usleep(600_000)
            server.stop(removeDirectory: false)
            restarted.server = try? RedisServerProcess(directory: dir, port: port)
        }
        restarter.start()
        do {
            _ = try BackupEngine(connection: config(server), request: BackupRequest(destination: dest)).run()
            Issue.record("a restart mid-save went unnoticed")
        } catch let error as BackupError {
            guard case .serverRestarted = error else {
                Issue.record("expected serverRestarted, got \(error)")
                return
            }
        }
        #expect(listing(dest).isEmpty)
        while restarter.isExecuting { usleep(10_000) }
        restarted.server?.stop()
    }

    final class Restarted: @unchecked Sendable { var server: RedisServerProcess? }

    @Test(arguments: ["flip", "truncate", "garbage"])
    func corruptDumpIsRefused(damage: String) throws {
        let server = try RedisServerProcess()
        try server.populate(count: 500)
        try server.cli("SAVE")
        var bytes = try [UInt8](Data(contentsOf: server.directory.appendingPathComponent("dump.rdb")))
        switch damage {
        case "flip": bytes[bytes.count / 2] ^= 0x40
        case "truncate": bytes.removeLast(bytes.count / 3)
        default: bytes = Array("not an rdb file at all".utf8)
        }
        let fake = server.directory.appendingPathComponent("damaged.rdb")
        try Data(bytes).write(to: fake)
        let dest = try makeDestination()
        var request = BackupRequest(destination: dest)
        request.source = .bgsave(rdbPath: fake.path)
        do {
            _ = try BackupEngine(connection: config(server), request: request).run()
            Issue.record("a \(damage) dump was published")
        } catch let error as BackupError {
            guard case .corruptDump = error else {
                Issue.record("expected corruptDump, got \(error)")
                return
            }
        }
        #expect(listing(dest).isEmpty)
    }

    @Test func concurrentRunIsLockedOutOrWaits() throws {
        let server = try RedisServerProcess()
        let dest = try makeDestination()
        let held = LockBox(try DestinationLock(directory: dest))
        do {
            _ = try BackupEngine(connection: config(server), request: BackupRequest(destination: dest)).run()
            Issue.record("ran while another run held the lock")
        } catch let error as BackupError {
            guard case .locked = error else {
                Issue.record("expected locked, got \(error)")
                return
            }
            #expect(error.exitStatus == .locked)
            #expect(error.description.contains("pid \(getpid())"))
        }
        #expect(listing(dest).isEmpty)
        // With --lock-wait, the run proceeds once the holder lets go.
        let releaser = Thread { usleep(300_000); held.lock = nil }
        var request = BackupRequest(destination: dest)
        request.lockWait = 10
        releaser.start()
        let result = try BackupEngine(connection: config(server), request: request).run()
        #expect(FileManager.default.fileExists(atPath: result.path))
    }

    final class LockBox: @unchecked Sendable {
        var lock: DestinationLock?
        init(_ lock: DestinationLock) { self.lock = lock }
    }

    @Test func leftoverPartialIsRemovedByTheNextRun() throws {
        let server = try RedisServerProcess()
        let dest = try makeDestination()
        let leftover = dest + "/.redis-20200101T000000Z.rdb.zst.partial"
        try Data("half a backup".utf8).write(to: URL(fileURLWithPath: leftover))
        #expect(try BackupCatalog.list(dest).isEmpty)
        let result = try BackupEngine(connection: config(server), request: BackupRequest(destination: dest)).run()
        #expect(result.leftoversRemoved == [".redis-20200101T000000Z.rdb.zst.partial"])
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }

    @Test func replicationGivesTheSameDataAsBGSAVE() throws {
        let server = try RedisServerProcess(arguments: ["--repl-diskless-sync-delay", "0"])
        try server.populate(count: 1000)
        let dest = try makeDestination()
        let viaSave = try BackupEngine(connection: config(server), request: BackupRequest(destination: dest)).run()
        var request = BackupRequest(destination: dest)
        request.source = .replication
        let viaSync = try BackupEngine(connection: config(server), request: request).run()
        #expect(viaSync.manifest.source == "replication")
        // Its manifest counts the keys too (it said none: INFO was asked on the stream's connection).
        #expect(viaSync.manifest.keyspace == viaSave.manifest.keyspace && viaSync.manifest.keyspace.first?.keys == 3151, "\(viaSync.manifest.keyspace)")
        let a = try RedisServerProcess.loading(rdb: zstdDecompress(viaSave.path))
        let b = try RedisServerProcess.loading(rdb: zstdDecompress(viaSync.path))
        #expect(try a.cli("DBSIZE") == "3151")
        #expect(try a.digest() == b.digest())
    }

    @Test func replicationDiskModeUsesTheSizedPayload() throws {
        let server = try RedisServerProcess(arguments: ["--repl-diskless-sync", "no"])
        try server.populate(count: 300)
        var request = BackupRequest(destination: try makeDestination())
        request.source = .replication
        let result = try BackupEngine(connection: config(server), request: request).run()
        let restored = try RedisServerProcess.loading(rdb: zstdDecompress(result.path))
        #expect(try restored.cli("DBSIZE") == "1051")
    }

    @Test func retentionRemovesOnlyWhatThePolicyDrops() throws {
        let server = try RedisServerProcess()
        let dest = try makeDestination()
        var made: [String] = []
        for _ in 0..<3 {
            made.append(try BackupEngine(connection: config(server), request: BackupRequest(destination: dest)).run().file)
        }
        var request = BackupRequest(destination: dest)
        request.retention = RetentionPolicy(last: 2)
        request.retentionDryRun = true
        let dry = try BackupEngine(connection: config(server), request: request).run()
        #expect(dry.retention.removed.map(\.file).sorted() == made.prefix(2).sorted())
        #expect(try BackupCatalog.list(dest).count == 4)
        request.retentionDryRun = false
        let real = try BackupEngine(connection: config(server), request: request).run()
        let left = try BackupCatalog.list(dest).map(\.file)
        #expect(left == [real.file, dry.file])
    }

    @Test func metricsFileKeepsTheLastSuccessAcrossFailures() throws {
        let server = try RedisServerProcess()
        let dest = try makeDestination()
        let metrics = dest + "/../metrics-\(UUID().uuidString.prefix(6)).prom"
        var request = BackupRequest(destination: dest)
        request.metricsFile = metrics
        _ = try BackupEngine(connection: config(server), request: request).run()
        let first = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(first.contains("memops_backup_last_exit_status{prefix=\"redis\"} 0"))
        let success = BackupMetrics.previous(at: metrics).lastSuccess
        #expect(success != nil)
        server.stop()
        #expect(throws: RedisError.self) { try BackupEngine(connection: config(server), request: request).run() }
        let second = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(second.contains("memops_backup_last_exit_status{prefix=\"redis\"} 3"))
        #expect(BackupMetrics.previous(at: metrics).lastSuccess == success)
    }
}
