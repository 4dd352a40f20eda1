/// The logical type of a key, as TYPE reports it.
public enum RDBKeyType: String, Sendable, Codable, CaseIterable {
    case string, list, set, zset, hash, stream, module
}

/// How a value is stored, named as OBJECT ENCODING would report it after loading (plus the old
/// on-disk forms a current server converts on load: zipmap, ziplist, linkedlist).
public enum RDBEncoding: String, Sendable, Codable, CaseIterable {
    case int, embstr, raw
    case linkedlist, ziplist, quicklist, listpack, listpackex, intset, hashtable, skiplist, zipmap
    case stream, module
}

/// A stream entry ID: milliseconds and sequence number.
public struct StreamID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var ms: UInt64
    public var seq: UInt64
    public init(ms: UInt64, seq: UInt64) {
        self.ms = ms
        self.seq = seq
    }
    public static func < (a: StreamID, b: StreamID) -> Bool { (a.ms, a.seq) < (b.ms, b.seq) }
    public var description: String { "\(ms)-\(seq)" }
}

/// What the reader knows about a key when it starts reading its value.
public struct RDBKeyInfo: Sendable {
    public var db: Int
    public var key: [UInt8]
    /// The value type byte as it stands in the file (0–25; Redis and Valkey differ from 22 on).
    public var typeCode: UInt8
    public var type: RDBKeyType
    /// The storage encoding; for strings it is decided once the value is read (see `endKey`).
    public var encoding: RDBEncoding
    /// Absolute expiry in Unix milliseconds, from EXPIRETIME_MS (or EXPIRETIME × 1000).
    public var expireAtMs: Int64?
    /// LRU idle seconds (RDB_OPCODE_IDLE), when the server ran an LRU policy.
    public var lruIdle: UInt64?
    /// LFU counter (RDB_OPCODE_FREQ), when the server ran an LFU policy.
    public var lfuFreq: UInt8?
    /// Offset of the key's first byte in the stream: its first modifier opcode (EXPIRETIME_MS,
    /// IDLE, FREQ) if any, else its type byte.
    public var offset: Int
    /// Offset of the type byte.
    public var typeOffset: Int
    /// Offset of the value's first byte (just after the key name).
    public var valueOffset: Int

    /// The key as text for messages and listings: `KeyText.escaped` (printable ASCII as itself,
    /// every other byte, space, `\` and `'` included, as `\xNN`), cut after 200 bytes.
    public var keyText: String { RDBError.printable(key) }
}

/// What the reader learnt about a key by the time its value ended.
public struct RDBKeySummary: Sendable {
    /// Elements: bytes for a string (STRLEN), LLEN / SCARD / ZCARD / HLEN / XLEN otherwise,
    /// 0 for a module value.
    public var elementCount: Int
    /// Bytes of the value as stored (from just after the key name to the end of the value).
    public var valueBytes: Int
    /// Bytes of the whole record: modifier opcodes, type byte, key name and value.
    public var recordBytes: Int
    /// For strings, the encoding the server would give it on load; otherwise as in `RDBKeyInfo`.
    public var encoding: RDBEncoding
}

/// What a visitor wants from a key's value; the value is always read and validated.
public enum RDBDelivery: Sendable {
    /// Element callbacks (`stringChunk`, `listElement`, …).
    case elements
    /// The value's raw bytes, as stored, through `rawValue` (for DUMP / RESTORE).
    case raw
    /// Both.
    case elementsAndRaw
    /// Neither: only `endKey`.
    case summary
}

/// Whether the file's CRC64 trailer was checked.
public enum RDBChecksum: Sendable, Equatable {
    /// The trailer matched the contents.
    case verified(UInt64)
    /// The trailer is eight zero bytes: the server ran with `rdbchecksum no`.
    case disabled
    /// RDB versions before 5 have no trailer.
    case absent
}

/// A stream's metadata, reported after its entries.
public struct RDBStreamInfo: Sendable, Equatable {
    public var length: UInt64
    public var listpackCount: Int
    public var lastID: StreamID
    /// RDB_TYPE_STREAM_LISTPACKS_2 and later only.
    public var firstID: StreamID?
    public var maxDeletedID: StreamID?
    public var entriesAdded: UInt64?
    public var groupCount: Int
}

/// A consumer group, reported before its PEL and consumers.
public struct RDBStreamGroup: Sendable, Equatable {
    public var name: [UInt8]
    public var lastDeliveredID: StreamID
    /// nil when unknown (the server stores -1) or when the file predates RDB_TYPE_STREAM_LISTPACKS_2.
    public var entriesRead: UInt64?
    public var pendingCount: Int
    public var consumerCount: Int
}

