import Foundation
import MemopsCore
import MemopsTestSupport
import Testing

private func scratch() throws -> String {
    let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
    let dir = URL(fileURLWithPath: base).appendingPathComponent("cli-restore-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A server with a few sessions and other keys, and a backup of it made by the binary.
private func serverWithBackup() throws -> (RedisServerProcess, String) {
    let server = try RedisServerProcess()
    try server.populate(count: 20)
    for i in 0..<4 { try server.cli("HSET", "session:\(i)", "context", "c\(i)", "node", "beast") }
    try server.cli("EXPIRE", "session:0", "604800")
    let dest = try scratch()
    let run = try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest])
    guard run.status == 0 else { throw TestServerError("backup failed: \(run.stderr)") }
    let file = try FileManager.default.contentsOfDirectory(atPath: dest).first { $0.hasSuffix(".rdb.zst") }!
    return (server, dest + "/" + file)
}

@Suite struct RestoreCommandTests {
    @Test func patternRestoreThenConflictsAndExitCodes() throws {
        let (source, backup) = try serverWithBackup()
        let target = try RedisServerProcess()
        let run = try MemopsProcess.run(["restore", backup, "-p", String(target.port), "--pattern", "session:*"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdoutText.contains("restored  4\n") && run.stdoutText.contains("failed    0\n"), "\(run.stdoutText)")
        #expect(try target.cli("DBSIZE") == "4")
        #expect(try target.cli("HGET", "session:2", "context") == "c2")
        #expect(try target.cli("PEXPIRETIME", "session:0") == source.cli("PEXPIRETIME", "session:0"))

        // Again: every key exists now; skip is the default and is counted.
        let again = try MemopsProcess.run(["restore", backup, "-p", String(target.port), "--pattern", "session:*"])
        #expect(again.status == 0 && again.stdoutText.contains("skipped   4 existing"), "\(again.stdoutText)")

        // --on-conflict fail refuses before writing anything: exit 4, one line naming the keys.
        let fail = try MemopsProcess.run(["restore", backup, "-p", String(target.port), "--on-conflict", "fail"])
        #expect(fail.status == 4)
        #expect(fail.stderr.hasPrefix("memops: error: 4 key(s) already exist") && fail.stderr.split(separator: "\n").count == 1, "\(fail.stderr)")
        #expect(try target.cli("DBSIZE") == "4")

        // A dry run lists what would happen and writes nothing.
        let dry = try MemopsProcess.run(["restore", backup, "-p", String(target.port), "--dry-run"])
        #expect(dry.status == 0 && dry.stdoutText.hasPrefix("dry run: nothing was written\n") && dry.stdoutText.contains("conflicts 4 key(s)"))
        #expect(try target.cli("DBSIZE") == "4")

        // -v lists every selected key with what would happen to it.
        let listed = try MemopsProcess.run(["restore", backup, "-p", String(target.port), "--dry-run", "-v", "--pattern", "session:*", "--pattern", "k:str:1"])
        let lines = listed.stdoutText.split(separator: "\n").filter { $0.hasPrefix("db0\t") }.map(String.init).sorted()
        #expect(listed.status == 0 && lines.count == 5, "\(listed.stdoutText)")
        let sessions = lines.filter { line in line.hasPrefix("db0\thash\t") && (0..<4).contains { line.hasSuffix("\trestore\texists\tsession:\($0)") } }
        #expect(sessions.count == 4)
        #expect(lines.contains { $0.hasPrefix("db0\tstring\t") && $0.hasSuffix("\trestore\tnew\tk:str:1") })
    }

    @Test func corruptBackupExitsSixAndUsageErrorsTwo() throws {
        let (_, backup) = try serverWithBackup()
        let target = try RedisServerProcess()
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: backup)))
        bytes[bytes.count / 2] ^= 0xff
        let damaged = try scratch() + "/damaged.rdb.zst"
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let run = try MemopsProcess.run(["restore", damaged, "-p", String(target.port)])
        #expect(run.status == 6, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("memops: error: backup \(damaged) failed verification, nothing was restored"))
        #expect(try target.cli("DBSIZE") == "0")

        let usage = try MemopsProcess.run(["restore", backup, "--data-dir", "/tmp", "--pattern", "x*"])
        #expect(usage.status == 2)
    }

    @Test func offlineDryRunThenRestoreAndRefusalWhileRunning() throws {
        let (source, backup) = try serverWithBackup()
        let dir = try scratch() + "/data"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let dry = try MemopsProcess.run(["restore", backup, "--data-dir", dir, "--dry-run", "--server-version", "7.0.15"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdoutText.contains("would write \(dir)/dump.rdb"), "\(dry.stdoutText)")
        #expect(dry.stderr.contains("appendonly is unknown"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)

        let run = try MemopsProcess.run(["restore", backup, "--data-dir", dir, "-q"])
        #expect(run.status == 0 && run.stdout.isEmpty, "\(run.stderr)")
        let loaded = try RedisServerProcess(directory: URL(fileURLWithPath: dir))
        #expect(try loaded.cli("DBSIZE") == source.cli("DBSIZE"))

        let refused = try MemopsProcess.run(["restore", backup, "--data-dir", dir])
        #expect(refused.status == 4)
        #expect(refused.stderr.contains("a server is running on") && refused.stderr.contains("redis-server pid \(loaded.pid)"), "\(refused.stderr)")
    }

    @Test func interruptedRestoreCompletesWhenRunAgain() throws {
        let source = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"])
        try source.populate(count: 4000)
        let total = Int(try source.cli("DBSIZE"))!
        let dest = try scratch()
        #expect(try MemopsProcess.run(["backup", "-p", String(source.port), "--dest", dest]).status == 0)
        let backup = dest + "/" + (try FileManager.default.contentsOfDirectory(atPath: dest).first { $0.hasSuffix(".rdb.zst") }!)
        let digest = try source.digest()

        let target = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"])
        // One key per round trip, so the run is still going when it is killed.
        let (process, _, _) = try MemopsProcess.start(["restore", backup, "-p", String(target.port), "--batch", "1"])
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, (Int(try target.cli("DBSIZE")) ?? 0) < 100 { usleep(5_000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = Int(try target.cli("DBSIZE"))!
        #expect(partial > 0 && partial < total, "\(partial) of \(total) keys")

        let again = try MemopsProcess.run(["restore", backup, "-p", String(target.port)])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdoutText.contains("restored  \(total - partial)\n") && again.stdoutText.contains("skipped   \(partial) existing"),
                "\(again.stdoutText)")
        #expect(try target.digest() == digest)
    }
}
