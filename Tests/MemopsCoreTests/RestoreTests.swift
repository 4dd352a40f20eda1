import Foundation
import MemopsRDB
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// A key as the server holds it: its DUMP payload — except for hashtable-encoded hashes and
/// sets, whose DUMP follows the order of a randomly seeded hash table and so differs between
/// servers holding the same value — the server's own order-independent value digest (DEBUG
/// DIGEST-VALUE), and its absolute expiry (PEXPIRETIME, -1 for none).
struct KeyState: Equatable, CustomStringConvertible {
    var dump: [UInt8]
    var valueDigest: String
    var expireAt: Int64
    var description: String { "\(dump.count) bytes, \(valueDigest), expires \(expireAt)" }
}

/// A test server that answers DEBUG DIGEST and DIGEST-VALUE.
func debugServer() throws -> RedisServerProcess {
    try RedisServerProcess(arguments: ["--enable-debug-command", "yes"])
}

/// Reads the whole dataset of `server` as db → key → state, with the server's own DUMP.
func snapshot(_ server: RedisServerProcess, dbs: [Int] = [0]) throws -> [Int: [[UInt8]: KeyState]] {
    var out: [Int: [[UInt8]: KeyState]] = [:]
    for db in dbs {
        var c = config(server)
        c.db = db
        let redis = try RedisConnection(c)
        var keys: [[UInt8]] = []
        var cursor: UInt64 = 0
        repeat {
            let step = try redis.scan(cursor: cursor)
            keys += step.keys
            cursor = step.cursor
        } while cursor != 0
        var states: [[UInt8]: KeyState] = [:]
        let replies = try redis.pipeline(keys.flatMap {
            [[Array("DUMP".utf8), $0], [Array("PEXPIRETIME".utf8), $0], [Array("OBJECT".utf8), Array("ENCODING".utf8), $0],
             [Array("DEBUG".utf8), Array("DIGEST-VALUE".utf8), $0]]
        })
        for (i, key) in keys.enumerated() {
            let r = Array(replies[(4 * i)..<(4 * i + 4)])
            let ordered = r[2].string == "hashtable"
            states[key] = KeyState(dump: ordered ? [] : r[0].bytes ?? [], valueDigest: r[3].elements?.first?.string ?? "\(r[3])",
                                   expireAt: r[1].integer ?? -2)
        }
        out[db] = states
    }
    return out
}

/// The keys on which two datasets differ, described briefly (empty when equal); keeps failure
/// messages short where comparing the dictionaries would print every payload.
func differences(_ actual: [[UInt8]: KeyState], _ expected: [[UInt8]: KeyState]) -> [String] {
    var out: [String] = []
    for (key, want) in expected {
        let name = String(decoding: key, as: UTF8.self)
        guard let got = actual[key] else { out.append("\(name): missing"); continue }
        if got.valueDigest != want.valueDigest { out.append("\(name): value differs") }
        if got.dump != want.dump { out.append("\(name): DUMP differs (\(got.dump.count) vs \(want.dump.count) bytes)") }
        if got.expireAt != want.expireAt { out.append("\(name): expires \(got.expireAt), expected \(want.expireAt)") }
    }
    for key in actual.keys where expected[key] == nil { out.append("\(String(decoding: key, as: UTF8.self)): unexpected") }
    return Array(out.sorted().prefix(10)) + (out.count > 10 ? ["… \(out.count - 10) more"] : [])
}

/// A server holding the schema's sample data (week scenario, scaled down), with the nodes'
/// 30-second heartbeats given an hour so nothing expires while a test runs, and a function
/// library; returns it with a backup of it made by memops.
func sampleServerWithBackup(scale: Double = 0.05) throws -> (RedisServerProcess, String) {
    let server = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"])
    _ = try SampleDataLoader.load(SampleDataSpec(scenario: .week, scale: scale), into: config(server))
    let redis = try RedisConnection(config(server))
    var cursor: UInt64 = 0
    repeat {
        let step = try redis.scan(cursor: cursor)
        for key in step.keys {
            let ttl = try redis.command([Array("PTTL".utf8), key]).integer ?? -1
            if ttl >= 0 && ttl < 600_000 { try redis.command([Array("PEXPIRE".utf8), key, Array("3600000".utf8)]) }
        }
        cursor = step.cursor
    } while cursor != 0
    try redis.command("FUNCTION", "LOAD", "#!lua name=memopslib\nredis.register_function('memops_ping', function() return 'pong' end)")
    let result = try BackupEngine(connection: config(server), request: BackupRequest(destination: try makeDestination())).run()
    return (server, result.path)
}

