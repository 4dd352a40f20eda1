import Foundation

/// Which backups to keep: the union of the newest `last`, the newest of each of the last
/// `daily` days, `weekly` ISO weeks and `monthly` months that have a backup (UTC) — the rule
/// pgBackRest, restic and borg users know. No policy at all keeps everything.
public struct RetentionPolicy: Sendable, Equatable {
    public var last: Int?
    public var daily: Int?
    public var weekly: Int?
    public var monthly: Int?

    public init(last: Int? = nil, daily: Int? = nil, weekly: Int? = nil, monthly: Int? = nil) {
        self.last = last
        self.daily = daily
        self.weekly = weekly
        self.monthly = monthly
    }

    public var isEmpty: Bool { last == nil && daily == nil && weekly == nil && monthly == nil }

    /// What to keep and what to remove among `entries`, with the reason each one is kept.
    ///
    /// Only complete backups (with a manifest) are candidates for removal: a file without one
    /// is never deleted here. `protected` (the backup just made and verified) is always kept,
    /// and so is the newest good backup, whatever the policy says.
    public func plan(_ entries: [BackupEntry], protected: String? = nil) -> RetentionPlan {
        let candidates = entries.filter(\.isComplete).sorted(by: BackupEntry.newestFirst)
        var reasons: [String: [String]] = [:]
        func keep(_ file: String, _ why: String) { reasons[file, default: []].append(why) }

        if isEmpty {
            for e in candidates { keep(e.file, "no retention policy") }
        }
        if let last {
            for e in candidates.prefix(max(0, last)) { keep(e.file, "last \(last)") }
        }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func bucketed(_ count: Int?, _ label: String, _ bucket: (Date) -> String) {
            guard let count, count > 0 else { return }
            var seen: [String] = []
            for e in candidates {
                let b = bucket(e.time)
                if seen.contains(b) { continue }
                seen.append(b)
                if seen.count > count { break }
                keep(e.file, "\(label) \(b)")
            }
        }
        bucketed(daily, "daily") {
            let c = calendar.dateComponents([.year, .month, .day], from: $0)
            return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        }
        bucketed(weekly, "weekly") {
            let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: $0)
            return String(format: "%04d-W%02d", c.yearForWeekOfYear!, c.weekOfYear!)
        }
        bucketed(monthly, "monthly") {
            let c = calendar.dateComponents([.year, .month], from: $0)
            return String(format: "%04d-%02d", c.year!, c.month!)
        }
        if let newest = candidates.first(where: { $0.verification?.ok != false }) {
            keep(newest.file, "newest good backup")
        }
        if let protected { keep(protected, "just made") }

        var plan = RetentionPlan()
        for e in entries.sorted(by: BackupEntry.newestFirst) {
            if !e.isComplete {
                plan.kept.append((e, ["incomplete: \(e.manifestProblem ?? "no manifest"), never removed by retention"]))
            } else if let why = reasons[e.file] {
                plan.kept.append((e, why))
            } else {
                plan.removed.append(e)
            }
        }
        return plan
    }
}

/// The outcome of applying a policy: each kept backup with its reasons, and those to remove.
public struct RetentionPlan: Sendable {
    public var kept: [(BackupEntry, [String])] = []
    public var removed: [BackupEntry] = []
}

extension RetentionPlan {
    /// Removes the backups the plan removes: manifest first, then the data, so an interrupted
    /// run leaves a data file listed as "no manifest" rather than a manifest with no data.
    public func apply(in directory: String) throws {
        // The backup before its manifest: a crash between the two leaves a manifest without a
        // backup (removed by the next run), never a backup without a manifest, which retention
        // would keep forever.
        for e in removed where e.isSet {
            // Out of the listing at once (a rename), then emptied: a kill in between leaves a
            // hidden folder the next run removes, never a set missing some shards.
            let hidden = URL(fileURLWithPath: directory).appendingPathComponent("." + e.file + ".removing").path
            if rename(e.path, hidden) != 0 { throw FileError("remove", e.path) }
            Fault.point("backup.retention-removed")
            BackupCatalog.removeSetFolder(hidden)
        }
        for e in removed where !e.isSet {
            let manifest = URL(fileURLWithPath: directory).appendingPathComponent(BackupManifest.fileName(for: e.file)).path
            if unlink(e.path) != 0 && errno != ENOENT { throw FileError("remove", e.path) }
            Fault.point("backup.retention-removed")
            if unlink(manifest) != 0 && errno != ENOENT { throw FileError("remove", manifest) }
        }
        if !removed.isEmpty, let first = removed.first { try syncDirectory(of: first.path) }
    }
}
