/// Builds the payloads DUMP and FUNCTION DUMP produce, which RESTORE and FUNCTION RESTORE take:
/// the serialized value, a 2-byte RDB version (little endian) and the CRC64 of everything
/// before it, little endian (cluster.c createDumpPayload / verifyDumpPayload).
///
/// Built incrementally, so a live restore can forward a big value's bytes as they are read:
/// `var p = DumpPayloadBuilder(typeCode: t); p.append(chunk)…; let tail = p.finish(version:)`.
public struct DumpPayloadBuilder: Sendable {
    private var crc = CRC64()
    /// Bytes appended so far (type byte included).
    public private(set) var count = 0

    /// Starts a key's payload with its value type byte.
    public init(typeCode: UInt8) {
        append([typeCode])
    }

    /// Starts a FUNCTION RESTORE payload (function records are appended whole, opcode included).
    public init() {}

    public mutating func append(_ bytes: [UInt8]) {
        crc.update(bytes)
        count += bytes.count
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        crc.update(bytes)
        count += bytes.count
    }

    /// The 10 bytes that end the payload: the RDB version and the CRC64 including it.
    public mutating func finish(rdbVersion: Int) -> [UInt8] {
        let version = [UInt8(truncatingIfNeeded: rdbVersion), UInt8(truncatingIfNeeded: rdbVersion >> 8)]
        crc.update(version)
        var out = version
        var v = crc.value
        for _ in 0..<8 {
            out.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
        return out
    }

    /// A whole key payload in one go.
    public static func payload(typeCode: UInt8, value: [UInt8], rdbVersion: Int) -> [UInt8] {
        var b = DumpPayloadBuilder(typeCode: typeCode)
        b.append(value)
        return [typeCode] + value + b.finish(rdbVersion: rdbVersion)
    }

    /// A whole FUNCTION RESTORE payload from the function records of a file.
    public static func functionPayload(records: [[UInt8]], rdbVersion: Int) -> [UInt8] {
        var b = DumpPayloadBuilder()
        var out: [UInt8] = []
        for r in records {
            b.append(r)
            out += r
        }
        return out + b.finish(rdbVersion: rdbVersion)
    }
}

/// The version number a DUMP payload carries for a file with this header: the RDB version, or
/// for Valkey's VALKEY080 its 80.
extension RDBHeader {
    public var dumpVersion: Int { version }
}

/// A visitor that collects the RESTORE payload of every key a filter accepts, and the FUNCTION
/// RESTORE payload of the file's libraries. Holds each selected value in memory: meant for
/// small keys and tests; a live restore forwards `rawValue` chunks through a
/// `DumpPayloadBuilder` instead.
public struct DumpPayloadCollector: RDBVisitor {
    /// One key's payload.
    public struct Payload: Sendable {
        public var db: Int
        public var key: [UInt8]
        public var typeCode: UInt8
        public var expireAtMs: Int64?
        public var payload: [UInt8]
    }

    public private(set) var payloads: [Payload] = []
    public private(set) var functionRecords: [[UInt8]] = []
    private var version = 0
    private var current: [UInt8] = []
    private let accept: (Int, [UInt8]) -> Bool

    /// `accept(db, key)` picks the keys to collect; all by default.
    public init(accept: @escaping (Int, [UInt8]) -> Bool = { _, _ in true }) {
        self.accept = accept
    }

    /// The FUNCTION RESTORE payload of the file's libraries, or nil when it has none.
    public var functionPayload: [UInt8]? {
        functionRecords.isEmpty ? nil : DumpPayloadBuilder.functionPayload(records: functionRecords, rdbVersion: version)
    }

    public mutating func header(_ header: RDBHeader) { version = header.dumpVersion }

    public mutating func function(code: [UInt8], record: [UInt8]) { functionRecords.append(record) }

    public mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery {
        guard accept(info.db, info.key) else { return .summary }
        current.removeAll(keepingCapacity: true)
        return .raw
    }

    public mutating func rawValue(_ info: RDBKeyInfo, _ bytes: [UInt8]) { current += bytes }

    public mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) {
        guard accept(info.db, info.key) else { return }
        payloads.append(Payload(db: info.db, key: info.key, typeCode: info.typeCode, expireAtMs: info.expireAtMs,
                                payload: DumpPayloadBuilder.payload(typeCode: info.typeCode, value: current, rdbVersion: version)))
        current.removeAll(keepingCapacity: true)
    }
}
