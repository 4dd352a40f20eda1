import Foundation

/// One backup in a destination folder: its file (or a cluster set's folder), its manifest (when
/// it has one), and its time.
public struct BackupEntry: Sendable, Equatable {
    public var file: String
    public var path: String
    public var manifest: BackupManifest?
    /// A Redis Cluster backup set (`file` is its folder), when it is one and its manifest and
    /// every shard file are there.
    public var set: ClusterBackupManifest?
    /// Whether this is a cluster set (complete or not).
    public var isSet = false
    /// Why the manifest is missing or unreadable, if it is.
    public var manifestProblem: String?
    /// The backup's time: the manifest's save time, else the time in its name.
    public var time: Date
    /// 1, or 2, 3… for the second and later backups within one second (`-2` in the name).
    public var sequence: Int = 1
    public var bytes: UInt64
}

extension BackupEntry {
    /// Whether the backup is whole: a file with its manifest, or a set with its manifest and
    /// every shard file.
    public var isComplete: Bool { manifest != nil || set != nil }

    /// The last verification recorded for it.
    public var verification: BackupManifest.Verification? { manifest?.verification ?? set?.verification }

    /// Newest first: by time, then by sequence within the same second.
    public static func newestFirst(_ a: BackupEntry, _ b: BackupEntry) -> Bool {
        (a.time, a.sequence, a.file) > (b.time, b.sequence, b.file)
    }
}

/// The backups in a destination folder, newest first. `.partial` files from killed runs are
/// never listed; files memops did not name are ignored.
public enum BackupCatalog {
    /// Lists `PREFIX-YYYYMMDDTHHMMSSZ[-N].rdb.zst` files in `directory`.
    public static func list(_ directory: String, prefix: String? = nil) throws -> [BackupEntry] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw BackupError.destination(path: directory, reason: "it does not exist or cannot be read")
        }
        var entries: [BackupEntry] = []
        for name in names where name.hasSuffix(ClusterBackupManifest.suffix) && !name.hasPrefix(".") {
            guard let stamp = BackupName.parse(name), prefix == nil || stamp.prefix == prefix else { continue }
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            var entry = BackupEntry(file: name, path: path, manifest: nil, time: stamp.time, sequence: stamp.sequence, bytes: 0)
            entry.isSet = true
            switch ClusterBackupManifest.lookup(folder: path) {
            case .success(let set):
                entry.set = set
                entry.bytes = set.storedBytes
            case .failure(let problem):
                entry.manifestProblem = problem.description
            }
            entries.append(entry)
        }
        for name in names where name.hasSuffix(".rdb.zst") && !name.hasPrefix(".") {
            guard let stamp = BackupName.parse(name), prefix == nil || stamp.prefix == prefix else { continue }
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.uint64Value ?? 0
            let lookup = BackupManifest.lookup(for: path)
            var entry = BackupEntry(file: name, path: path, manifest: nil, manifestProblem: lookup.problem, time: stamp.time, sequence: stamp.sequence, bytes: size)
            if case .found(let manifest) = lookup { entry.manifest = manifest }
            entries.append(entry)
        }
        return entries.sorted(by: BackupEntry.newestFirst)
    }

    /// Removes `.partial` files a killed run left behind; returns their names. Call with the
    /// destination lock held, so no running backup's partial file is touched.
    @discardableResult
    public static func removeLeftovers(_ directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        for name in names where name.hasPrefix(".") && name.hasSuffix(".partial") {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
            if name.hasSuffix(ClusterBackupManifest.suffix + ".partial") {
                if removeSetFolder(path) { removed.append(name) }
            } else if unlink(path) == 0 {
                removed.append(name)
            }
        }
        // A set retention was removing when it was killed.
        for name in names where name.hasPrefix(".") && name.hasSuffix(ClusterBackupManifest.suffix + ".removing") {
            if removeSetFolder(URL(fileURLWithPath: directory).appendingPathComponent(name).path) { removed.append(name) }
        }
        // A manifest whose backup is gone: a run killed between publishing the two (the
        // manifest goes first) or retention killed between removing them (the backup goes first).
        let present = Set(names)
        for name in names where name.hasSuffix(".manifest.json") && !name.hasPrefix(".") {
            let backup = String(name.dropLast(".manifest.json".count)) + ".rdb.zst"
            guard BackupName.parse(backup) != nil, !present.contains(backup) else { continue }
            if unlink(URL(fileURLWithPath: directory).appendingPathComponent(name).path) == 0 { removed.append(name) }
        }
        return removed
    }
}

extension BackupCatalog {
    /// Removes a set's folder that memops made (a partial one, or one being removed): only the
    /// files a set holds (shard files, their partial files, the manifest), then the folder; a
    /// folder holding anything else is left alone. True when the folder is gone.
    @discardableResult
    static func removeSetFolder(_ path: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let ours = names.allSatisfy { $0 == ClusterBackupManifest.fileName || $0.hasSuffix(".rdb.zst") || $0.hasSuffix(".partial") }
        guard ours else { return false }
        for name in names { unlink(URL(fileURLWithPath: path).appendingPathComponent(name).path) }
        return rmdir(path) == 0
    }
}

/// Backup file names: `PREFIX-20261126T021500Z.rdb.zst` (a cluster set's folder:
/// `….cluster`), UTC, sortable; `-2`, `-3`… when two backups fall in the same second.
public enum BackupName {
    public static func make(prefix: String, time: Date, sequence: Int = 1, suffix: String = ".rdb.zst") -> String {
        let stamp = UTCTime.compact(time)
        return sequence == 1 ? "\(prefix)-\(stamp)\(suffix)" : "\(prefix)-\(stamp)-\(sequence)\(suffix)"
    }

    /// Refuses a prefix that would put files outside the destination, hide them, or make a
    /// name that does not parse back: letters, digits, `.`, `_` and `-`, starting with a letter
    /// or digit, at most 100 characters.
    public static func validate(prefix: String) throws(BackupError) {
        let allowed = prefix.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x2d
        }
        let first = prefix.utf8.first
        let startsWell = first.map { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) } ?? false
        guard allowed, startsWell, prefix.utf8.count <= 100 else {
            let shown = prefix.isEmpty ? "an empty prefix" : "'\(prefix)'"
            throw BackupError.badPrefix("\(CLIFlag.prefix) takes letters, digits, '.', '_' and '-', starting with a letter or digit (at most 100), not \(shown); backups are named PREFIX-YYYYMMDDTHHMMSSZ.rdb.zst inside \(CLIFlag.dest)")
        }
    }

    /// The prefix, time and sequence in a backup's (or a set's) name, or nil when memops did
    /// not make it.
    public static func parse(_ name: String) -> (prefix: String, time: Date, sequence: Int)? {
        guard let suffix = [".rdb.zst", ClusterBackupManifest.suffix].first(where: { name.hasSuffix($0) }) else { return nil }
        var base = name.dropLast(suffix.count)
        var sequence = 1
        // Strip a -N sequence suffix.
        if let dash = base.lastIndex(of: "-"), let n = Int(base[base.index(after: dash)...]) {
            let candidate = base[..<dash]
            if candidate.count > 17, UTCTime.parseCompact(String(candidate.suffix(16))) != nil {
                base = candidate
                sequence = n
            }
        }
        guard base.count > 17 else { return nil }
        let stamp = String(base.suffix(16))
        let prefixPart = base.dropLast(17)
        guard base[base.index(base.endIndex, offsetBy: -17)] == "-", let time = UTCTime.parseCompact(stamp), !prefixPart.isEmpty else {
            return nil
        }
        return (String(prefixPart), time, sequence)
    }
}
