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

extension KeyRow {
    /// The row of a key just read, its TTL counted from `now` (Unix ms).
    init(_ info: RDBKeyInfo, _ summary: RDBKeySummary, now: Int64) {
        self.init(
            db: info.db, key: info.keyText, type: info.type.rawValue, encoding: summary.encoding.rawValue,
            elements: summary.elementCount, bytes: summary.valueBytes, expireAtMs: info.expireAtMs,
            ttlMs: info.expireAtMs.map { $0 - now })
    }
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
        let row = KeyRow(info, summary, now: now)
        if values && info.type == .string { current = [text(stringBytes)] }
        emit(row, values ? current : nil)
    }

    /// UTF-8 text where valid, else \xNN escapes, as everywhere memops prints keys.
    private func text(_ bytes: [UInt8]) -> String { RDBError.printable(bytes) }
}

/// `inspect --keys --json --values` written as it is read: one JSON line per key, the value's
/// elements encoded one at a time, so memory stays flat for a key of any size (a 1 GB hash, a
/// stream of 10 M entries). The line's other fields come first (keys sorted) but are known only
/// at the key's end, so the value's JSON waits in memory up to `spoolThreshold` bytes and in an
/// unnamed temporary file (`SpoolFile`) beyond, then goes out after them. The output is byte
/// for byte what `KeyLister` and JSONSerialization print.
public struct KeyValueJSONLister: RDBVisitor {
    public var db: Int?
    public var pattern: Glob?
    public var now: Int64
    /// The value's JSON held in memory before it goes to the spool file.
    public var spoolThreshold = 1 << 20
    public var spoolDirectory: String?
    /// Receives the output, a piece at a time (whole lines for keys below the threshold).
    private let write: (UnsafeRawBufferPointer) -> Void
    /// Told once when no spool file can be used: values are then held in memory.
    private let warn: (String) -> Void

    private var selected = false
    private var value: [UInt8] = []
    private var first = true
    private var spool: SpoolFile?
    private var spoolFailed = false
    private var stringHead: [UInt8] = []
    private var stringTotal = 0

    public init(db: Int?, pattern: Glob?, now: Int64, write: @escaping (UnsafeRawBufferPointer) -> Void,
                warn: @escaping (String) -> Void = { _ in }) {
        self.db = db
        self.pattern = pattern
        self.now = now
        self.write = write
        self.warn = warn
    }

    public mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery {
        selected = (db == nil || db == info.db) && (pattern?.matches(info.key) ?? true)
        guard selected else { return .summary }
        value.removeAll(keepingCapacity: value.capacity <= spoolThreshold * 2)
        spool?.reset()
        first = true
        stringHead.removeAll()
        stringTotal = 0
        if info.type != .string { value.append(UInt8(ascii: "[")) }
        return .elements
    }

    public mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) {
        // Only the first 200 bytes are shown (RDBError.printable), with the length.
        if stringHead.count < 200 { stringHead.append(contentsOf: chunk.prefix(200 - stringHead.count)) }
        stringTotal = total
    }

    public mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) {
        separate()
        string(element)
        grew()
    }

    public mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) { listElement(info, member) }

    public mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) {
        separate()
        value.append(UInt8(ascii: "["))
        string(member)
        value.append(UInt8(ascii: ","))
        if score.isFinite {
            number(score)
        } else {
            string(text: String(score))
        }
        value.append(UInt8(ascii: "]"))
        grew()
    }

    public mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ v: [UInt8], expireAtMs: Int64?) {
        separate()
        value.append(UInt8(ascii: "["))
        string(field)
        value.append(UInt8(ascii: ","))
        string(v)
        if let at = expireAtMs {
            value.append(UInt8(ascii: ","))
            value += Array(String(at).utf8)
        }
        value.append(UInt8(ascii: "]"))
        grew()
    }

    public mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) {
        separate()
        value.append(UInt8(ascii: "["))
        string(text: id.description)
        value += Array(",[".utf8)
        for (i, f) in fields.enumerated() {
            if i > 0 { value.append(UInt8(ascii: ",")) }
            string(f.field)
            value.append(UInt8(ascii: ","))
            string(f.value)
        }
        value += Array("]]".utf8)
        grew()
    }

    public mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) {
        guard selected else { return }
        let row = KeyRow(info, summary, now: now)
        // The row's object, reopened for the value: `{…}` loses its `}`, gains `,"value":…}`.
        var line = InspectJSON.line(row)
        line.removeLast()
        line += Array(",\"value\":".utf8)
        if info.type == .string {
            var text = RDBError.printable(stringHead)
            if stringTotal > 200 { text += "…(\(stringTotal) bytes)" }
            string(text: text)
        } else {
            value.append(UInt8(ascii: "]"))
        }
        value += Array("}\n".utf8)
        if let spool, spool.count > 0 {
            line.withUnsafeBytes { write($0) }
            do {
                try spool.read { write($0) }
            } catch {
                // Read back from a file this process just wrote: a failing disk.
                warn("cannot read back the temporary file holding the value of \(info.keyText): \(error)")
            }
            value.withUnsafeBytes { write($0) }
        } else {
            line += value
            line.withUnsafeBytes { write($0) }
        }
    }

    // MARK: JSON, as JSONSerialization writes it

    private mutating func separate() {
        if first {
            first = false
        } else {
            value.append(UInt8(ascii: ","))
        }
    }

    /// A value shown as memops shows every value: printable text (RDBError.printable).
    private mutating func string(_ bytes: [UInt8]) { string(text: RDBError.printable(bytes)) }

    /// A JSON string: `"` and `\` escaped, control characters as JSONSerialization writes them
    /// (printable text has none), `/` and non-ASCII as they are (.withoutEscapingSlashes).
    private mutating func string(text: String) {
        value.append(UInt8(ascii: "\""))
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\""): value += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): value += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: value += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: value += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: value += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = String(b, radix: 16)
                value += Array(("\\u00" + (hex.count == 1 ? "0" : "") + hex).utf8)
            default: value.append(b)
            }
        }
        value.append(UInt8(ascii: "\""))
    }

    /// A finite double as JSONSerialization writes it: Swift's shortest form without ".0".
    private mutating func number(_ d: Double) {
        var text = d.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        value += Array(text.utf8)
    }

    /// Moves the value's JSON to the spool file once it outgrows the threshold.
    private mutating func grew() {
        guard value.count >= spoolThreshold, !spoolFailed else { return }
        do {
            if spool == nil { spool = try SpoolFile(directory: spoolDirectory) }
            try spool!.write(value)
            value.removeAll(keepingCapacity: true)
        } catch {
            spoolFailed = true
            warn("\(error); values are held in memory instead")
        }
    }
}