/// A plain (uncompressed) copy of a backup, for tests that edit bytes.
func plainCopy(of backup: String) throws -> String {
    let path = try makeDestination() + "/plain.rdb"
    try Data(zstdDecompress(backup)).write(to: URL(fileURLWithPath: path))
    return path
}

func keyCount(_ server: RedisServerProcess, db: Int = 0) throws -> Int {
    var c = config(server)
    c.db = db
    return Int(try RedisConnection(c).command("DBSIZE").integer ?? -1)
}

@Suite(.serialized) struct RestoreLiveTests {
    @Test func roundTripRestoresEveryKeyDumpEqualWithItsExpiry() throws {
        let (source, backup) = try sampleServerWithBackup()
        let before = try snapshot(source)
        let digest = try source.digest()
        #expect(before[0]!.count > 500)
        try source.cli("FLUSHALL")
        try source.cli("FUNCTION", "FLUSH")

        let result = try LiveRestore(connection: config(source), options: LiveRestoreOptions(backup: backup)).run()
        #expect(result.restored == before[0]!.count)
        #expect(result.failed == 0 && result.skippedExisting == 0 && result.replaced == 0 && result.skippedExpired == 0)
        #expect(result.functionsOutcome == "1 library restored (APPEND)")
        let after = try snapshot(source)
        #expect(differences(after[0]!, before[0]!) == [])
        #expect(try source.digest() == digest)
        #expect(try source.cli("FCALL", "memops_ping", "0") == "pong")

        // Running it again (as after an interruption) changes nothing and counts every key.
        var again = LiveRestoreOptions(backup: backup)
        again.functions = .replace
        let second = try LiveRestore(connection: config(source), options: again).run()
        #expect(second.restored == 0 && second.skippedExisting == before[0]!.count)
        #expect(second.functionsOutcome == "1 library restored (REPLACE)")
        #expect(try differences(snapshot(source)[0]!, before[0]!) == [])
    }

    @Test func patternRestoresOnlyMatchingKeys() throws {
        let (source, backup) = try sampleServerWithBackup()
        let before = try snapshot(source)[0]!
        let target = try debugServer()
        var options = LiveRestoreOptions(backup: backup)
        options.patterns = [Glob("session:*")]
        options.functions = .skip
        let result = try LiveRestore(connection: config(target), options: options).run()
        let expected = before.filter { $0.key.starts(with: Array("session:".utf8)) }
        #expect(expected.count >= 5)
        #expect(result.restored == expected.count && result.keysSelected == expected.count)
        #expect(try differences(snapshot(target)[0]!, expected) == [])
        #expect(result.functionsOutcome == "1 library skipped (--functions skip)")
        #expect(try target.cli("FUNCTION", "LIST").isEmpty)

        // --key picks single keys by exact name.
        let one = expected.keys.first!
        let single = try debugServer()
        var byKey = LiveRestoreOptions(backup: backup)
        byKey.keys = [one]
        #expect(try LiveRestore(connection: config(single), options: byKey).run().restored == 1)
        #expect(try differences(snapshot(single)[0]!, [one: expected[one]!]) == [])
    }