/// A consumer of a group.
public struct RDBStreamConsumer: Sendable, Equatable {
    public var name: [UInt8]
    public var seenTimeMs: Int64
    /// RDB_TYPE_STREAM_LISTPACKS_3 and later only.
    public var activeTimeMs: Int64?
    public var pendingCount: Int
}

/// Receives what `RDBReader` finds, in file order. Every method has a no-op default, so a
/// visitor implements only what it needs. Element callbacks come only when `beginKey` asked for
/// `.elements`; a key's elements are never gathered in memory by the reader. A callback that
/// throws stops the read: `RDBReader.read` rethrows its error as it is.
public protocol RDBVisitor {
    mutating func header(_ header: RDBHeader) throws
    mutating func aux(key: [UInt8], value: [UInt8]) throws
    mutating func selectDB(_ db: Int) throws
    mutating func resizeDB(db: Int, keys: UInt64, expires: UInt64) throws
    mutating func slotInfo(slot: UInt64, keys: UInt64, expires: UInt64) throws
    /// A function library (RDB_OPCODE_FUNCTION2): its code, starting "#!lua name=…", and the
    /// record as stored (opcode byte and string), which FUNCTION RESTORE payloads are made of.
    mutating func function(code: [UInt8], record: [UInt8]) throws
    /// Module auxiliary data (RDB_OPCODE_MODULE_AUX), skipped; `name` is decoded from the id.
    mutating func moduleAux(name: String, moduleID: UInt64, when: UInt64) throws
    /// Valkey's RDB_OPCODE_SLOT_IMPORT (243): an in-progress slot import job.
    mutating func slotImport(job: [UInt8], ranges: [(UInt64, UInt64)]) throws

    /// A key starts; the answer says what to deliver for its value.
    mutating func beginKey(_ info: RDBKeyInfo) throws -> RDBDelivery
    /// A piece of a string value; `offset` is where it starts in the value, `total` its length.
    mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) throws
    mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) throws
    mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) throws
    mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) throws
    /// A hash field; `expireAtMs` is the field's absolute TTL (hash field expiration), if any.
    mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) throws
    mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) throws
    mutating func streamInfo(_ info: RDBKeyInfo, _ stream: RDBStreamInfo) throws
    mutating func streamGroup(_ info: RDBKeyInfo, _ group: RDBStreamGroup) throws
    /// An entry of a group's PEL (delivered but not acknowledged).
    mutating func streamPending(_ info: RDBKeyInfo, group: [UInt8], id: StreamID, deliveryTimeMs: Int64, deliveryCount: UInt64) throws
    mutating func streamConsumer(_ info: RDBKeyInfo, group: [UInt8], _ consumer: RDBStreamConsumer) throws
    /// An entry of a consumer's own PEL.
    mutating func streamConsumerPending(_ info: RDBKeyInfo, group: [UInt8], consumer: [UInt8], id: StreamID) throws
    /// A module value (type 7), skipped; `name` is the 9-character module type name.
    mutating func moduleValue(_ info: RDBKeyInfo, name: String, moduleID: UInt64) throws
    /// Raw bytes of the value as stored, in order, when `beginKey` asked for them.
    mutating func rawValue(_ info: RDBKeyInfo, _ bytes: [UInt8]) throws
    mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) throws

    /// The file ended (EOF opcode and trailer read).
    mutating func end(checksum: RDBChecksum, offset: Int) throws
}

