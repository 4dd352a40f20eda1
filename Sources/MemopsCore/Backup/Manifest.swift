import Foundation

/// The JSON file published beside each backup (`NAME.manifest.json`): everything needed to
/// verify it and to know where it came from. Its schema is stable; fields are only added.
public struct BackupManifest: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1

    /// Always "memops-backup".
    public var format: String = "memops-backup"
    public var formatVersion: Int = BackupManifest.currentFormatVersion
    /// The backup's file name, in the same directory.
    public var file: String
    /// When memops started, the save was confirmed, and the backup was published (UTC).
    public var startedAt: Date
    public var savedAt: Date
    public var finishedAt: Date
    public var durationSeconds: Double
    public var server: Server
    /// "bgsave" (the server's own file after BGSAVE) or "replication" (SYNC stream).
    public var source: String
    public var rdb: RDBInfo
    public var compressed: CompressedInfo
    /// Keys and expires per database, and where the counts come from ("info": INFO keyspace
    /// right after the save).
    public var keyspace: [KeyspaceCount]
    public var keyspaceSource: String
    public var memopsVersion: String
    /// The options the backup ran with (level, workers, retention…), as given.
    public var parameters: [String: String]
    /// The last verification of the published file, if any.
    public var verification: Verification?
    /// Where the time went: waiting for the save, streaming, verifying the written file.
    public var timings: Timings?

    public struct Timings: Codable, Sendable, Equatable {
        public var saveSeconds: Double
        public var streamSeconds: Double
        public var verifySeconds: Double
    }

    public struct Server: Codable, Sendable, Equatable {
        public var address: String
        public var version: String
        public var runID: String
    }

    public struct RDBInfo: Codable, Sendable, Equatable {
        /// The header as it stands in the file, e.g. "REDIS0010".
        public var header: String
        public var version: Int
        public var bytes: UInt64
        public var sha256: String
        /// The CRC64 trailer in hex, or nil when the server wrote none (`rdbchecksum no`).
        public var crc64: String?
    }

    public struct CompressedInfo: Codable, Sendable, Equatable {
        public var algorithm: String = "zstd"
        public var level: Int
        public var bytes: UInt64
        public var sha256: String
    }

    public struct Verification: Codable, Sendable, Equatable {
        public var at: Date
        /// "shallow" (zstd frames, SHA-256, header, CRC64) or "deep" (plus a full parse).
        public var level: String
        public var ok: Bool
    }

    /// The manifest's file name for a backup file name.
    public static func fileName(for backup: String) -> String {
        let base = backup.hasSuffix(".rdb.zst") ? String(backup.dropLast(".rdb.zst".count)) : backup
        return base + ".manifest.json"
    }

    /// The manifest beside a backup file (`NAME.rdb.zst` → `NAME.manifest.json`), if there is
    /// one, it reads, and it describes that file.
    public static func sibling(of backup: String) -> BackupManifest? {
        if case .found(let manifest) = lookup(for: backup) { return manifest }
        return nil
    }

    /// What stands beside a backup file where its manifest should be.
    public enum Lookup: Sendable, Equatable {
        case found(BackupManifest)
        /// No manifest file: a plain copy, or a backup published without one.
        case missing
        /// A manifest file that is empty, not JSON, or not a memops manifest.
        case unreadable(path: String, reason: String)
        /// A readable manifest of another backup (swapped or copied over).
        case mismatched(path: String, describes: String)

        /// One phrase for listings: nil when the manifest was found.
        public var problem: String? {
            switch self {
            case .found: return nil
            case .missing: return "no manifest"
            case .unreadable: return "manifest unreadable"
            case .mismatched(_, let other): return "manifest describes \(other)"
            }
        }
    }

    /// Reads the manifest beside `backup` and checks that it names that file.
    public static func lookup(for backup: String) -> Lookup {
        let url = URL(fileURLWithPath: backup)
        let path = url.deletingLastPathComponent().appendingPathComponent(fileName(for: url.lastPathComponent)).path
        let data: [UInt8]
        do {
            data = try readSmallFile(path, limit: 1 << 20)
        } catch .missing {
            return .missing
        } catch {
            return .unreadable(path: path, reason: error.reason)
        }
        let manifest: BackupManifest
        do {
            manifest = try decode(Data(data))
        } catch {
            return .unreadable(path: path, reason: data.isEmpty ? "it is empty" : "it is not a memops manifest")
        }
        guard manifest.format == "memops-backup" else { return .unreadable(path: path, reason: "its format is \(manifest.format), not memops-backup") }
        guard manifest.file == url.lastPathComponent else { return .mismatched(path: path, describes: manifest.file) }
        return .found(manifest)
    }

    public func encoded() throws -> [UInt8] {
        try ManifestJSON.encode(self)
    }

    public static func decode(_ data: Data) throws -> BackupManifest {
        try ManifestJSON.decoder().decode(BackupManifest.self, from: data)
    }

    /// YYYY-MM-DDTHH:MM:SSZ, digits where digits go.
    static func isTimestamp(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 20 else { return false }
        for (i, c) in b.enumerated() {
            switch i {
            case 4, 7: if c != UInt8(ascii: "-") { return false }
            case 10: if c != UInt8(ascii: "T") { return false }
            case 13, 16: if c != UInt8(ascii: ":") { return false }
            case 19: if c != UInt8(ascii: "Z") { return false }
            default: if !(c >= 0x30 && c <= 0x39) { return false }
            }
        }
        return true
    }
}

/// The JSON every memops manifest is written in: pretty, sorted keys, times in UTC as
/// 2026-12-02T01:00:02Z, and read back in exactly that form.
enum ManifestJSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(UTCTime.iso8601(date))
        }
        return Array(try encoder.encode(value)) + [0x0a]
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        // Exactly the form `encode` writes: Foundation's .iso8601 also took "01:00:0.1Z" and
        // read a time the manifest never held (found by fuzzing).
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard BackupManifest.isTimestamp(text), let date = UTCTime.parseISO8601(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(text) is not a UTC time like 2026-12-02T01:00:02Z"))
            }
            return date
        }
        return decoder
    }
}