    @Test(arguments: [ConflictPolicy.skip, .replace, .fail])
    func conflictsAreHandledPerPolicy(_ policy: ConflictPolicy) throws {
        let (source, backup) = try sampleServerWithBackup(scale: 0.01)
        let before = try snapshot(source)[0]!
        let target = try debugServer()
        let taken = Array(before.keys.sorted { $0.lexicographicallyPrecedes($1) }.prefix(3))
        for key in taken { try target.cli("SET", String(decoding: key, as: UTF8.self), "mine") }
        try target.cli("SET", "unrelated", "stays")

        var options = LiveRestoreOptions(backup: backup)
        options.onConflict = policy
        let restore = LiveRestore(connection: config(target), options: options)
        let after: [[UInt8]: KeyState]
        switch policy {
        case .fail:
            do {
                _ = try restore.run()
                Issue.record("conflicts were not refused")
            } catch let error as RestoreError {
                guard case .conflicts(let count, let examples) = error else { Issue.record("wrong error \(error)"); return }
                #expect(count == 3 && Set(examples) == Set(taken.map { String(decoding: $0, as: UTF8.self) }))
            }
            #expect(try keyCount(target) == 4)
            return
        case .skip:
            let r = try restore.run()
            #expect(r.skippedExisting == 3 && r.restored == before.count - 3 && r.replaced == 0)
            after = try snapshot(target)[0]!
            for key in taken { #expect(try target.cli("GET", String(decoding: key, as: UTF8.self)) == "mine") }
            #expect(differences(after.filter { !taken.contains($0.key) && $0.key != Array("unrelated".utf8) }, before.filter { !taken.contains($0.key) }) == [])
        case .replace:
            let r = try restore.run()
            #expect(r.replaced == 3 && r.restored == before.count - 3 && r.skippedExisting == 0)
            after = try snapshot(target)[0]!
            #expect(differences(after.filter { $0.key != Array("unrelated".utf8) }, before) == [])
        }
        #expect(try target.cli("GET", "unrelated") == "stays")
    }

    @Test func dryRunCountsWithoutWriting() throws {
        let (source, backup) = try sampleServerWithBackup(scale: 0.01)
        let before = try snapshot(source)[0]!
        let target = try debugServer()
        let key = before.keys.first!
        try target.cli("SET", String(decoding: key, as: UTF8.self), "mine")
        var options = LiveRestoreOptions(backup: backup)
        options.dryRun = true
        let r = try LiveRestore(connection: config(target), options: options).run()
        #expect(r.dryRun && r.keysSelected == before.count && r.conflicts == 1)
        #expect(r.conflictExamples == [String(decoding: key, as: UTF8.self)])
        #expect(try keyCount(target) == 1)
        #expect(try target.cli("FUNCTION", "LIST").isEmpty)
        // The bytes it announces are the payload bytes a real restore sends.
        let other = try debugServer()
        let real = try LiveRestore(connection: config(other), options: LiveRestoreOptions(backup: backup)).run()
        #expect(real.restored == before.count && r.bytes == real.bytes)
    }

    @Test func expiredKeysAreSkippedUnlessKept() throws {
        let (source, backup) = try sampleServerWithBackup(scale: 0.01)
        let before = try snapshot(source)[0]!
        // Ten days on, every TTL of the sample data (7-day sessions, ≤ 24 h cache) has passed.
        let later = Date().addingTimeInterval(10 * 86_400)
        let expiring = before.filter { $0.value.expireAt > 0 }
        #expect(!expiring.isEmpty)
        let target = try debugServer()
        var options = LiveRestoreOptions(backup: backup)
        options.now = later
        let r = try LiveRestore(connection: config(target), options: options).run()
        #expect(r.skippedExpired == expiring.count && r.restored == before.count - expiring.count)
        #expect(try differences(snapshot(target)[0]!, before.filter { $0.value.expireAt < 0 }) == [])

        let kept = try debugServer()
        options.keepExpired = true
        let k = try LiveRestore(connection: config(kept), options: options).run()
        #expect(k.skippedExpired == 0 && k.restored == before.count)
        let keptState = try snapshot(kept)[0]!
        for key in expiring.keys { #expect(keptState[key]?.expireAt == -1) }
    }

    @Test func databasesAreFilteredAndRemapped() throws {
        let source = try RedisServerProcess()
        try source.cli("-n", "1", "SET", "one", "1")
        try source.cli("-n", "2", "SET", "two", "2")
        try source.cli("-n", "1", "HSET", "h", "f", "v")
        let backup = try BackupEngine(connection: config(source), request: BackupRequest(destination: try makeDestination())).run().path
        let target = try debugServer()
        var options = LiveRestoreOptions(backup: backup)
        options.sourceDB = 1
        options.targetDB = 3
        let r = try LiveRestore(connection: config(target), options: options).run()
        #expect(r.restored == 2 && r.keysInBackup == 3)
        #expect(try keyCount(target, db: 3) == 2 && keyCount(target, db: 0) == 0 && keyCount(target, db: 1) == 0)
        #expect(try target.cli("-n", "3", "HGET", "h", "f") == "v")
    }

    @Test(arguments: ["flip", "truncate"])
    func corruptBackupIsRefusedAndTargetUntouched(_ damage: String) throws {
        let (_, backup) = try sampleServerWithBackup(scale: 0.01)
        let plain = try plainCopy(of: backup)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: plain)))
        if damage == "flip" { bytes[bytes.count * 3 / 4] ^= 0x5a } else { bytes.removeLast(bytes.count / 3) }
        try Data(bytes).write(to: URL(fileURLWithPath: plain))
        let target = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"])
        try target.cli("SET", "existing", "value")
        let digest = try target.digest()
        do {
            _ = try LiveRestore(connection: config(target), options: LiveRestoreOptions(backup: plain)).run()
            Issue.record("a damaged backup was restored")
        } catch let error as RestoreError {
            guard case .corruptBackup = error else { Issue.record("wrong error: \(error)"); return }
            #expect(error.exitStatus == .verification)
        }
        #expect(try target.digest() == digest && keyCount(target) == 1)