extension RDBVisitor {
    public mutating func header(_ header: RDBHeader) {}
    public mutating func aux(key: [UInt8], value: [UInt8]) {}
    public mutating func selectDB(_ db: Int) {}
    public mutating func resizeDB(db: Int, keys: UInt64, expires: UInt64) {}
    public mutating func slotInfo(slot: UInt64, keys: UInt64, expires: UInt64) {}
    public mutating func function(code: [UInt8], record: [UInt8]) {}
    public mutating func moduleAux(name: String, moduleID: UInt64, when: UInt64) {}
    public mutating func slotImport(job: [UInt8], ranges: [(UInt64, UInt64)]) {}
    public mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery { .elements }
    public mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) {}
    public mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) {}
    public mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) {}
    public mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) {}
    public mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) {}
    public mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) {}
    public mutating func streamInfo(_ info: RDBKeyInfo, _ stream: RDBStreamInfo) {}
    public mutating func streamGroup(_ info: RDBKeyInfo, _ group: RDBStreamGroup) {}
    public mutating func streamPending(_ info: RDBKeyInfo, group: [UInt8], id: StreamID, deliveryTimeMs: Int64, deliveryCount: UInt64) {}
    public mutating func streamConsumer(_ info: RDBKeyInfo, group: [UInt8], _ consumer: RDBStreamConsumer) {}
    public mutating func streamConsumerPending(_ info: RDBKeyInfo, group: [UInt8], consumer: [UInt8], id: StreamID) {}
    public mutating func moduleValue(_ info: RDBKeyInfo, name: String, moduleID: UInt64) {}
    public mutating func rawValue(_ info: RDBKeyInfo, _ bytes: [UInt8]) {}
    public mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) {}
    public mutating func end(checksum: RDBChecksum, offset: Int) {}
}

/// A visitor that wraps another: every callback goes to `inner` unless the wrapper implements
/// it, so a wrapper forwards everything by construction and overrides only what it adds to.
public protocol ForwardingVisitor: RDBVisitor {
    associatedtype Inner: RDBVisitor
    var inner: Inner { get set }
}

extension ForwardingVisitor {
    public mutating func header(_ header: RDBHeader) throws { try inner.header(header) }
    public mutating func aux(key: [UInt8], value: [UInt8]) throws { try inner.aux(key: key, value: value) }
    public mutating func selectDB(_ db: Int) throws { try inner.selectDB(db) }
    public mutating func resizeDB(db: Int, keys: UInt64, expires: UInt64) throws { try inner.resizeDB(db: db, keys: keys, expires: expires) }
    public mutating func slotInfo(slot: UInt64, keys: UInt64, expires: UInt64) throws { try inner.slotInfo(slot: slot, keys: keys, expires: expires) }
    public mutating func function(code: [UInt8], record: [UInt8]) throws { try inner.function(code: code, record: record) }
    public mutating func moduleAux(name: String, moduleID: UInt64, when: UInt64) throws { try inner.moduleAux(name: name, moduleID: moduleID, when: when) }
    public mutating func slotImport(job: [UInt8], ranges: [(UInt64, UInt64)]) throws { try inner.slotImport(job: job, ranges: ranges) }
    public mutating func beginKey(_ info: RDBKeyInfo) throws -> RDBDelivery { try inner.beginKey(info) }
    public mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) throws {
        try inner.stringChunk(info, chunk, offset: offset, total: total)
    }
    public mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) throws { try inner.listElement(info, element) }
    public mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) throws { try inner.setMember(info, member) }
    public mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) throws { try inner.zsetMember(info, member, score: score) }
    public mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) throws {
        try inner.hashField(info, field, value, expireAtMs: expireAtMs)
    }
    public mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) throws {
        try inner.streamEntry(info, id: id, fields: fields)
    }
    public mutating func streamInfo(_ info: RDBKeyInfo, _ stream: RDBStreamInfo) throws { try inner.streamInfo(info, stream) }
    public mutating func streamGroup(_ info: RDBKeyInfo, _ group: RDBStreamGroup) throws { try inner.streamGroup(info, group) }
    public mutating func streamPending(_ info: RDBKeyInfo, group: [UInt8], id: StreamID, deliveryTimeMs: Int64, deliveryCount: UInt64) throws {
        try inner.streamPending(info, group: group, id: id, deliveryTimeMs: deliveryTimeMs, deliveryCount: deliveryCount)
    }
    public mutating func streamConsumer(_ info: RDBKeyInfo, group: [UInt8], _ consumer: RDBStreamConsumer) throws {
        try inner.streamConsumer(info, group: group, consumer)
    }
    public mutating func streamConsumerPending(_ info: RDBKeyInfo, group: [UInt8], consumer: [UInt8], id: StreamID) throws {
        try inner.streamConsumerPending(info, group: group, consumer: consumer, id: id)
    }
    public mutating func moduleValue(_ info: RDBKeyInfo, name: String, moduleID: UInt64) throws { try inner.moduleValue(info, name: name, moduleID: moduleID) }
    public mutating func rawValue(_ info: RDBKeyInfo, _ bytes: [UInt8]) throws { try inner.rawValue(info, bytes) }
    public mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) throws { try inner.endKey(info, summary) }
    public mutating func end(checksum: RDBChecksum, offset: Int) throws { try inner.end(checksum: checksum, offset: offset) }
}
