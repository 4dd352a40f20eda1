import Foundation

/// The manifest of a Redis Cluster backup set: a folder `PREFIX-YYYYMMDDTHHMMSSZ.cluster/`
/// holding one file per shard and this `manifest.json`, published together by renaming the
/// folder, and listed, verified, retained and removed as one backup. Each shard's entry is a
/// whole `BackupManifest` of its file, so a shard verifies as a single backup does.
public struct ClusterBackupManifest: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1
    /// The manifest's name inside the set's folder.
    public static let fileName = "manifest.json"
    /// The folder's suffix.
    public static let suffix = ".cluster"

    /// Always "memops-cluster-backup".
    public var format: String = "memops-cluster-backup"
    public var formatVersion: Int = ClusterBackupManifest.currentFormatVersion
    /// The set's folder name.
    public var name: String
    public var startedAt: Date
    /// The instant of the snapshot: the pause of a consistent set, else the earliest save.
    public var savedAt: Date
    public var finishedAt: Date
    public var durationSeconds: Double
    /// "bgsave" or "replication".
    public var source: String
    /// The topology the backup used: the node asked, the cluster's epoch, and every shard.
    public var cluster: ClusterInfo
    /// Set when every shard was saved at one instant (`--consistent`).
    public var consistency: Consistency?
    public var shards: [Shard]
    public var memopsVersion: String
    public var parameters: [String: String]

    public struct ClusterInfo: Codable, Sendable, Equatable {
        /// The node memops was given.
        public var seed: String
        /// CLUSTER INFO's cluster_current_epoch when the topology was read.
        public var currentEpoch: Int64?
        public var slotsCovered: Int
    }

    public struct Consistency: Codable, Sendable, Equatable {
        /// How long writes were paused on every primary (CLIENT PAUSE … WRITE), in milliseconds.
        public var pausedMilliseconds: Double
        /// When the pause began (UTC).
        public var pausedAt: Date
    }

    public struct Shard: Codable, Sendable, Equatable {
        /// The shard's primary, whose slots these are.
        public var primaryID: String
        public var primaryAddress: String
        /// `[[first, last], …]`: the slot ranges the shard owned.
        public var slots: [[Int]]
        /// The node the snapshot came from (the primary, or a replica with --prefer-replica).
        public var nodeID: String
        public var nodeAddress: String
        public var role: String
        /// The replication offset the snapshot corresponds to, when known.
        public var replicationOffset: Int64?
        /// The shard file's own manifest (its `file` is the name inside the set's folder).
        public var manifest: BackupManifest

        /// The slot ranges as ranges.
        public var slotRanges: [ClosedRange<Int>] { slots.compactMap { $0.count == 2 && $0[0] <= $0[1] ? $0[0]...$0[1] : nil } }
    }

    /// Raw bytes of every shard's RDB.
    public var rawBytes: UInt64 { shards.reduce(0) { $0 + $1.manifest.rdb.bytes } }
    /// Compressed bytes of every shard file.
    public var storedBytes: UInt64 { shards.reduce(0) { $0 + $1.manifest.compressed.bytes } }
    /// Keys in every shard.
    public var keys: Int { shards.reduce(0) { $0 + $1.manifest.keyspace.reduce(0) { $0 + $1.keys } } }
    /// Whether every shard was verified when it was written, and the weakest level.
    public var verification: BackupManifest.Verification? {
        let checks = shards.compactMap(\.manifest.verification)
        guard checks.count == shards.count, let first = checks.first else { return nil }
        let level = checks.contains { $0.level == "shallow" } ? "shallow" : first.level
        return .init(at: checks.map(\.at).max() ?? first.at, level: level, ok: checks.allSatisfy(\.ok))
    }

    public func encoded() throws -> [UInt8] {
        try ManifestJSON.encode(self)
    }

    public static func decode(_ data: Data) throws -> ClusterBackupManifest {
        try ManifestJSON.decoder().decode(ClusterBackupManifest.self, from: data)
    }

    /// Reads the manifest of the set in `folder` and checks it against the folder: its name,
    /// and every shard file present with the size the manifest records (a missing or cut
    /// shard file makes the set invalid, never a smaller backup).
    public static func lookup(folder: String) -> Result<ClusterBackupManifest, LookupProblem> {
        let path = URL(fileURLWithPath: folder).appendingPathComponent(fileName).path
        let data: [UInt8]
        do {
            data = try readSmallFile(path, limit: 1 << 22)
        } catch .missing {
            return .failure(.init("no manifest"))
        } catch {
            return .failure(.init("manifest unreadable: \(error.reason)"))
        }
        guard let manifest = try? decode(Data(data)), manifest.format == "memops-cluster-backup" else {
            return .failure(.init(data.isEmpty ? "manifest empty" : "manifest unreadable"))
        }
        let name = URL(fileURLWithPath: folder).lastPathComponent
        guard manifest.name == name else { return .failure(.init("manifest describes \(manifest.name)")) }
        guard !manifest.shards.isEmpty else { return .failure(.init("manifest lists no shard")) }
        for shard in manifest.shards {
            let file = URL(fileURLWithPath: folder).appendingPathComponent(shard.manifest.file).path
            var st = stat()
            guard stat(file, &st) == 0 else { return .failure(.init("shard file \(shard.manifest.file) missing")) }
            guard UInt64(st.st_size) == shard.manifest.compressed.bytes else {
                return .failure(.init("shard file \(shard.manifest.file) is \(st.st_size) bytes, the manifest says \(shard.manifest.compressed.bytes)"))
            }
        }
        return .success(manifest)
    }

    /// Whether `path` is a set's folder: named `….cluster`, or holding a set's manifest.
    public static func isSetFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return false }
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return trimmed.hasSuffix(suffix) || FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent(fileName).path)
    }

    /// The set's shard files in `folder`, each with its own manifest; an incomplete set is the
    /// problem that makes it so.
    public static func shardFiles(in folder: String) -> Result<[(path: String, manifest: BackupManifest)], LookupProblem> {
        lookup(folder: folder).map { set in
            set.shards.map { (URL(fileURLWithPath: folder).appendingPathComponent($0.manifest.file).path, $0.manifest) }
        }
    }

    /// Why a set cannot be used, as a listing shows it.
    public struct LookupProblem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
