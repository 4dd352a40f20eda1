/// A streaming reader of RDB files: Redis RDB 1–12 and Valkey's VALKEY080. It pulls bytes from a
/// `ByteSource`, validates every structure as redis's sanitize-dump does, checks the CRC64
/// trailer, and reports what it finds to an `RDBVisitor` without ever holding a key's elements.
///
/// ```swift
/// var visitor = MyVisitor()
/// let reader = RDBReader(try FileSource(path: "dump.rdb"))
/// try reader.read(into: &visitor)
/// ```
public final class RDBReader {
    let input: RDBInput
    /// The header, once read.
    public private(set) var header = RDBHeader(flavor: .redis, version: 0)
    var db = 0
    var sawDB = false
    var currentKey: [UInt8]?

    /// A reader of `source` with a read buffer of `bufferSize` bytes (at least 16; 1 MiB by
    /// default, which is all the memory the reader keeps besides the value being read, and
    /// about 4 MiB more once it meets a big stream: see `StreamNodeChecker`).
    public init(_ source: some ByteSource, bufferSize: Int = 1 << 20) {
        input = RDBInput(source, capacity: max(16, bufferSize))
    }

    /// A reader that reads `source` ahead on a second thread, in chunks of `readAheadChunk`
    /// bytes, and computes the CRC64 there, while this thread parses. The source is used by the
    /// worker until `read(into:)` returns, so it must not be touched meanwhile (a visitor that
    /// looks at the source cannot use this). Memory: three chunks and one more input buffer.
    init(_ source: some ByteSource, bufferSize: Int = 1 << 20, readAheadChunk: Int, crcPolicy: ReadAheadCRC = .adaptive) {
        input = RDBInput(source, capacity: max(16, bufferSize), readAheadChunk: max(16, readAheadChunk), crcPolicy: crcPolicy)
    }

    /// Where blobs that are not contiguous in the input buffer are put together (LZF output, big
    /// plain blobs), reused from one to the next.
    let scratch = ScratchBuffer()
    /// Compressed LZF data bigger than the input buffer.
    let packed = ScratchBuffer()
    /// Checks big streams' nodes on a second thread for readers that only count; made when
    /// first needed and reused.
    lazy var streamNodes = StreamNodeChecker()
    /// Stream nodes checked by that worker, and nodes too big for it checked here (tests).
    var streamNodesAside = 0
    var streamNodesTooBig = 0

    /// Reads the whole file into `visitor`; returns how the checksum was verified. A problem
    /// with the file is an `RDBError`; an error a visitor callback threw comes out unchanged.
    @discardableResult
    public func read<V: RDBVisitor>(into visitor: inout V) throws -> RDBChecksum {
        // A read-ahead worker stops here: the source is the caller's again.
        defer { input.stopReadingAhead() }
        do {
            return try readFile(&visitor)
        } catch var e as RDBError {
            // Errors from the byte level (truncation, I/O) learn here where the reader was.
            if e.key == nil { e.key = currentKey }
            if e.db == nil, sawDB || currentKey != nil { e.db = db }
            throw e
        } catch let e as BlobError {
            throw fail(.corrupt(structure: e.structure, detail: e.detail))
        } catch {
            // Every failure of the source arrives as an RDBError (RDBInput wraps them): this
            // one is the visitor's.
            throw error
        }
    }

    /// Reads the input to its end after `read(into:)` and says how many bytes follow the RDB
    /// (an AOF tail after an RDB preamble, a diskless-replication EOF mark…); 0 for a clean file.
    public func countTrailingBytes() throws(RDBError) -> Int {
        var n = 0
        while true {
            if input.pos == input.end, !(try input.fill(1)) { break }
            n += input.end - input.pos
            input.pos = input.end
        }
        return n
    }

    /// An error at the current position, naming the db and key being read.
    func fail(_ kind: RDBError.Kind, at offset: Int? = nil) -> RDBError {
        RDBError(kind, offset: offset ?? input.offset, db: sawDB || currentKey != nil ? db : nil, key: currentKey)
    }

    func corrupt(_ structure: String, _ detail: String, at offset: Int? = nil) -> RDBError {
        fail(.corrupt(structure: structure, detail: detail), at: offset)
    }

    // MARK: - File structure

