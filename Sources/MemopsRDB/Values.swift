/// Reads one key's value, calling the visitor's element callbacks and counting elements.
struct ValueReader {
    let reader: RDBReader
    let info: RDBKeyInfo
    let elements: Bool
    let raw: Bool
    var count = 0
    /// When it differs from the type byte's: the encoding the server gives the value on load.
    var loadedEncoding: RDBEncoding?

    init(reader: RDBReader, info: RDBKeyInfo, elements: Bool, raw: Bool) {
        self.reader = reader
        self.info = info
        self.elements = elements
        self.raw = raw
    }

    var input: RDBInput { reader.input }

    func corrupt(_ structure: String, _ detail: String, at offset: Int? = nil) -> RDBError {
        reader.corrupt(structure, detail, at: offset)
    }

    /// A blob string (listpack, ziplist…) and the offset it started at, for error messages.
    func blob() throws -> (UnsafeRawBufferPointer, Int) {
        let at = input.offset
        return (try reader.blob(), at)
    }

    /// Runs `body` turning blob errors into RDBErrors at `offset`.
    func checked<T>(_ offset: Int, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as BlobError {
            throw corrupt(e.structure, e.detail, at: offset)
        }
    }

    /// Hands captured raw bytes to the visitor, so a big value's bytes never pile up.
    func drainRaw<V: RDBVisitor>(_ visitor: inout V) throws {
        if raw {
            let bytes = input.takeCaptured()
            if !bytes.isEmpty { try visitor.rawValue(info, bytes) }
        }
    }

    /// Reads the value by its type byte (rdb.h RDB_TYPE_*; 22 depends on the flavour).
    mutating func read<V: RDBVisitor>(_ visitor: inout V) throws {
        switch info.typeCode {
        case 0: try readString(&visitor)
        case 1:
            let info = self.info
            try readPlainCollection(&visitor) { v, e in try v.listElement(info, e) }
        case 2:
            let info = self.info
            try readPlainCollection(&visitor) { v, e in try v.setMember(info, e) }
        case 3, 5: try readPlainZset(&visitor, binary: info.typeCode == 5)
        case 4: try readPlainHash(&visitor)
        case 6: throw reader.fail(.unsupported("a pre-release (Redis 4.0 RC) module value, type 6, cannot be skipped"))
        case 7: try readModule(&visitor)
        case 9: try readZipmap(&visitor)
        case 10: try readZiplistList(&visitor)
        case 11: try readIntset(&visitor)
        case 12: try readPackedZset(&visitor, ziplist: true)
        case 13: try readPackedHash(&visitor, ziplist: true)
        case 14: try readQuicklist(&visitor, version: 1)
        case 15, 19, 21: try readStream(&visitor)
        case 16: try readPackedHash(&visitor, ziplist: false)
        case 17: try readPackedZset(&visitor, ziplist: false)
        case 18: try readQuicklist(&visitor, version: 2)
        case 20: try readListpackSet(&visitor)
        case 22 where reader.header.flavor == .valkey: try readValkeyHash2(&visitor)
        case 22, 24: try readHashMetadata(&visitor, relative: info.typeCode == 24)
        case 23, 25: try readListpackEx(&visitor, withMinExpire: info.typeCode == 25)
        default: throw reader.fail(.unknownType(info.typeCode), at: info.typeOffset)
        }
    }

    // MARK: Strings

    /// A string value, delivered in buffer-sized chunks when it is stored plain, so a huge value
    /// never has to be in memory at once.
    mutating func readString<V: RDBVisitor>(_ visitor: inout V) throws {
        let (v, encoded) = try reader.lengthOrEncoding()
        if encoded {
            let bytes: [UInt8]
            switch v {
            case 0: bytes = Array(String(Int8(bitPattern: try input.byte())).utf8)
            case 1: bytes = Array(String(Int16(bitPattern: UInt16(try input.uintLE(2)))).utf8)
            case 2: bytes = Array(String(Int32(bitPattern: UInt32(try input.uintLE(4)))).utf8)
            case 3: bytes = try reader.lzfString()
            default: throw corrupt("string", "unknown string encoding \(v)", at: input.offset - 1)
            }
            count = bytes.count
            loadedEncoding = v < 3 ? .int : loadedEncodingFor(bytes)
            if elements {
                try bytes.withUnsafeBytes { try visitor.stringChunk(info, $0, offset: 0, total: bytes.count) }
            }
            return
        }
        guard v <= UInt64(Int.max >> 8) else { throw corrupt("string", "length \(v) is impossibly large") }
        let total = Int(v)
        count = total
        if total <= 20 {
            let bytes = try input.bytes(total)
            loadedEncoding = loadedEncodingFor(bytes)
            if elements { try bytes.withUnsafeBytes { try visitor.stringChunk(info, $0, offset: 0, total: total) } }
            return
        }
        loadedEncoding = total <= 44 ? .embstr : .raw
        var done = 0
        let keyInfo = self.info
        let elements = self.elements
        let raw = self.raw
        let input = self.input
        // The input's chunk walk takes RDB errors only: a visitor's error stops it through one
        // and comes out as itself.
        var failure = CallbackFailure()
        do {
            try input.chunks(total) { piece throws(RDBError) in
                failure.call { if elements { try visitor.stringChunk(keyInfo, piece, offset: done, total: total) } }
                done += piece.count
                if raw {
                    let bytes = input.takeCaptured()
                    if !bytes.isEmpty { failure.call { try visitor.rawValue(keyInfo, bytes) } }
                }
                if failure.failed { throw RDBError(.unsupported("stopped by the visitor"), offset: 0) }
            }
        } catch {
            try failure.rethrow()
            throw error
        }
    }

