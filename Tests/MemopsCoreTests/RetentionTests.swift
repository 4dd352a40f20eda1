import Foundation
import Testing
@testable import MemopsCore

@Suite struct RetentionTests {
    /// A complete backup at `time`, optionally with a failed verification.
    func entry(_ time: String, sequence: Int = 1, verified: Bool? = true, complete: Bool = true) -> BackupEntry {
        let f = ISO8601DateFormatter()
        let date = f.date(from: time)!
        let name = BackupName.make(prefix: "redis", time: date, sequence: sequence)
        let manifest = complete ? BackupManifest(
            file: name, startedAt: date, savedAt: date, finishedAt: date, durationSeconds: 1,
            server: .init(address: "a", version: "7.0.15", runID: "r"), source: "bgsave",
            rdb: .init(header: "REDIS0010", version: 10, bytes: 1, sha256: "", crc64: nil),
            compressed: .init(level: 3, bytes: 1, sha256: ""), keyspace: [], keyspaceSource: "info",
            memopsVersion: "t", parameters: [:], verification: verified.map { .init(at: date, level: "shallow", ok: $0) }, timings: nil) : nil
        return BackupEntry(file: name, path: "/x/" + name, manifest: manifest, manifestProblem: complete ? nil : "no manifest", time: date, sequence: sequence, bytes: 1)
    }

    @Test func noPolicyKeepsEverything() {
        let entries = (1...5).map { entry("2026-11-0\($0)T02:00:00Z") }
        #expect(RetentionPolicy().plan(entries).removed.isEmpty)
    }

    @Test func keepLastKeepsTheNewestAndTheProtected() {
        let entries = (1...5).map { entry("2026-11-0\($0)T02:00:00Z") }
        let plan = RetentionPolicy(last: 2).plan(entries, protected: entries[0].file)
        #expect(Set(plan.removed.map(\.file)) == Set([entries[1].file, entries[2].file]))
    }

    @Test func sameSecondBackupsOrderBySequence() {
        let entries = [entry("2026-11-01T02:00:00Z"), entry("2026-11-01T02:00:00Z", sequence: 2), entry("2026-11-01T02:00:00Z", sequence: 3)]
        let plan = RetentionPolicy(last: 1).plan(entries)
        #expect(plan.kept.map(\.0.file) == [entries[2].file])
    }

    @Test func dailyWeeklyMonthlyBuckets() {
        // Two a day for ten days, across a month boundary.
        var entries: [BackupEntry] = []
        for day in 25...30 { entries += [entry("2026-10-\(day)T01:00:00Z"), entry("2026-10-\(day)T13:00:00Z")] }
        for day in 1...4 { entries += [entry("2026-11-0\(day)T01:00:00Z"), entry("2026-11-0\(day)T13:00:00Z")] }
        let daily = RetentionPolicy(daily: 3).plan(entries)
        #expect(daily.kept.map(\.0.file) == ["2026-11-04T13:00:00Z", "2026-11-03T13:00:00Z", "2026-11-02T13:00:00Z"].map { entry($0).file })
        let monthly = RetentionPolicy(monthly: 2).plan(entries)
        #expect(monthly.kept.map(\.0.file) == ["2026-11-04T13:00:00Z", "2026-10-30T13:00:00Z"].map { entry($0).file })
        // 2026-11-02 is a Monday: the ISO week of 11-02…11-04 and the one of 10-26…11-01.
        let weekly = RetentionPolicy(weekly: 2).plan(entries)
        #expect(weekly.kept.map(\.0.file) == ["2026-11-04T13:00:00Z", "2026-11-01T13:00:00Z"].map { entry($0).file })
    }

    @Test func newestGoodBackupSurvivesAPolicyThatWouldDropIt() {
        // The newest backup failed verification; the newest good one must still be kept.
        let entries = [entry("2026-11-05T02:00:00Z", verified: false), entry("2026-11-04T02:00:00Z"), entry("2026-11-03T02:00:00Z")]
        let plan = RetentionPolicy(last: 1).plan(entries)
        #expect(Set(plan.kept.map(\.0.file)) == Set([entries[0].file, entries[1].file]))
        #expect(plan.removed.map(\.file) == [entries[2].file])
    }

    @Test func incompleteBackupsAreNeverRemoved() {
        let entries = [entry("2026-11-05T02:00:00Z"), entry("2026-11-04T02:00:00Z", complete: false), entry("2026-11-03T02:00:00Z")]
        let plan = RetentionPolicy(last: 1).plan(entries)
        #expect(plan.removed.map(\.file) == [entries[2].file])
        #expect(plan.kept.contains { $0.0.file == entries[1].file })
    }

    @Test func backupNamesRoundTrip() throws {
        let date = ISO8601DateFormatter().date(from: "2026-11-26T02:15:00Z")!
        #expect(BackupName.make(prefix: "redis", time: date) == "redis-20261126T021500Z.rdb.zst")
        let parsed = try #require(BackupName.parse("my-cache-20261126T021500Z-12.rdb.zst"))
        #expect(parsed.prefix == "my-cache" && parsed.time == date && parsed.sequence == 12)
        #expect(BackupName.parse("notes.rdb.zst") == nil)
        #expect(BackupManifest.fileName(for: "redis-20261126T021500Z-2.rdb.zst") == "redis-20261126T021500Z-2.manifest.json")
    }
}