    func readFile<V: RDBVisitor>(_ visitor: inout V) throws -> RDBChecksum {
        try readHeader(&visitor)
        var expireAt: Int64? = nil
        var lruIdle: UInt64? = nil
        var lfuFreq: UInt8? = nil
        var keyStart: Int? = nil
        while true {
            let opOffset = input.offset
            let type = try input.byte()
            switch type {
            case RDBOpcode.expireTimeMs:  // rdb.c rdbLoadMillisecondTime
                expireAt = Int64(bitPattern: try input.uintLE(8))
                keyStart = keyStart ?? opOffset
            case RDBOpcode.expireTime:  // rdbLoadTime
                expireAt = Int64(Int32(bitPattern: UInt32(try input.uintLE(4)))) * 1000
                keyStart = keyStart ?? opOffset
            case RDBOpcode.freq:
                lfuFreq = try input.byte()
                keyStart = keyStart ?? opOffset
            case RDBOpcode.idle:
                lruIdle = try length()
                keyStart = keyStart ?? opOffset
            case RDBOpcode.eof:
                return try readTrailer(&visitor)
            case RDBOpcode.selectDB, RDBOpcode.resizeDB, RDBOpcode.aux, RDBOpcode.moduleAux, RDBOpcode.functionPreGA,
                 RDBOpcode.function2, RDBOpcode.slotInfo:
                try readMetadata(type, at: opOffset, &visitor)
            case RDBOpcode.slotImport where header.flavor == .valkey:  // redis has no opcode 243
                try readMetadata(type, at: opOffset, &visitor)
            default:
                guard isObjectType(type) else {
                    throw fail(.unknownType(type), at: opOffset)
                }
                try readKey(type: type, typeOffset: opOffset, keyStart: keyStart ?? opOffset,
                            expireAt: expireAt, lruIdle: lruIdle, lfuFreq: lfuFreq, &visitor)
                expireAt = nil
                lruIdle = nil
                lfuFreq = nil
                keyStart = nil
            }
        }
    }

    /// The 9-byte header (`REDIS0011`, `VALKEY080`), to the visitor.
    private func readHeader<V: RDBVisitor>(_ visitor: inout V) throws {
        guard try input.fill(RDBHeader.size) else {
            throw RDBError(.header(.truncated(input.end - input.pos)), offset: 0)
        }
        let magic = try input.bytes(RDBHeader.size)
        do {
            header = try RDBHeader(bytes: magic)
        } catch {
            throw RDBError(.header(error), offset: 0)
        }
        try visitor.header(header)
    }

    /// An opcode between keys that is not a key's prefix nor EOF: database selection and
    /// sizes, aux fields, module aux data, functions, cluster slot info and slot imports.
    private func readMetadata<V: RDBVisitor>(_ type: UInt8, at opOffset: Int, _ visitor: inout V) throws {
        switch type {
        case RDBOpcode.selectDB:
            let n = try length()
            guard n <= UInt64(Int32.max) else { throw corrupt("SELECTDB", "database number \(n) is out of range", at: opOffset) }
            db = Int(n)
            sawDB = true
            try visitor.selectDB(db)
        case RDBOpcode.resizeDB:
            let keys = try length()
            let expires = try length()
            try visitor.resizeDB(db: db, keys: keys, expires: expires)
        case RDBOpcode.aux:
            let k = try string()
            let v = try string()
            try visitor.aux(key: k, value: v)
        case RDBOpcode.moduleAux:
            let id = try length()
            let whenOpcode = try length()
            guard whenOpcode == 2 else { throw corrupt("module aux", "when-opcode is \(whenOpcode), not 2 (UINT)", at: opOffset) }
            let when = try length()
            try skipModuleValue(moduleName(id))
            try visitor.moduleAux(name: moduleName(id), moduleID: id, when: when)
        case RDBOpcode.functionPreGA:  // name, engine, has-description flag, description, code
            input.beginCapture()
            _ = try string()
            _ = try string()
            if try length() != 0 { _ = try string() }
            let code = try string()
            let record = [type] + input.takeCaptured()
            input.endCapture()
            try visitor.function(code: code, record: record)
        case RDBOpcode.function2:
            input.beginCapture()
            let code = try string()
            let record = [type] + input.takeCaptured()
            input.endCapture()
            try visitor.function(code: code, record: record)
        case RDBOpcode.slotInfo:
            let slot = try length()
            let keys = try length()
            let expires = try length()
            try visitor.slotInfo(slot: slot, keys: keys, expires: expires)
        case RDBOpcode.slotImport:  // valkey only: the caller checked the flavor
            let job = try string()
            let n = try length()
            var ranges: [(UInt64, UInt64)] = []
            for _ in 0..<n {
                let a = try length()
                let b = try length()
                guard ranges.count < 16384 else { throw corrupt("slot import", "more than 16384 slot ranges", at: opOffset) }
                ranges.append((a, b))
            }
            try visitor.slotImport(job: job, ranges: ranges)
        default:
            preconditionFailure("readMetadata called for opcode \(type)")
        }
    }

