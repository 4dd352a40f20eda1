/// What `memops inspect` shows about an RDB file: header, aux fields, functions, modules, and per
/// database the keys, expiries, types, encodings and sizes, plus the biggest keys. Built by
/// reading the file once with flat memory (`RDBSummary.read`), or used as a visitor directly.
public struct RDBSummary: RDBVisitor, Sendable, Codable {
    /// One database's figures.
    public struct Database: Sendable, Codable, Equatable {
        public var keys = 0
        public var expires = 0
        /// Keys whose expiry is already past at `now`; a server drops them on load.
        public var alreadyExpired = 0
        /// The RESIZEDB hint (keys, expires), if the file has one.
        public var resizeHint: [UInt64]?
        public var keysByType: [String: Int] = [:]
        public var keysByEncoding: [String: Int] = [:]
        /// Bytes of the key records (modifiers, type, name, value) by type.
        public var bytesByType: [String: Int] = [:]
        /// Elements (STRLEN for strings) by type.
        public var elementsByType: [String: Int] = [:]
    }

    /// A key among the biggest.
    public struct BigKey: Sendable, Codable, Equatable {
        public var db: Int
        public var key: [UInt8]
        public var type: RDBKeyType
        public var encoding: RDBEncoding
        public var elements: Int
        public var bytes: Int
        public var expireAtMs: Int64?
        /// The key as text (\xNN escapes for bytes that are not printable ASCII).
        public var keyText: String { RDBError.printable(key) }
    }

    /// A function library.
    public struct Library: Sendable, Codable, Equatable {
        public var name: String
        public var engine: String
        public var codeBytes: Int
    }

    /// The header: which server family wrote the file, and its RDB version.
    public var flavor: RDBHeader.Flavor = .redis
    public var version = 0
    /// Aux fields in file order (redis-ver, redis-bits, ctime, used-mem, aof-base…), as text.
    public var aux: [[String]] = []
    public var functions: [Library] = []
    /// Module names seen in MODULE_AUX records and module values.
    public var modules: [String] = []
    public var databases: [Int: Database] = [:]
    public var slotInfoRecords = 0
    /// The N biggest keys by record bytes, biggest first.
    public var biggestKeys: [BigKey] = []
    public var checksum = "none"
    /// Bytes read up to the end of the checksum trailer.
    public var fileBytes = 0

    /// The time (Unix ms) expiries are compared with.
    public var now: Int64
    /// How many biggest keys to keep.
    public var top: Int

    public init(now: Int64, top: Int = 10) {
        self.now = now
        self.top = top
    }

    /// Reads a whole file and summarizes it. The source is read ahead on a second thread (see
    /// `RDBReader.init(_:bufferSize:readAheadChunk:)`) until this returns.
    public static func read<S: ByteSource>(_ source: S, now: Int64, top: Int = 10) throws(RDBError) -> RDBSummary {
        var s = RDBSummary(now: now, top: top)
        do {
            try RDBReader(source, readAheadChunk: 1 << 20).read(into: &s)
        } catch let e as RDBError {
            throw e
        } catch {
            // RDBSummary's callbacks do not throw: nothing else can arrive here.
            throw RDBError(.io(String(describing: error)), offset: 0)
        }
        return s
    }

    public var totalKeys: Int { databases.values.reduce(0) { $0 + $1.keys } }
    public var totalExpires: Int { databases.values.reduce(0) { $0 + $1.expires } }
    public var totalAlreadyExpired: Int { databases.values.reduce(0) { $0 + $1.alreadyExpired } }

    public mutating func header(_ header: RDBHeader) {
        flavor = header.flavor
        version = header.version
    }

    public mutating func aux(key: [UInt8], value: [UInt8]) {
        aux.append([String(decoding: key, as: UTF8.self), String(decoding: value, as: UTF8.self)])
    }

    public mutating func resizeDB(db: Int, keys: UInt64, expires: UInt64) {
        databases[db, default: Database()].resizeHint = [keys, expires]
    }

    public mutating func slotInfo(slot: UInt64, keys: UInt64, expires: UInt64) { slotInfoRecords += 1 }

    public mutating func function(code: [UInt8], record: [UInt8]) {
        // The library's first line is its shebang: "#!<engine> name=<library> …".
        let firstLine = String(decoding: code.prefix { $0 != 0x0A }, as: UTF8.self)
        var engine = ""
        var name = ""
        for (i, word) in firstLine.split(separator: " ").enumerated() {
            if i == 0, word.hasPrefix("#!") { engine = String(word.dropFirst(2)) }
            if word.hasPrefix("name=") { name = String(word.dropFirst(5)) }
        }
        functions.append(Library(name: name, engine: engine, codeBytes: code.count))
    }

    public mutating func moduleAux(name: String, moduleID: UInt64, when: UInt64) {
        if !modules.contains(name) { modules.append(name) }
    }

    public mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery {
        info.type == .module ? .elements : .summary
    }

    public mutating func moduleValue(_ info: RDBKeyInfo, name: String, moduleID: UInt64) {
        if !modules.contains(name) { modules.append(name) }
    }

    public mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) {
        // Updated in place: a copy taken out and stored back made each of its four
        // dictionaries copy itself, for every key.
        func count(_ d: inout Database, now: Int64) {
            d.keys += 1
            if let at = info.expireAtMs {
                d.expires += 1
                if at <= now { d.alreadyExpired += 1 }
            }
            let type = info.type.rawValue
            d.keysByType[type, default: 0] += 1
            d.keysByEncoding[summary.encoding.rawValue, default: 0] += 1
            d.bytesByType[type, default: 0] += summary.recordBytes
            d.elementsByType[type, default: 0] += summary.elementCount
        }
        count(&databases[info.db, default: Database()], now: now)
        guard top > 0 else { return }
        if biggestKeys.count < top || summary.recordBytes > biggestKeys[biggestKeys.count - 1].bytes {
            let big = BigKey(db: info.db, key: info.key, type: info.type, encoding: summary.encoding,
                             elements: summary.elementCount, bytes: summary.recordBytes, expireAtMs: info.expireAtMs)
            let at = biggestKeys.firstIndex { $0.bytes < big.bytes } ?? biggestKeys.count
            biggestKeys.insert(big, at: at)
            if biggestKeys.count > top { biggestKeys.removeLast() }
        }
    }

    public mutating func end(checksum: RDBChecksum, offset: Int) {
        switch checksum {
        case .verified: self.checksum = "verified"
        case .disabled: self.checksum = "disabled"
        case .absent: self.checksum = "absent"
        }
        fileBytes = offset
    }
}
