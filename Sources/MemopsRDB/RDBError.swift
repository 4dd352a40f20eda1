/// Why an RDB file (or DUMP payload) could not be read: what went wrong, at which byte, and in
/// which database and key when the reader was inside one. memops maps every `RDBError` to exit
/// code 6.
public struct RDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure a caller may want to tell apart.
    public enum Kind: Sendable, Equatable {
        /// The input ended before the structure being read was complete.
        case truncated
        /// The first nine bytes are not an RDB header memops can read.
        case header(RDBHeaderError)
        /// The CRC64 trailer does not match the file's contents.
        case checksumMismatch(stored: UInt64, computed: UInt64)
        /// A value type byte this version of the format does not define.
        case unknownType(UInt8)
        /// A structure is malformed; `structure` names it ("listpack", "ziplist", "stream"…).
        case corrupt(structure: String, detail: String)
        /// A feature the format allows but memops cannot read (pre-GA module values…).
        case unsupported(String)
        /// The byte source failed (a read error, a zstd error…).
        case io(String)
    }

    public var kind: Kind
    /// Absolute byte offset in the (decompressed) RDB stream where the problem was found.
    public var offset: Int
    /// The database the reader was in, if it had seen a SELECTDB or key.
    public var db: Int?
    /// The key being read, if any.
    public var key: [UInt8]?

    public init(_ kind: Kind, offset: Int, db: Int? = nil, key: [UInt8]? = nil) {
        self.kind = kind
        self.offset = offset
        self.db = db
        self.key = key
    }

    public var description: String {
        var whereText = ""
        if let key {
            whereText = " in key '\(RDBError.printable(key))'"
            if let db { whereText += " (db \(db))" }
        } else if let db {
            whereText = " in db \(db)"
        }
        whereText += " at byte \(offset)"
        switch kind {
        case .truncated:
            return "truncated RDB file\(whereText): the input ended inside a record; the file is incomplete"
        case .header(let error):
            return error.description
        case .checksumMismatch(let stored, let computed):
            return "RDB checksum mismatch\(whereText): the file says \(hex(stored)) but its contents give \(hex(computed)); the file is damaged"
        case .unknownType(let type):
            return "unknown value type \(type)\(whereText); the file is corrupt or was written by a server memops does not know"
        case .corrupt(let structure, let detail):
            return "corrupt \(structure)\(whereText): \(detail)"
        case .unsupported(let what):
            return "unsupported RDB content\(whereText): \(what)"
        case .io(let message):
            return "cannot read the RDB input\(whereText): \(message)"
        }
    }

    private func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - s.count) + s
    }

    /// Key bytes as text for a message: `KeyText.escaped`, cut after 200 bytes.
    public static func printable(_ bytes: [UInt8]) -> String { KeyText.escaped(bytes, limit: 200) }
}

/// A failure inside an encoded blob (listpack, ziplist, intset, zipmap, LZF), before the reader
/// adds the file offset, database and key.
struct BlobError: Error {
    var structure: String
    var detail: String
    init(_ structure: String, _ detail: String) {
        self.structure = structure
        self.detail = detail
    }
}