    /// Whether `type` is a value type byte for this file's flavour (rdb.h rdbIsObjectType; Valkey
    /// 9 stops at 22 = RDB_TYPE_HASH_2, Redis 7.4+ goes to 25).
    func isObjectType(_ type: UInt8) -> Bool {
        switch header.flavor {
        case .redis: return type <= 7 || (9...25).contains(type)
        case .valkey: return type <= 7 || (9...22).contains(type)
        }
    }

    /// After the EOF opcode: the CRC64 trailer (RDB 5 and later), checked against the running
    /// checksum of everything before it; eight zero bytes mean the server had checksums off.
    func readTrailer<V: RDBVisitor>(_ visitor: inout V) throws -> RDBChecksum {
        let computed = input.checksumSoFar()
        input.crcEnabled = false
        let status: RDBChecksum
        if header.flavor == .redis && header.version < 5 {
            status = .absent
        } else {
            let at = input.offset
            let stored = try input.uintLE(8)
            if stored == 0 {
                status = .disabled
            } else if stored != computed {
                throw RDBError(.checksumMismatch(stored: stored, computed: computed), offset: at)
            } else {
                status = .verified(stored)
            }
        }
        try visitor.end(checksum: status, offset: input.offset)
        return status
    }

    // MARK: - Primitives

    /// A length (rdb.c rdbLoadLen); an encoded-string marker here is corruption.
    func length() throws -> UInt64 {
        let (v, encoded) = try lengthOrEncoding()
        if encoded { throw corrupt("length", "expected a length but found a string encoding marker") }
        return v
    }

    /// A length, or (encoded = true) the RDB_ENC_* kind of a specially encoded string.
    @inline(__always) func lengthOrEncoding() throws -> (UInt64, Bool) {
        let b = try input.byte()
        switch b >> 6 {
        case 0: return (UInt64(b & 0x3F), false)
        case 1: return (UInt64(b & 0x3F) << 8 | UInt64(try input.byte()), false)
        case 2:
            if b == 0x80 { return (try input.uintBE(4), false) }
            if b == 0x81 { return (try input.uintBE(8), false) }
            throw corrupt("length", "invalid length prefix 0x\(String(b, radix: 16))", at: input.offset - 1)
        default: return (UInt64(b & 0x3F), true)
        }
    }

    /// A count of elements, as an Int; the loops that use it consume input per element, so a
    /// corrupt count ends in a truncation error, never in a big allocation.
    func count(_ what: String) throws -> Int {
        let v = try length()
        guard v <= UInt64(Int.max >> 8) else { throw corrupt(what, "count \(v) is impossibly large") }
        return Int(v)
    }

    /// A string (rdb.c rdbGenericLoadStringObject): plain, an integer, or LZF-compressed.
    func string() throws -> [UInt8] {
        let (v, encoded) = try lengthOrEncoding()
        if !encoded {
            guard v <= UInt64(Int.max >> 8) else { throw corrupt("string", "length \(v) is impossibly large") }
            return try input.bytes(Int(v))
        }
        switch v {
        case 0: return Array(String(Int8(bitPattern: try input.byte())).utf8)
        case 1: return Array(String(Int16(bitPattern: UInt16(try input.uintLE(2)))).utf8)
        case 2: return Array(String(Int32(bitPattern: UInt32(try input.uintLE(4)))).utf8)
        case 3: return try lzfString()
        default: throw corrupt("string", "unknown string encoding \(v)", at: input.offset - 1)
        }
    }

    /// Reads past a string without keeping it (LZF data is still validated, not decompressed).
    func skipString() throws {
        let (v, encoded) = try lengthOrEncoding()
        if !encoded {
            guard v <= UInt64(Int.max >> 8) else { throw corrupt("string", "length \(v) is impossibly large") }
            let n = Int(v)
            if input.end - input.pos >= n {
                input.pos += n
            } else {
                try input.skip(n)
            }
            return
        }
        switch v {
        case 0: try input.skip(1)
        case 1: try input.skip(2)
        case 2: try input.skip(4)
        case 3: try lzfSkip()
        default: throw corrupt("string", "unknown string encoding \(v)", at: input.offset - 1)
        }
    }

    /// An LZF string after its marker, decompressed into a new array.
    func lzfString() throws -> [UInt8] {
        Array(try lzfBlob())
    }