        // Without the checking pass the keys before the damage are written, and the error says so.
        var unchecked = LiveRestoreOptions(backup: plain)
        unchecked.check = .none
        unchecked.batchKeys = 1
        do {
            _ = try LiveRestore(connection: config(target), options: unchecked).run()
            Issue.record("a damaged backup was restored without complaint")
        } catch let error as RestoreError {
            guard case .corruptAfterWriting(_, _, let written) = error else { Issue.record("wrong error: \(error)"); return }
            let count = try keyCount(target)
            #expect(written > 0 && count == written + 1)
        }
    }

    /// A backup with its manifest is checked by its digest (no pass over the content): one
    /// flipped byte of the stored file is refused with nothing written, with or without the
    /// manifest (then by the deep pass, `auto`'s choice for a file without one).
    @Test func damagedBackupWithManifestIsRefusedByItsDigest() throws {
        let (_, backup) = try sampleServerWithBackup(scale: 0.01)
        let dest = try makeDestination()
        let copy = dest + "/" + URL(fileURLWithPath: backup).lastPathComponent
        let manifestName = BackupManifest.fileName(for: URL(fileURLWithPath: backup).lastPathComponent)
        try FileManager.default.copyItem(atPath: URL(fileURLWithPath: backup).deletingLastPathComponent().path + "/" + manifestName, toPath: dest + "/" + manifestName)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: backup)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: copy))
        let target = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"])
        try target.cli("SET", "existing", "value")
        let digest = try target.digest()
        var phases: Set<String> = []
        var engine = LiveRestore(connection: config(target), options: LiveRestoreOptions(backup: copy))
        engine.progress = { phase, _, _ in phases.insert(phase.rawValue) }
        do {
            _ = try engine.run()
            Issue.record("a damaged backup was restored")
        } catch let error as RestoreError {
            guard case .corruptBackup(_, let reason) = error else { Issue.record("wrong error: \(error)"); return }
            #expect(reason.contains("compressed SHA-256 does not match the manifest"))
            #expect(error.exitStatus == .verification)
        }
        #expect(phases.isEmpty)  // refused before reading the content
        #expect(try target.digest() == digest && keyCount(target) == 1)

        // A manifest whose dump had no CRC64 (rdbchecksum no) proves nothing about the content,
        // even with a matching digest: auto reads it all first, and refuses the damage.
        var unchecked = try BackupManifest.decode(Data(contentsOf: URL(fileURLWithPath: dest + "/" + manifestName)))
        #expect(RestoreCheck.automatic(for: unchecked) == .digest)
        unchecked.rdb.crc64 = nil
        let sum = Process()
        sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sum.arguments = [copy]
        let out = Pipe()
        sum.standardOutput = out
        try sum.run()
        sum.waitUntilExit()
        unchecked.compressed.sha256 = String(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
        #expect(RestoreCheck.automatic(for: unchecked) == .deep)
        try Data(unchecked.encoded()).write(to: URL(fileURLWithPath: dest + "/" + manifestName))
        phases = []
        do {
            _ = try engine.run()
            Issue.record("a damaged backup was restored")
        } catch let error as RestoreError {
            guard case .corruptBackup = error else { Issue.record("wrong error: \(error)"); return }
        }
        #expect(phases == ["check"])
        #expect(try target.digest() == digest && keyCount(target) == 1)
        unchecked.verification = .init(at: Date(), level: "deep", ok: true)
        #expect(RestoreCheck.automatic(for: unchecked) == .digest)

        // The same damage without the manifest: auto falls back to the deep pass, which refuses it.
        try FileManager.default.removeItem(atPath: dest + "/" + manifestName)
        do {
            _ = try LiveRestore(connection: config(target), options: LiveRestoreOptions(backup: copy)).run()
            Issue.record("a damaged backup was restored")
        } catch let error as RestoreError {
            guard case .corruptBackup = error else { Issue.record("wrong error: \(error)"); return }
        }
        #expect(try target.digest() == digest && keyCount(target) == 1)
        // Asking for the digest check of a file without a manifest is a usage error.
        var digestOnly = LiveRestoreOptions(backup: copy)
        digestOnly.check = .digest
        #expect(throws: RestoreError.invalid("\(copy) has no manifest beside it to check its digest against; use --verify deep")) {
            try LiveRestore(connection: config(target), options: digestOnly).run()
        }
    }

    /// The intact backup restores the same with each check, and only `deep` reads it twice.
    @Test(arguments: [RestoreCheck.auto, .digest, .deep, .none])
    func everyCheckRestoresTheSame(_ check: RestoreCheck) throws {
        let (source, backup) = try sampleServerWithBackup(scale: 0.01)
        let before = try snapshot(source)[0]!
        let target = try debugServer()
        var options = LiveRestoreOptions(backup: backup)
        options.check = check
        var phases: Set<String> = []
        var engine = LiveRestore(connection: config(target), options: options)
        engine.progress = { phase, _, _ in phases.insert(phase.rawValue) }
        let r = try engine.run()
        #expect(r.restored == before.count && r.failed == 0)
        #expect(try differences(snapshot(target)[0]!, before) == [])
        #expect(phases == (check == .deep ? ["check", "restore"] : ["restore"]))
    }

    @Test func newerPayloadsAreRestampedForAnOlderTarget() throws {
        // The same file claiming RDB 11 (redis 7.2): a 7.0 server refuses its payloads as they
        // are, and loads them once re-stamped, since every type in it exists in RDB 10.
        let (source, backup) = try sampleServerWithBackup(scale: 0.01)
        let before = try snapshot(source)[0]!
        var bytes = try zstdDecompress(backup)
        #expect(Array(bytes[0..<9]) == Array("REDIS0010".utf8))
        bytes.replaceSubrange(0..<9, with: Array("REDIS0011".utf8))
        var crc = CRC64()
        crc.update(bytes[0..<(bytes.count - 8)])
        var v = crc.value
        for i in (bytes.count - 8)..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: v); v >>= 8 }
        let path = try makeDestination() + "/v11.rdb"
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let target = try debugServer()
        let r = try LiveRestore(connection: config(target), options: LiveRestoreOptions(backup: path)).run()
        #expect(r.restamped == before.count && r.restored == before.count && r.failed == 0)
        #expect(try differences(snapshot(target)[0]!, before) == [])
        #expect(try target.cli("FCALL", "memops_ping", "0") == "pong")
    }

    @Test func aReadOnlyReplicaStopsTheRestoreAtOnce() throws {
        let (_, backup) = try sampleServerWithBackup(scale: 0.01)
        // A replica of a master that is not there: read-only, so every RESTORE would fail alike.
        let replica = try RedisServerProcess(arguments: ["--replicaof", "127.0.0.1", String(try RedisServerProcess.freePort())])
        do {
            _ = try LiveRestore(connection: config(replica), options: LiveRestoreOptions(backup: backup)).run()
            Issue.record("a read-only replica was restored into")
        } catch let error as RedisError {
            guard case .command(_, let command, let message) = error else { Issue.record("wrong error \(error)"); return }
            // The backup's function library comes first, and is refused the same way.
            #expect(command == "FUNCTION RESTORE" && message.hasPrefix("READONLY"))
        }
        #expect(try keyCount(replica) == 0)
    }

    @Test func aFullServerStopsTheRestoreWithBatchesStillOnTheWire() throws {
        let (source, backup) = try sampleServerWithBackup(scale: 0.01)
        let total = try keyCount(source)
        let target = try RedisServerProcess()
        // Room for some keys, not all: RESTOREs start failing with OOM part-way through.
        let used = Int(try target.cli("MEMORY", "STATS").split(separator: "\n").drop { $0 != "peak.allocated" }.dropFirst().first ?? "") ?? 0
        try target.cli("CONFIG", "SET", "maxmemory", String(max(used, 1 << 20) + (256 << 10)))
        var options = LiveRestoreOptions(backup: backup)
        options.functions = .skip
        options.batchKeys = 20  // many small batches, so later ones are sent before the OOM is read
        do {
            _ = try LiveRestore(connection: config(target), options: options).run()
            Issue.record("a full server took the whole restore")
        } catch let error as RedisError {
            guard case .command(_, let command, let message) = error else { Issue.record("wrong error \(error)"); return }
            #expect(command == "RESTORE" && message.hasPrefix("OOM"))
        }
        let restored = try keyCount(target)
        #expect(restored > 0 && restored < total)
    }

    @Test func patternsMatchLikeScanMatch() throws {
        let server = try RedisServerProcess()
        let names = ["session:1", "session:abc:context", "sessions:recent", "tool:bash:x", "a*b", "a?b", "a[b", "ab", "axb",
                     "embedding:ff", "Session:1", "x\\y", "-", "z]", "tool:read:/p/f.py:h"]
        for n in names { try server.cli("SET", n, "1") }
        for pattern in ["session:*", "*", "a\\*b", "a?b", "a[*?]b", "a[^x]b", "[a-t]*", "*:*:*", "tool:*:*", "?", "[S]ession:*",
                        "sess*s:*", "x\\\\y", "*]", "[a-]*", "*e*o*"] {
            let server_ = Set(try server.cli("--scan", "--pattern", pattern).split(separator: "\n").map(String.init))
            let ours = Set(names.filter { Glob(pattern).matches(Array($0.utf8)) })
            #expect(ours == server_, "pattern \(pattern)")
        }
    }
}

