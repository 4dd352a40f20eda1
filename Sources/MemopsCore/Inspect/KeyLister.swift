import Foundation
import MemopsRDB

/// One key of an RDB, as `memops inspect --keys` lists it.
public struct KeyRow: Sendable, Encodable {
    public var db: Int
    public var key: String
    public var type: String
    public var encoding: String
    public var elements: Int
    /// Bytes of the serialized value (as stored in the file).
    public var bytes: Int
    /// Absolute expiry (Unix ms), or nil.
    public var expireAtMs: Int64?
    /// Milliseconds left at the time of inspection (negative: already expired).
    public var ttlMs: Int64?
}

/// Streams keys out of an RDB, filtered by database and glob, one row at a time (memory stays
/// flat whatever the number of keys); with `values`, each key's elements as JSON-ready values.
public struct KeyLister: RDBVisitor {
    public var db: Int?
    public var pattern: Glob?
    public var now: Int64
    public var values: Bool
    public var emit: (KeyRow, [Any]?) -> Void

    private var current: [Any] = []
    private var selected = false
    private var stringBytes: [UInt8] = []

    public init(db: Int?, pattern: Glob?, now: Int64, values: Bool, emit: @escaping (KeyRow, [Any]?) -> Void) {
        self.db = db
        self.pattern = pattern
        self.now = now
        self.values = values
        self.emit = emit
    }

    public mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery {
        selected = (db == nil || db == info.db) && (pattern?.matches(info.key) ?? true)
        current.removeAll()
        stringBytes.removeAll()
        return selected && values ? .elements : .summary
    }

    public mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) {
        stringBytes.append(contentsOf: chunk)
    }
    public mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) { current.append(text(element)) }
    public mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) { current.append(text(member)) }
    public mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) {
        current.append([text(member), score.isFinite ? score as Any : String(score)])
    }
    public mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) {
        current.append(expireAtMs.map { [text(field), text(value), $0] as [Any] } ?? [text(field), text(value)])
    }
    public mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) {
        current.append([id.description, fields.flatMap { [text($0.field), text($0.value)] }] as [Any])
    }

    public mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) {
        guard selected else { return }
        let row = KeyRow(
            db: info.db, key: info.keyText, type: info.type.rawValue, encoding: summary.encoding.rawValue,
            elements: summary.elementCount, bytes: summary.valueBytes, expireAtMs: info.expireAtMs,
            ttlMs: info.expireAtMs.map { $0 - now })
        if values && info.type == .string { current = [text(stringBytes)] }
        emit(row, values ? current : nil)
    }

    /// UTF-8 text where valid, else \xNN escapes, as everywhere memops prints keys.
    private func text(_ bytes: [UInt8]) -> String { RDBError.printable(bytes) }
}