    /// The compressed length, original length and compressed bytes of an LZF string after its
    /// marker (lzf_d.c), the bytes in the input buffer when they fit, else in `packed`. Valid
    /// until the next read.
    func lzfHeaderAndData() throws -> (at: Int, data: UnsafeRawBufferPointer, outputLength: Int) {
        let at = input.offset
        let clen = try length()
        let ulen = try length()
        // One LZF back reference (3 bytes) expands to at most 264 bytes, so a larger ratio is a
        // corrupt header; checking before allocating keeps memory bounded by the input.
        guard clen > 0, clen <= UInt64(Int.max >> 8), ulen <= clen * 88 + 64 else {
            throw corrupt("LZF string", "compressed length \(clen) cannot hold \(ulen) bytes", at: at)
        }
        let data = try contiguous(Int(clen), into: packed)
        return (at, data, Int(ulen))
    }

    /// An LZF string after its marker, validated but not decompressed.
    func lzfSkip() throws {
        let (at, data, ulen) = try lzfHeaderAndData()
        do {
            try lzfValidate(data, outputLength: ulen)
        } catch {
            throw corrupt(error.structure, error.detail, at: at)
        }
    }

    /// An LZF string after its marker, decompressed into the reader's scratch buffer; valid
    /// until the next blob.
    func lzfBlob() throws -> UnsafeRawBufferPointer {
        let (at, data, ulen) = try lzfHeaderAndData()
        return try lzfDecompressed(data, outputLength: ulen, at: at)
    }

    /// LZF `data` decompressed into the scratch buffer; failures are reported at `at`.
    func lzfDecompressed(_ data: UnsafeRawBufferPointer, outputLength ulen: Int, at: Int) throws -> UnsafeRawBufferPointer {
        // The output is bounded by 88 × the compressed bytes, which have arrived by now.
        scratch.reserve(ulen + lzfSlack)
        do {
            try lzfDecompress(data, into: scratch.base.assumingMemoryBound(to: UInt8.self), outputLength: ulen)
        } catch {
            throw corrupt(error.structure, error.detail, at: at)
        }
        return UnsafeRawBufferPointer(start: scratch.base, count: ulen)
    }

    /// The next `n` bytes of input as one contiguous run, consumed: in the input buffer when
    /// they fit in it, else copied into `spill` as they arrive. Valid until the next read.
    func contiguous(_ n: Int, into spill: ScratchBuffer) throws -> UnsafeRawBufferPointer {
        if n <= input.capacity {
            try input.need(n)
            let run = UnsafeRawBufferPointer(start: input.buffer + input.pos, count: n)
            input.pos += n
            return run
        }
        var have = 0
        try input.chunks(n) { piece in
            spill.reserve(have + piece.count, keeping: have)
            (spill.base + have).copyMemory(from: piece.baseAddress!, byteCount: piece.count)
            have += piece.count
        }
        return UnsafeRawBufferPointer(start: spill.base, count: n)
    }

    /// A string holding a packed structure (listpack, ziplist, intset, zipmap): its bytes, valid
    /// until the next read from the input, without copying them when they are stored plain.
    func blob() throws -> UnsafeRawBufferPointer {
        let stored = try storedString()
        guard let length = stored.lzfLength else { return stored.data }
        return try lzfDecompressed(stored.data, outputLength: length, at: stored.lzfOffset)
    }