    /// What OBJECT ENCODING says after a load (object.c tryObjectEncoding): "int" for canonical
    /// 64-bit decimal integers, "embstr" up to 44 bytes, else "raw".
    func loadedEncodingFor(_ bytes: [UInt8]) -> RDBEncoding {
        if isCanonicalInteger(bytes) { return .int }
        return bytes.count <= 44 ? .embstr : .raw
    }

    // MARK: Plain (hashtable / linked list / skiplist) encodings

    mutating func readPlainCollection<V: RDBVisitor>(_ visitor: inout V, _ deliver: (inout V, [UInt8]) throws -> Void) throws {
        let n = try reader.count("collection")
        for _ in 0..<n {
            if elements {
                try deliver(&visitor, try reader.string())
            } else {
                try reader.skipString()
            }
            try drainRaw(&visitor)
        }
        count = n
    }

    /// RDB_TYPE_ZSET (3, scores as text) and RDB_TYPE_ZSET_2 (5, binary doubles).
    mutating func readPlainZset<V: RDBVisitor>(_ visitor: inout V, binary: Bool) throws {
        let n = try reader.count("zset")
        for _ in 0..<n {
            let m = try reader.string()
            let score = binary ? try reader.binaryDouble() : try reader.textDouble()
            if score.isNaN { throw corrupt("zset", "score of a member is NaN") }
            if elements { try visitor.zsetMember(info, m, score: score) }
            try drainRaw(&visitor)
        }
        count = n
    }

    /// RDB_TYPE_HASH (4): count, then field and value strings.
    mutating func readPlainHash<V: RDBVisitor>(_ visitor: inout V) throws {
        let n = try reader.count("hash")
        for _ in 0..<n {
            if elements {
                let f = try reader.string()
                let v = try reader.string()
                try visitor.hashField(info, f, v, expireAtMs: nil)
            } else {
                try reader.skipString()
                try reader.skipString()
            }
            try drainRaw(&visitor)
        }
        count = n
    }

    /// Valkey 9 RDB_TYPE_HASH_2: count, then field, value and an 8-byte expiry (ms; -1 = none).
    mutating func readValkeyHash2<V: RDBVisitor>(_ visitor: inout V) throws {
        let n = try reader.count("hash")
        for _ in 0..<n {
            let f = try reader.string()
            let v = try reader.string()
            let t = Int64(bitPattern: try input.uintLE(8))
            if elements { try visitor.hashField(info, f, v, expireAtMs: t >= 0 ? t : nil) }
            try drainRaw(&visitor)
        }
        count = n
    }

    /// Redis 7.4+ RDB_TYPE_HASH_METADATA (24): a minimum expiry, then count and
    /// (ttl, field, value) with ttl 0 = none, else expiry = ttl + min - 1; the pre-GA form (22)
    /// has no minimum and absolute TTLs (rdb.c rdbLoadObject).
    mutating func readHashMetadata<V: RDBVisitor>(_ visitor: inout V, relative: Bool) throws {
        let minExpire: UInt64 = relative ? try input.uintLE(8) : 0
        let n = try reader.count("hash")
        for _ in 0..<n {
            let ttl = try reader.length()
            let f = try reader.string()
            let v = try reader.string()
            var at: Int64? = nil
            if ttl != 0 {
                let (abs, overflow) = relative ? (ttl &+ minExpire &- 1, ttl > UInt64.max - minExpire) : (ttl, false)
                // EB_EXPIRE_TIME_MAX is 2^48 - 1 (ebuckets.h).
                guard !overflow, abs < (1 << 48) else { throw corrupt("hash", "field TTL \(ttl) is out of range") }
                at = Int64(abs)
            }
            if elements { try visitor.hashField(info, f, v, expireAtMs: at) }
            try drainRaw(&visitor)
        }
        count = n
    }

    // MARK: Module values