@Suite(.serialized) struct RestoreOfflineTests {
    /// A data directory like a Debian server's after some use: a dump.rdb (mode 0640) and, with
    /// `aof`, an appendonlydir written by a real server.
    func usedDataDirectory(aof: Bool) throws -> URL {
        let dir = URL(fileURLWithPath: try makeDestination()).appendingPathComponent("data")
        let old = try RedisServerProcess(arguments: aof ? ["--appendonly", "yes"] : [], directory: dir)
        try old.cli("SET", "old", "data")
        try old.cli("SAVE")
        old.stop(removeDirectory: false)
        chmod(dir.appendingPathComponent("dump.rdb").path, 0o640)
        // Owned by someone else, as redis:redis owns it on Debian (the tests run as root).
        chown(dir.appendingPathComponent("dump.rdb").path, 1234, 2345)
        return dir
    }

    func conf(_ dir: URL, aof: Bool) throws -> String {
        let path = dir.deletingLastPathComponent().appendingPathComponent("redis.conf").path
        try "dir \(dir.path)\ndbfilename dump.rdb\nappendonly \(aof ? "yes" : "no")\nappenddirname \"appendonlydir\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [false, true])
    func restoredDirectoryIsLoadedByRedis(aof: Bool) throws {
        let (source, backup) = try sampleServerWithBackup(scale: 0.01)
        let digest = try source.digest()
        let dir = try usedDataDirectory(aof: aof)
        let oldDump = try Data(contentsOf: dir.appendingPathComponent("dump.rdb"))
        let oldManifest = aof ? try Data(contentsOf: dir.appendingPathComponent("appendonlydir/appendonly.aof.manifest")) : nil

        var options = OfflineRestoreOptions(backup: backup, dataDirectory: dir.path)
        options.configFile = try conf(dir, aof: aof)
        let result = try OfflineRestore(options: options).run()
        let quarantine = try #require(result.quarantine)
        #expect(quarantine.hasPrefix(dir.path + "/memops-quarantine-"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: quarantine + "/dump.rdb")) == oldDump)
        if let oldManifest {
            #expect(try Data(contentsOf: URL(fileURLWithPath: quarantine + "/appendonlydir/appendonly.aof.manifest")) == oldManifest)
            #expect(try String(contentsOf: dir.appendingPathComponent("appendonlydir/appendonly.aof.manifest"), encoding: .utf8)
                == "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("dump.rdb").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect((attributes[.ownerAccountID] as? NSNumber)?.intValue == 1234 && (attributes[.groupOwnerAccountID] as? NSNumber)?.intValue == 2345)
        if aof {
            let base = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("appendonlydir/appendonly.aof.1.base.rdb").path)
            #expect((base[.ownerAccountID] as? NSNumber)?.intValue == 1234 && (base[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        }
        #expect(try [UInt8](Data(contentsOf: dir.appendingPathComponent("dump.rdb"))) == zstdDecompress(backup))

        let restarted = try RedisServerProcess(
            arguments: ["--appendonly", aof ? "yes" : "no", "--enable-debug-command", "yes"], directory: dir)
        #expect(try restarted.digest() == digest)
        #expect(try restarted.cli("GET", "old").isEmpty)
        #expect(try restarted.cli("FCALL", "memops_ping", "0") == "pong")
    }

    @Test func refusedWhileAServerRunsOnTheDirectory() throws {
        let (_, backup) = try sampleServerWithBackup(scale: 0.01)
        let running = try RedisServerProcess()
        try running.cli("SET", "live", "1")
        try running.cli("SAVE")
        let dump = running.directory.appendingPathComponent("dump.rdb")
        let before = try Data(contentsOf: dump)
        let listing = try FileManager.default.contentsOfDirectory(atPath: running.directory.path).sorted()

        // Found from /proc (the server's working directory), then from the server's CONFIG GET dir.
        for connection in [nil, config(running)] {
            var options = OfflineRestoreOptions(backup: backup, dataDirectory: running.directory.path)
            options.connection = connection
            #expect(throws: RestoreError.self) { try OfflineRestore(options: options).run() }
            do {
                _ = try OfflineRestore(options: options).run()
            } catch let error as RestoreError {
                guard case .serverRunning(_, let evidence) = error else { Issue.record("wrong error \(error)"); continue }
                #expect(evidence.contains(connection == nil ? "redis-server pid \(running.pid)" : "CONFIG GET dir"))
            }
        }
        #expect(try Data(contentsOf: dump) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: running.directory.path).sorted() == listing)

        // --force restores anyway, and says why that is dangerous.
        var forced = OfflineRestoreOptions(backup: backup, dataDirectory: running.directory.path)
        forced.force = true
        let r = try OfflineRestore(options: forced).run()
        #expect(r.warnings.contains { $0.contains("--force") && $0.contains("redis-server pid") })
        #expect(try Data(contentsOf: dump) != before)
    }

    @Test func dryRunChangesNothingAndTooNewIsRefused() throws {
        let (_, backup) = try sampleServerWithBackup(scale: 0.01)
        let dir = try usedDataDirectory(aof: true)
        func listing() throws -> [String] { try FileManager.default.subpathsOfDirectory(atPath: dir.path).sorted() }
        let before = try listing()
        var options = OfflineRestoreOptions(backup: backup, dataDirectory: dir.path)
        options.configFile = try conf(dir, aof: true)
        options.dryRun = true
        let r = try OfflineRestore(options: options).run()
        #expect(r.steps.count == 7 && r.steps.dropFirst().allSatisfy { $0.hasPrefix("would ") })
        #expect(r.steps.contains { $0.contains("appendonly.aof.1.base.rdb") })
        #expect(try listing() == before)

        options.dryRun = false
        options.serverVersion = "6.2.14"
        #expect(throws: RestoreError.rdbTooNew(file: 10, target: 9, targetVersion: "redis 6.2.14")) { try OfflineRestore(options: options).run() }
        #expect(try listing() == before)
    }

    /// Settings read from a running server (CONFIG GET) that runs elsewhere: its appendonly yes
    /// makes the restore install an AOF base in the stopped server's directory.
    @Test func settingsFromAServerElsewhere() throws {
        let (source, backup) = try sampleServerWithBackup(scale: 0.01)
        let digest = try source.digest()
        let elsewhere = try RedisServerProcess(arguments: ["--appendonly", "yes", "--appenddirname", "aofparts", "--appendfilename", "memory.aof"])
        let dir = URL(fileURLWithPath: try makeDestination()).appendingPathComponent("data")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var options = OfflineRestoreOptions(backup: backup, dataDirectory: dir.path)
        options.connection = config(elsewhere)
        let r = try OfflineRestore(options: options).run()
        #expect(r.settings.appendonly == true && r.settings.appenddirname == "aofparts" && r.target?.version == "7.0.15")
        #expect(r.quarantine == nil)
        #expect(try String(contentsOf: dir.appendingPathComponent("aofparts/memory.aof.manifest"), encoding: .utf8)
            == "file memory.aof.1.base.rdb seq 1 type b\nfile memory.aof.1.incr.aof seq 1 type i\n")
        let started = try RedisServerProcess(
            arguments: ["--appendonly", "yes", "--appenddirname", "aofparts", "--appendfilename", "memory.aof", "--enable-debug-command", "yes"],
            directory: dir)
        #expect(try started.digest() == digest)
    }
}