    /// A string as it is stored: its bytes (an integer-encoded one as text), or for an LZF
    /// string the compressed bytes, where its LZF header starts, and its decompressed length,
    /// checked against the compressed one. Valid until the next read.
    func storedString() throws -> (data: UnsafeRawBufferPointer, lzfOffset: Int, lzfLength: Int?) {
        let (v, encoded) = try lengthOrEncoding()
        if !encoded {
            guard v <= UInt64(Int.max >> 8) else { throw corrupt("string", "length \(v) is impossibly large") }
            return (try contiguous(Int(v), into: scratch), 0, nil)
        }
        let text: [UInt8]
        switch v {
        case 0: text = Array(String(Int8(bitPattern: try input.byte())).utf8)
        case 1: text = Array(String(Int16(bitPattern: UInt16(try input.uintLE(2)))).utf8)
        case 2: text = Array(String(Int32(bitPattern: UInt32(try input.uintLE(4)))).utf8)
        case 3:
            let (at, data, length) = try lzfHeaderAndData()
            return (data, at, length)
        default: throw corrupt("string", "unknown string encoding \(v)", at: input.offset - 1)
        }
        scratch.reserve(text.count)
        text.withUnsafeBytes { scratch.base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return (UnsafeRawBufferPointer(start: scratch.base, count: text.count), 0, nil)
    }

    /// An 8-byte little-endian double (ZSET_2 scores).
    func binaryDouble() throws -> Double {
        Double(bitPattern: try input.uintLE(8))
    }

    /// A string-encoded double (RDB_TYPE_ZSET scores): a length byte, 253/254/255 for
    /// nan/+inf/-inf (rdb.c rdbLoadDoubleValue).
    func textDouble() throws -> Double {
        let len = try input.byte()
        switch len {
        case 253: return .nan
        case 254: return .infinity
        case 255: return -.infinity
        default:
            let text = String(decoding: try input.bytes(Int(len)), as: UTF8.self)
            guard let d = Double(text) else { throw corrupt("zset", "score \"\(text)\" is not a number") }
            return d
        }
    }

    /// The 9-character module type name encoded in the top 54 bits of a module id
    /// (module.c moduleTypeNameByID).
    func moduleName(_ id: UInt64) -> String {
        let charset = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var chars = [Character](repeating: "A", count: 9)
        var v = id >> 10
        for j in 0..<9 {
            chars[8 - j] = charset[Int(v & 63)]
            v >>= 6
        }
        return String(chars)
    }

    /// Skips a module value serialized with the MODULE_2 opcodes up to RDB_MODULE_OPCODE_EOF
    /// (rdb.c rdbLoadCheckModuleValue).
    func skipModuleValue(_ name: String) throws {
        while true {
            let opcode = try length()
            switch opcode {
            case 0: return
            case 1, 2: _ = try length()
            case 3: try input.skip(4)
            case 4: try input.skip(8)
            case 5: _ = try string()
            default: throw corrupt("module value", "unknown module opcode \(opcode) in a value of module '\(name)'")
            }
        }
    }

    // MARK: - Keys

    func readKey<V: RDBVisitor>(type: UInt8, typeOffset: Int, keyStart: Int, expireAt: Int64?, lruIdle: UInt64?,
                                lfuFreq: UInt8?, _ visitor: inout V) throws {
        currentKey = nil
        let key = try string()
        currentKey = key
        let (keyType, encoding) = try classify(type)
        var info = RDBKeyInfo(db: db, key: key, typeCode: type, type: keyType, encoding: encoding, expireAtMs: expireAt,
                              lruIdle: lruIdle, lfuFreq: lfuFreq, offset: keyStart, typeOffset: typeOffset,
                              valueOffset: input.offset)
        let delivery = try visitor.beginKey(info)
        let elements = delivery == .elements || delivery == .elementsAndRaw
        let raw = delivery == .raw || delivery == .elementsAndRaw
        if raw { input.beginCapture() }
        var value = ValueReader(reader: self, info: info, elements: elements, raw: raw)
        try value.read(&visitor)
        if raw {
            let rest = input.takeCaptured()
            if !rest.isEmpty { try visitor.rawValue(info, rest) }
            input.endCapture()
        }
        if let e = value.loadedEncoding { info.encoding = e }
        let end = input.offset
        try visitor.endKey(info, RDBKeySummary(elementCount: value.count, valueBytes: end - info.valueOffset,
                                           recordBytes: end - keyStart, encoding: info.encoding))
        currentKey = nil
        scratch.shrink()
        packed.shrink()
    }

    /// The key type and encoding of a value type byte, per flavour (rdb.h).
    func classify(_ type: UInt8) throws -> (RDBKeyType, RDBEncoding) {
        switch type {
        case 0: return (.string, .raw)
        case 1: return (.list, .linkedlist)
        case 2: return (.set, .hashtable)
        case 3, 5: return (.zset, .skiplist)
        case 4: return (.hash, .hashtable)
        case 6, 7: return (.module, .module)
        case 9: return (.hash, .zipmap)
        case 10: return (.list, .ziplist)
        case 11: return (.set, .intset)
        case 12: return (.zset, .ziplist)
        case 13: return (.hash, .ziplist)
        case 14, 18: return (.list, .quicklist)
        case 15, 19, 21: return (.stream, .stream)
        case 16: return (.hash, .listpack)
        case 17: return (.zset, .listpack)
        case 20: return (.set, .listpack)
        case 22 where header.flavor == .valkey: return (.hash, .hashtable)
        case 22, 24: return (.hash, .hashtable)
        case 23, 25: return (.hash, .listpackex)
        default: throw fail(.unknownType(type), at: input.offset)
        }
    }
}
