import Foundation
import MemopsRDB

/// What a restore needs to know about the server it writes to: which RDB version it reads and
/// which value type codes it knows, derived from its version (rdb.h of each release).
public struct TargetServer: Sendable, Equatable, CustomStringConvertible {
    public var flavor: RDBHeader.Flavor
    /// "7.0.15", as INFO server or `redis-server --version` reports it.
    public var version: String
    /// The newest RDB version it loads (RDB_VERSION of that release).
    public var rdbVersion: Int

    public init(flavor: RDBHeader.Flavor, version: String) {
        self.flavor = flavor
        self.version = version
        self.rdbVersion = TargetServer.rdbVersion(flavor: flavor, version: version)
    }

    public var description: String { "\(flavor == .redis ? "redis" : "valkey") \(version)" }

    /// Reads INFO server: `valkey_version` (Valkey also reports a frozen `redis_version`), else
    /// `redis_version`.
    public static func detect(_ connection: RedisConnection) throws(RedisError) -> TargetServer {
        let info = try connection.info("server")
        if let v = info["valkey_version"] { return TargetServer(flavor: .valkey, version: v) }
        if info["server_name"] == "valkey", let v = info["redis_version"] { return TargetServer(flavor: .valkey, version: v) }
        return TargetServer(flavor: .redis, version: info["redis_version"] ?? "0")
    }

    /// Parses `redis-server --version` output ("Redis server v=7.0.15 sha=…", "Valkey server v=9.0.0 …").
    public static func parse(versionOutput text: String) -> TargetServer? {
        guard let range = text.range(of: "v=") else { return nil }
        let version = text[range.upperBound...].prefix { !$0.isWhitespace }
        let flavor: RDBHeader.Flavor = text.lowercased().hasPrefix("valkey") ? .valkey : .redis
        return TargetServer(flavor: flavor, version: String(version))
    }

    /// RDB_VERSION per release: 2.6–2.8 → 6, 3.2 → 7, 4.0 → 8, 5.0–6.2 → 9, 7.0 → 10, 7.2 → 11,
    /// 7.4 and 8.x → 12; Valkey 7.2–8.x → 11, 9.0 on → 80.
    static func rdbVersion(flavor: RDBHeader.Flavor, version: String) -> Int {
        let parts = version.split(separator: ".").map { Int($0) ?? 0 }
        let major = parts.first ?? 0
        let minor = parts.count > 1 ? parts[1] : 0
        if flavor == .valkey { return major >= 9 ? 80 : 11 }
        switch (major, minor) {
        case (8..., _): return 12
        case (7, 4...): return 12
        case (7, 2...): return 11
        case (7, _): return 10
        case (5...6, _): return 9
        case (4, _): return 8
        case (3, 2...): return 7
        default: return 6
        }
    }

    /// Whether this server's RDB loader knows value type `code` as written by a file of
    /// `source` flavour. Redis and Valkey agree on 0–21 and differ from 22 on.
    public func knows(typeCode code: UInt8, from source: RDBHeader.Flavor) -> Bool {
        switch code {
        case 0...7, 9...14: return true
        case 15: return rdbVersion >= 9
        case 16...19: return rdbVersion >= 10
        case 20, 21: return rdbVersion >= 11
        default: return source == flavor && rdbVersion >= (flavor == .valkey ? 80 : 12)
        }
    }

    /// Whether this server accepts a DUMP payload stamped with `payloadVersion` from a file of
    /// `source` flavour as is. Valkey 9 accepts Redis payloads up to RDB 11 and its own from 80;
    /// Redis refuses anything newer than its RDB_VERSION (verifyDumpPayload).
    public func accepts(payloadVersion v: Int, from source: RDBHeader.Flavor) -> Bool {
        if flavor == .valkey && rdbVersion >= 80 { return v <= 11 || (source == .valkey && v <= rdbVersion) }
        return v <= rdbVersion
    }
}
