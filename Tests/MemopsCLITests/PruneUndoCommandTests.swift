import Foundation
import MemopsCore
import MemopsTestSupport
import Testing

@Suite struct PruneUndoCommandTests {
    /// prune --orphans --yes removes exactly the injected orphans; restore --journal puts them back.
    @Test func restoreJournalUndoesAPrune() throws {
        let server = try RedisServerProcess()
        let port = String(server.port)
        let load = try MemopsProcess.run([
            "sample-data", "--sessions", "10", "--embeddings", "30", "--seed", "3", "--inject", "orphan-index-member=4", "-p", port,
        ])
        #expect(load.status == 0, "\(load.stderr)")
        /// Dangling index members audit reports (rule AUD009).
        func orphans() throws -> Int {
            try MemopsProcess.run(["audit", "-p", port, "--format", "json"]).stdoutText.components(separatedBy: "AUD009").count - 1
        }
        #expect(try orphans() == 4)
        let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
        let journal = URL(fileURLWithPath: base).appendingPathComponent("undo-\(UUID().uuidString.prefix(8)).journal.zst").path
        let prune = try MemopsProcess.run(["prune", "-p", port, "--orphans", "--yes", "--journal", journal])
        #expect(prune.status == 0, "\(prune.stderr)")
        #expect(try orphans() == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: journal)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)

        let both = try MemopsProcess.run(["restore", "/nonexistent.rdb.zst", "--journal", journal, "-p", port])
        #expect(both.status == 2, "\(both.stderr)")
        let undo = try MemopsProcess.run(["restore", "--journal", journal, "-p", port])
        #expect(undo.status == 0, "\(undo.stderr)")
        #expect(undo.stdoutText.contains("restored 0 keys, 4 members"), "\(undo.stdoutText)")
        #expect(try orphans() == 4, "the orphans are back, so audit finds them again")
    }
}
