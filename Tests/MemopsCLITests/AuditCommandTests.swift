import Foundation
import MemopsCore
import MemopsTestSupport
import Testing

/// Runs memops; returns its exit status, stdout and stderr.
private func memops(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let outcome = try MemopsProcess.run(arguments)
    return (outcome.status, outcome.stdoutText, outcome.stderr)
}

@Suite("Audit command", .serialized)
struct AuditCommandTests {
    @Test("audit: exit 1 and compiler-style findings; json and sarif; --fail-on; prune dry run, act, undo")
    func endToEnd() throws {
        let server = try RedisServerProcess()
        let port = String(server.port)
        let load = try memops(["sample-data", "--sessions", "10", "--embeddings", "20", "--queue", "20", "--cache", "10", "--nodes", "0",
                               "--events", "5", "--inject", "orphan-index-member=2", "--inject", "wrong-type=1", "-p", port])
        #expect(load.status == 0, "\(load.stderr)")

        let text = try memops(["audit", "-p", port])
        #expect(text.status == 1)
        #expect(text.stdout.contains("session:{session_id}"))
        #expect(text.stderr.contains("sessions:recent: warning: [AUD009] member "))
        #expect(text.stderr.contains(": error: [AUD003] is a string"))

        let errorsOnlyWarn = try memops(["audit", "-p", port, "--format", "json", "--fail-on", "error"])
        #expect(errorsOnlyWarn.status == 1)
        let doc = try JSONSerialization.jsonObject(with: Data(errorsOnlyWarn.stdout.utf8)) as? [String: Any]
        #expect((doc?["diagnostics"] as? [Any])?.count == 3)

        let sarif = try memops(["audit", "-p", port, "--format", "sarif"])
        #expect(sarif.stdout.contains("\"ruleId\" : \"AUD009\""))

        let dry = try memops(["prune", "-p", port, "--orphans"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("dry run: would remove 0 keys (0 B) and 2 index members"))
        #expect(try memops(["audit", "-p", port]).stderr.contains("AUD009"))

        let journal = server.directory.appendingPathComponent("j.zst").path
        let act = try memops(["prune", "-p", port, "--orphans", "--yes", "--journal", journal])
        #expect(act.status == 0, "\(act.stderr)")
        #expect(act.stdout.contains("removed 0 keys (0 B freed) and 2 index members"))
        let after = try memops(["audit", "-p", port, "--fail-on", "warning"])
        #expect(!after.stderr.contains("AUD009"))

        let undo = try memops(["prune", "-p", port, "--undo", journal])
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(undo.stdout.contains("restored 0 keys, 2 members"))
        #expect(try memops(["audit", "-p", port]).stderr.contains("AUD009"))

        let usage = try memops(["prune", "-p", port])
        #expect(usage.status == 2)
    }

    @Test("audit of a clean dataset exits 0; a bad --schema exits 2 naming its line")
    func cleanAndBadSchema() throws {
        let server = try RedisServerProcess()
        let port = String(server.port)
        _ = try memops(["sample-data", "--sessions", "5", "--embeddings", "5", "--queue", "5", "--cache", "5", "--nodes", "0", "--events", "5", "-p", port])
        let clean = try memops(["audit", "-p", port])
        #expect(clean.status == 0, "\(clean.stderr)")
        _ = try server.cli("SET", "Misc:thing", "x")
        _ = try server.cli("SAVE")
        let live = try memops(["audit", "-p", port, "--format", "json"])
        let backup = try memops(["audit", "--from-backup", server.directory.appendingPathComponent("dump.rdb").path, "--format", "json"])
        #expect(live.status == 1 && backup.status == 1)
        func diagnostics(_ text: String) throws -> NSArray? {
            (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["diagnostics"] as? NSArray
        }
        #expect(try diagnostics(backup.stdout) == diagnostics(live.stdout))
        #expect(try diagnostics(live.stdout)?.count == 1)
        let schemaFile = server.directory.appendingPathComponent("schema.json").path
        let shown = try memops(["schema", "show", "--json"])
        try Data(shown.stdout.utf8).write(to: URL(fileURLWithPath: schemaFile))
        #expect(try memops(["schema", "show", "--schema", schemaFile]).stdout == memops(["schema", "show"]).stdout)
        let path = server.directory.appendingPathComponent("bad.json").path
        try Data("{\n  \"version\": 1,\n  \"patterns\": [}\n".utf8).write(to: URL(fileURLWithPath: path))
        let bad = try memops(["audit", "-p", port, "--schema", path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.json:3:"))
    }
}
