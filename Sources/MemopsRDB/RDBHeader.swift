/// The nine bytes every RDB file starts with: `REDIS` and a four-digit version (RDB 1 to 12), or
/// Valkey's `VALKEY` and a three-digit version (`VALKEY080` from Valkey 9 on).
public struct RDBHeader: Sendable, Equatable {
    /// Which server family wrote the file; Redis and Valkey disagree on some type codes and
    /// opcodes from version 12 on, so readers switch on this.
    public enum Flavor: String, Sendable, Codable {
        case redis
        case valkey
    }

    public var flavor: Flavor
    public var version: Int

    /// The header is always this many bytes.
    public static let size = 9

    /// The newest RDB version each flavour has that memops knows how to read.
    public static let newestRedisVersion = 12
    public static let newestValkeyVersion = 80

    public init(flavor: Flavor, version: Int) {
        self.flavor = flavor
        self.version = version
    }

    /// Parses the first nine bytes of a file, or explains why they are not an RDB header.
    public init<C: Collection>(bytes: C) throws(RDBHeaderError) where C.Element == UInt8 {
        let b = Array(bytes.prefix(RDBHeader.size))
        guard b.count == RDBHeader.size else { throw .truncated(b.count) }
        func digits(_ slice: ArraySlice<UInt8>) -> Int? {
            var n = 0
            for c in slice {
                guard c >= 0x30, c <= 0x39 else { return nil }
                n = n * 10 + Int(c - 0x30)
            }
            return n
        }
        if b.starts(with: Array("REDIS".utf8)) {
            guard let v = digits(b[5..<9]) else { throw .badMagic(b) }
            guard v >= 1 else { throw .badMagic(b) }
            guard v <= RDBHeader.newestRedisVersion else { throw .unsupportedVersion(.redis, v) }
            self.init(flavor: .redis, version: v)
        } else if b.starts(with: Array("VALKEY".utf8)) {
            guard let v = digits(b[6..<9]) else { throw .badMagic(b) }
            guard v <= RDBHeader.newestValkeyVersion else { throw .unsupportedVersion(.valkey, v) }
            self.init(flavor: .valkey, version: v)
        } else {
            throw .badMagic(b)
        }
    }

    /// "REDIS0011" or "VALKEY080", as it stands in the file.
    public var text: String {
        switch flavor {
        case .redis:
            let v = String(version)
            return "REDIS" + String(repeating: "0", count: max(0, 4 - v.count)) + v
        case .valkey:
            let v = String(version)
            return "VALKEY" + String(repeating: "0", count: max(0, 3 - v.count)) + v
        }
    }
}

/// Why nine bytes are not a header memops can read.
public enum RDBHeaderError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(Int)
    case badMagic([UInt8])
    case unsupportedVersion(RDBHeader.Flavor, Int)

    public var description: String {
        switch self {
        case .truncated(let n):
            return "file is \(n) bytes long, shorter than an RDB header (9 bytes)"
        case .badMagic(let b):
            let shown = String(decoding: b.map { (0x20..<0x7f).contains($0) ? $0 : 0x3f }, as: UTF8.self)
            return "not an RDB file: it starts with \"\(shown)\", not REDIS or VALKEY and a version"
        case .unsupportedVersion(let flavor, let v):
            let newest = flavor == .redis ? RDBHeader.newestRedisVersion : RDBHeader.newestValkeyVersion
            return "RDB version \(v) (\(flavor.rawValue)) is newer than memops understands (up to \(newest)); upgrade memops"
        }
    }
}
