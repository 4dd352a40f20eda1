import Foundation
import MemopsCLI
import MemopsCore
import MemopsTestSupport
import Testing

private func destination() throws -> String {
    let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
    let dir = URL(fileURLWithPath: base).appendingPathComponent("cli-dest-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

private func entries(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0 != ".memops-backup.lock" }.sorted()
}

/// One line on stderr, prefixed like every memops error.
private func isOneLineError(_ stderr: String) -> Bool {
    let lines = stderr.split(separator: "\n")
    return lines.count == 1 && lines[0].hasPrefix("memops: error: ")
}

@Suite struct BackupCommandTests {
    @Test func silentOnSuccessThenListAndVerify() throws {
        let server = try RedisServerProcess()
        try server.populate(count: 200)
        let dest = try destination()
        let run = try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest])
        #expect(run.status == 0 && run.stdout.isEmpty && run.stderr.isEmpty, "\(run.stderr)")
        let list = try MemopsProcess.run(["backup", "list", "--dest", dest, "--json"])
        #expect(list.status == 0)
        let rows = try JSONSerialization.jsonObject(with: list.stdout) as? [[String: Any]]
        #expect(rows?.count == 1)
        #expect(rows?.first?["verified"] as? String == "ok")
        #expect(rows?.first?["keys"] as? Int == 751)
        let verify = try MemopsProcess.run(["verify", "--dest", dest, "--latest"])
        #expect(verify.status == 0 && verify.stdoutText.hasPrefix("ok "), "\(verify.stderr)")
    }

    @Test func verifyFailsWithSixOnADamagedBackup() throws {
        let server = try RedisServerProcess()
        try server.populate(count: 200)
        let dest = try destination()
        #expect(try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest]).status == 0)
        let file = try #require(entries(dest).first { $0.hasSuffix(".rdb.zst") })
        let path = dest + "/" + file
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let verify = try MemopsProcess.run(["verify", path])
        #expect(verify.status == 6)
        #expect(isOneLineError(verify.stderr), "\(verify.stderr)")
        #expect(verify.stderr.contains(file))
    }

    @Test func connectionFailuresHaveTheirOwnExitCodes() throws {
        let dest = try destination()
        let refused = try MemopsProcess.run(["backup", "-p", String(try RedisServerProcess.freePort()), "--dest", dest])
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(isOneLineError(refused.stderr) && refused.stderr.contains("refused"), "\(refused.stderr)")

        let server = try RedisServerProcess(arguments: ["--requirepass", "s3cret"])
        let wrong = try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest], environment: ["REDISCLI_AUTH": "nope"])
        #expect(wrong.status == 8, "\(wrong.stderr)")
        #expect(isOneLineError(wrong.stderr) && !wrong.stderr.contains("nope"), "\(wrong.stderr)")
        let none = try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest])
        #expect(none.status == 8 && none.stderr.contains("NOAUTH"), "\(none.stderr)")
        // A password in argv works, with a warning that never repeats it.
        let argv = try MemopsProcess.run(["backup", "-u", "redis://:s3cret@127.0.0.1:\(server.port)", "--dest", dest])
        #expect(argv.status == 0, "\(argv.stderr)")
        #expect(argv.stderr.contains("warning") && !argv.stderr.contains("s3cret"), "\(argv.stderr)")
        #expect(entries(dest).count == 2)
    }

    @Test func passwordFileMustBePrivate() throws {
        let server = try RedisServerProcess(arguments: ["--requirepass", "filepw"])
        let dest = try destination()
        let file = dest + "/../pw-\(UUID().uuidString.prefix(6))"
        try "filepw\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o644)
        let open = try MemopsProcess.run(["backup", "-p", String(server.port), "--pass-file", file, "--dest", dest])
        #expect(open.status == 2 && open.stderr.contains("chmod 600"), "\(open.stderr)")
        chmod(file, 0o600)
        let ok = try MemopsProcess.run(["backup", "-p", String(server.port), "--pass-file", file, "--dest", dest])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test func usageErrorsExitTwo() throws {
        let run = MemopsCommand.runCaptured(["backup", "--dest", "/tmp", "--level", "40"])
        #expect(run.status == 2 && isOneLineError(run.stderr) && run.stderr.contains("--level"), "\(run.stderr)")
        let missing = MemopsCommand.runCaptured(["backup", "--dest", "/nonexistent/memops-\(UUID().uuidString)"])
        #expect(missing.status == 2 && isOneLineError(missing.stderr) && missing.stderr.contains("mkdir"), "\(missing.stderr)")
    }

    @Test func fullDestinationKeepsOlderBackups() throws {
        let server = try RedisServerProcess()
        try server.populate(count: 3000, valueSize: 400)
        let dest = try destination()
        #expect(try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest, "--level", "1"]).status == 0)
        let before = entries(dest)
        // Add incompressible data so the next backup is far larger than the file-size limit.
        var random = SystemRandomNumberGenerator()
        for i in 0..<40 {
            let blob = (0..<50_000).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = try server.cli(["-x", "SET", "blob:\(i)"], stdin: Data(blob))
        }
        let full = try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest, "--level", "1"], fileSizeLimitKB: 512)
        #expect(full.status == 4, "\(full.stderr)")
        #expect(isOneLineError(full.stderr) && full.stderr.contains("File too large") && full.stderr.contains("older"), "\(full.stderr)")
        #expect(entries(dest) == before)
        let verify = try MemopsProcess.run(["verify", "--dest", dest, "--all"])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func killedMidStreamLeavesNoBackupAndTheNextRunCleansUp() throws {
        let server = try RedisServerProcess()
        try server.populate(count: 100)
        let dest = try destination()
        #expect(try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest]).status == 0)
        let before = entries(dest)
        // A big, slow-to-compress dump: level 19 on one thread takes seconds.
        var random = SystemRandomNumberGenerator()
        for i in 0..<60 {
            let blob = (0..<200_000).map { _ in UInt8.random(in: 0...255, using: &random) & 0x3f }
            _ = try server.cli(["-x", "SET", "blob:\(i)"], stdin: Data(blob))
        }
        let (process, _, _) = try MemopsProcess.start(["backup", "-p", String(server.port), "--dest", dest, "--level", "19", "--threads", "0"])
        let deadline = Date().addingTimeInterval(30)
        while !entries(dest).contains(where: { $0.hasSuffix(".partial") }) && Date() < deadline && process.isRunning { usleep(5_000) }
        usleep(200_000)
        #expect(process.isRunning, "the backup finished before it could be killed; make the dump bigger")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let after = entries(dest)
        #expect(after.filter { !$0.hasPrefix(".") } == before.filter { !$0.hasPrefix(".") })
        #expect(after.contains { $0.hasSuffix(".partial") })
        let list = try MemopsProcess.run(["backup", "list", "--dest", dest, "--json"])
        #expect(!list.stdoutText.contains("partial"))
        let next = try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest, "-v"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stdoutText.contains("removed leftover"))
        #expect(!entries(dest).contains { $0.hasSuffix(".partial") })
        #expect(try MemopsProcess.run(["verify", "--dest", dest, "--all"]).status == 0)
    }

    @Test func overlappingRunExitsLocked() throws {
        let server = try RedisServerProcess()
        let dest = try destination()
        let lock = try DestinationLock(directory: dest)
        let run = try MemopsProcess.run(["backup", "-p", String(server.port), "--dest", dest])
        #expect(run.status == 5 && isOneLineError(run.stderr) && run.stderr.contains("--lock-wait"), "\(run.stderr)")
        withExtendedLifetime(lock) {}
    }
}