    mutating func readModule<V: RDBVisitor>(_ visitor: inout V) throws {
        let id = try reader.length()
        let name = reader.moduleName(id)
        try reader.skipModuleValue(name)
        if elements { try visitor.moduleValue(info, name: name, moduleID: id) }
        count = 0
    }

    // MARK: Packed encodings

    mutating func readZipmap<V: RDBVisitor>(_ visitor: inout V) throws {
        let (b, at) = try blob()
        let info = self.info
        let elements = self.elements
        count = try checked(at) {
            var failure = CallbackFailure()
            let n = try walkZipmap(b) { f, v in if elements { failure.call { try visitor.hashField(info, f, v, expireAtMs: nil) } } }
            try failure.rethrow()
            return n
        }
    }

    /// RDB_TYPE_SET_INTSET (11).
    mutating func readIntset<V: RDBVisitor>(_ visitor: inout V) throws {
        let (b, at) = try blob()
        let info = self.info
        let elements = self.elements
        count = try checked(at) {
            var failure = CallbackFailure()
            let n = try walkIntset(b) { v in if elements { failure.call { try visitor.setMember(info, Array(String(v).utf8)) } } }
            try failure.rethrow()
            return n
        }
    }

    /// RDB_TYPE_LIST_ZIPLIST (10).
    mutating func readZiplistList<V: RDBVisitor>(_ visitor: inout V) throws {
        let (b, at) = try blob()
        try checked(at) {
            var it = try ZiplistIterator(b)
            while let e = try it.next() {
                if elements { try visitor.listElement(info, e.materialize(b)) }
                count += 1
            }
        }
    }

    /// RDB_TYPE_SET_LISTPACK (20).
    mutating func readListpackSet<V: RDBVisitor>(_ visitor: inout V) throws {
        let (b, at) = try blob()
        try checked(at) {
            var it = try ListpackIterator(b)
            // Duplicates are corruption (redis's sanitize-dump checks them too); the blob is in
            // memory already, so remembering its members costs no more than it.
            var seen = Set<HashedBytes>()
            while let e = try it.next() {
                let member = e.materialize(b)
                guard seen.insert(HashedBytes(member)).inserted else { throw BlobError("listpack", "duplicate set member '\(RDBError.printable(member))'") }
                if elements { try visitor.setMember(info, member) }
                count += 1
            }
            if count == 0 { throw BlobError("listpack", "a set listpack with no members") }
        }
    }

    /// Calls `body` with each (first, second) pair of a ziplist or listpack; the first elements
    /// (fields, members) must be unique.
    func pairs(_ b: UnsafeRawBufferPointer, ziplist: Bool, what: String, _ body: (PackedValue, PackedValue) throws -> Void) throws -> Int {
        var n = 0
        var seen = Set<HashedBytes>()
        let structure = ziplist ? "ziplist" : "listpack"
        func check(_ a: PackedValue) throws {
            let k = a.materialize(b)
            guard seen.insert(HashedBytes(k)).inserted else { throw BlobError(structure, "duplicate \(what) \(what == "hash" ? "field" : "member") '\(RDBError.printable(k))'") }
        }
        if ziplist {
            var it = try ZiplistIterator(b)
            while let a = try it.next() {
                guard let c = try it.next() else { throw BlobError("ziplist", "odd number of entries in a \(what)") }
                try check(a)
                try body(a, c)
                n += 1
            }
        } else {
            var it = try ListpackIterator(b)
            while let a = try it.next() {
                guard let c = try it.next() else { throw BlobError("listpack", "odd number of entries in a \(what)") }
                try check(a)
                try body(a, c)
                n += 1
            }
        }
        return n
    }

    /// RDB_TYPE_HASH_ZIPLIST (13) and RDB_TYPE_HASH_LISTPACK (16): field, value pairs.
    mutating func readPackedHash<V: RDBVisitor>(_ visitor: inout V, ziplist: Bool) throws {
        let (b, at) = try blob()
        let info = self.info
        let elements = self.elements
        count = try checked(at) {
            try pairs(b, ziplist: ziplist, what: "hash") { f, v in
                if elements { try visitor.hashField(info, f.materialize(b), v.materialize(b), expireAtMs: nil) }
            }
        }
    }

    /// RDB_TYPE_ZSET_ZIPLIST (12) and RDB_TYPE_ZSET_LISTPACK (17): member, score pairs, the
    /// score an integer entry or decimal text.
    mutating func readPackedZset<V: RDBVisitor>(_ visitor: inout V, ziplist: Bool) throws {
        let (b, at) = try blob()
        let info = self.info
        let elements = self.elements
        let structure = ziplist ? "ziplist" : "listpack"
        count = try checked(at) {
            try pairs(b, ziplist: ziplist, what: "zset") { m, s in
                let score: Double
                switch s {
                case .int(let v): score = Double(v)
                case .bytes(let r):
                    guard let d = Double(String(decoding: b[r], as: UTF8.self)), !d.isNaN else {
                        throw BlobError(structure, "zset score \"\(String(decoding: b[r], as: UTF8.self))\" is not a number")
                    }
                    score = d
                }
                if elements { try visitor.zsetMember(info, m.materialize(b), score: score) }
            }
        }
    }

