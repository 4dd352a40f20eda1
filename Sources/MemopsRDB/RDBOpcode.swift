/// The RDB opcodes: the bytes in a file's type position that are not value types (rdb.h).
public enum RDBOpcode {
    /// Valkey only: a slot-migration import job and its slot ranges (Redis has none at 243).
    public static let slotImport: UInt8 = 243
    /// Per-slot key counts of a cluster node's RDB (RDB 12+, both flavours).
    public static let slotInfo: UInt8 = 244
    /// A function library (`RDB_OPCODE_FUNCTION2`, 7.0 GA on).
    public static let function2: UInt8 = 245
    /// A function library as the 7.0 release candidates wrote it (`RDB_OPCODE_FUNCTION_PRE_GA`).
    public static let functionPreGA: UInt8 = 246
    /// Module auxiliary data.
    public static let moduleAux: UInt8 = 247
    /// LRU idle time of the next key.
    public static let idle: UInt8 = 248
    /// LFU frequency of the next key.
    public static let freq: UInt8 = 249
    /// A key/value of metadata (`redis-ver`, `ctime`, `repl-id`, …).
    public static let aux: UInt8 = 250
    /// Hash-table sizes of the current database.
    public static let resizeDB: UInt8 = 251
    /// Expiry of the next key in Unix milliseconds (8 bytes, little endian).
    public static let expireTimeMs: UInt8 = 252
    /// Expiry of the next key in Unix seconds (4 bytes), from RDBs before version 3.
    public static let expireTime: UInt8 = 253
    /// The database the following keys belong to.
    public static let selectDB: UInt8 = 254
    /// End of the keys; the CRC-64 trailer follows (RDB 5+).
    public static let eof: UInt8 = 255
}