    /// RDB_TYPE_HASH_LISTPACK_EX(_PRE_GA): (field, value, ttl) triples in a listpack, ttl 0 =
    /// none (t_hash.c HASH_LP_NO_TTL); the GA form is preceded by the minimum expiry.
    mutating func readListpackEx<V: RDBVisitor>(_ visitor: inout V, withMinExpire: Bool) throws {
        if withMinExpire { _ = try input.uintLE(8) }
        let (b, at) = try blob()
        try checked(at) {
            var it = try ListpackIterator(b)
            var seen = Set<HashedBytes>()
            while let f = try it.next() {
                guard seen.insert(HashedBytes(f.materialize(b))).inserted else { throw BlobError("listpack", "duplicate hash field") }
                guard let v = try it.next(), let t = try it.next() else {
                    throw BlobError("listpack", "entries of a hash with field TTLs are not a multiple of 3")
                }
                guard let ttl = t.integer(b), ttl >= 0 else { throw BlobError("listpack", "field TTL is not a non-negative integer") }
                if elements { try visitor.hashField(info, f.materialize(b), v.materialize(b), expireAtMs: ttl == 0 ? nil : ttl) }
                count += 1
            }
        }
    }

    /// Quicklist v1 (ziplist nodes) and v2 (container kind, then a listpack or one plain
    /// element per node) (rdb.c rdbLoadObject, quicklist.h QUICKLIST_NODE_CONTAINER_*).
    mutating func readQuicklist<V: RDBVisitor>(_ visitor: inout V, version: Int) throws {
        let nodes = try reader.count("quicklist")
        var packedNodes = 0
        for _ in 0..<nodes {
            var container: UInt64 = 2
            if version == 2 {
                let at = input.offset
                container = try reader.length()
                guard container == 1 || container == 2 else {
                    throw corrupt("quicklist", "node container \(container) is neither 1 (plain) nor 2 (packed)", at: at)
                }
            }
            let (b, at) = try blob()
            guard !b.isEmpty else { throw corrupt("quicklist", "empty node", at: at) }
            if container == 1 {
                if elements { try visitor.listElement(info, Array(b)) }
                count += 1
            } else if version == 2 {
                packedNodes += 1
                try checked(at) {
                    var it = try ListpackIterator(b)
                    while let e = try it.next() {
                        if elements { try visitor.listElement(info, e.materialize(b)) }
                        count += 1
                    }
                }
            } else {
                try checked(at) {
                    var it = try ZiplistIterator(b)
                    while let e = try it.next() {
                        if elements { try visitor.listElement(info, e.materialize(b)) }
                        count += 1
                    }
                }
            }
            try drainRaw(&visitor)
        }
        // From Redis 7.2 (RDB 11) and in Valkey, a list that fits one listpack node is kept as a
        // plain listpack after loading (t_list.c listTypeTryConversion); 7.0 keeps a quicklist.
        if version == 2, nodes == 1, packedNodes == 1,
           reader.header.flavor == .valkey || reader.header.version >= 11 {
            loadedEncoding = .listpack
        }
    }
}

/// Whether `bytes` is a decimal integer as redis's string2ll accepts it and prints it back
/// unchanged: optional '-', no leading zeros, fits in 64 bits.
func isCanonicalInteger(_ bytes: [UInt8]) -> Bool {
    guard !bytes.isEmpty, bytes.count <= 20 else { return false }
    guard let v = Int64(String(decoding: bytes, as: UTF8.self)) else { return false }
    return Array(String(v).utf8) == bytes
}

/// Bytes as a set member, hashed in one call over the whole buffer (an array of bytes hashes
/// element by element, which cost more than reading the listpack it came from).
struct HashedBytes: Hashable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
    static func == (a: HashedBytes, b: HashedBytes) -> Bool { a.bytes == b.bytes }
}

/// Visitor callbacks made inside a walk whose body cannot throw them (the packed encodings'
/// walkers throw `BlobError` only): the first error is kept and later callbacks are skipped;
/// `rethrow()` throws it once the walk is over.
struct CallbackFailure {
    private var error: (any Error)?
    var failed: Bool { error != nil }

    mutating func call(_ body: () throws -> Void) {
        guard error == nil else { return }
        do { try body() } catch { self.error = error }
    }

    func rethrow() throws {
        if let error { throw error }
    }
}
