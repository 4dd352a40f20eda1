/// One element of a listpack or ziplist: a byte range inside the blob, or an integer the
/// encoding stored as a number.
enum PackedValue: Equatable {
    case bytes(Range<Int>)
    case int(Int64)

    /// The element as the server would return it: the bytes, or the integer in decimal.
    func materialize(_ blob: UnsafeRawBufferPointer) -> [UInt8] {
        switch self {
        case .bytes(let r): return Array(blob[r])
        case .int(let v): return Array(String(v).utf8)
        }
    }

    /// The element as an integer, if it is one or is decimal text that parses as one.
    func integer(_ blob: UnsafeRawBufferPointer) -> Int64? {
        switch self {
        case .int(let v): return v
        case .bytes(let r): return Int64(String(decoding: blob[r], as: UTF8.self))
        }
    }
}

/// Sign-extends the low `bits` bits of `v` (two's complement), for the 13/16/24/32-bit ints.
@inline(__always) func signExtend(_ v: UInt64, bits: UInt64) -> Int64 {
    let shift = 64 - bits
    return Int64(bitPattern: v << shift) >> Int64(shift)
}

/// Walks a listpack (redis src/listpack.c), validating as `lpValidateIntegrity` does in deep
/// mode: the header's total size, every entry's encoding and back-length, the terminator, and
/// the header's entry count unless it says "unknown" (65535).
struct ListpackIterator {
    let blob: UnsafeRawBufferPointer
    var p = 6
    var seen = 0
    let declaredCount: Int
    var finished = false

    init(_ blob: UnsafeRawBufferPointer) throws(BlobError) {
        self.blob = blob
        // Header: 32-bit total bytes, 16-bit element count, both little endian; then the
        // entries and a 0xFF terminator (listpack.c LP_HDR_SIZE, lpValidateIntegrity).
        guard blob.count >= 7 else { throw BlobError("listpack", "\(blob.count) bytes is shorter than a listpack header and terminator") }
        let total = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        guard total == blob.count else { throw BlobError("listpack", "header says \(total) bytes but the blob has \(blob.count)") }
        guard blob[blob.count - 1] == 0xFF else { throw BlobError("listpack", "last byte is not the 0xFF terminator") }
        declaredCount = Int(blob[4]) | Int(blob[5]) << 8
    }

    /// The next element, or nil at the terminator.
    mutating func next() throws(BlobError) -> PackedValue? {
        if finished { return nil }
        let b = blob
        let n = b.count
        guard p < n else { throw BlobError("listpack", "entry at \(p) runs past the end") }
        let first = b[p]
        if first == 0xFF {
            guard p == n - 1 else { throw BlobError("listpack", "terminator at \(p) but the blob has \(n) bytes") }
            if declaredCount != 65535 && declaredCount != seen {
                throw BlobError("listpack", "header says \(declaredCount) entries but there are \(seen)")
            }
            finished = true
            return nil
        }
        let start = p
        var value: PackedValue
        var encLen: Int
        @inline(__always) func need(_ k: Int) throws(BlobError) {
            guard start + k < n else { throw BlobError("listpack", "entry at \(start) runs past the end") }
        }
        if first & 0x80 == 0 {
            value = .int(Int64(first & 0x7F)); encLen = 1
        } else if first & 0xC0 == 0x80 {
            let len = Int(first & 0x3F)
            try need(1 + len)
            value = .bytes(start + 1 ..< start + 1 + len); encLen = 1 + len
        } else if first & 0xE0 == 0xC0 {
            try need(2)
            let u = UInt64(first & 0x1F) << 8 | UInt64(b[start + 1])
            value = .int(signExtend(u, bits: 13)); encLen = 2
        } else if first & 0xF0 == 0xE0 {
            try need(2)
            let len = Int(first & 0x0F) << 8 | Int(b[start + 1])
            try need(2 + len)
            value = .bytes(start + 2 ..< start + 2 + len); encLen = 2 + len
        } else {
            switch first {
            case 0xF0:
                try need(5)
                let len = Int(b[start + 1]) | Int(b[start + 2]) << 8 | Int(b[start + 3]) << 16 | Int(b[start + 4]) << 24
                try need(5 + len)
                value = .bytes(start + 5 ..< start + 5 + len); encLen = 5 + len
            case 0xF1, 0xF2, 0xF3, 0xF4:
                let width = first == 0xF4 ? 8 : Int(first - 0xEF)
                try need(1 + width)
                var u: UInt64 = 0
                for i in 0..<width { u |= UInt64(b[start + 1 + i]) << (8 * UInt64(i)) }
                value = .int(width == 8 ? Int64(bitPattern: u) : signExtend(u, bits: UInt64(width * 8))); encLen = 1 + width
            default:
                throw BlobError("listpack", "invalid entry encoding 0x\(String(first, radix: 16)) at \(start)")
            }
        }
        // The back-length: encLen written big-endian-first in 7-bit groups, read backwards
        // (listpack.c lpEncodeBacklen / lpDecodeBacklen).
        if encLen <= 127 {
            // One back-length byte, the common case: the size itself, high bit clear.
            try need(encLen)
            let byte = b[start + encLen]
            if byte & 0x80 != 0 { throw BlobError("listpack", "malformed back-length of entry at \(start)") }
            guard Int(byte) == encLen else { throw BlobError("listpack", "back-length \(byte) of entry at \(start) does not match its size \(encLen)") }
            p = start + encLen + 1
            seen += 1
            return value
        }
        if encLen < 16383 {
            // Two bytes, read backwards: the low 7 bits with the continuation bit, then the rest.
            try need(encLen + 1)
            let high = b[start + encLen]
            let low = b[start + encLen + 1]
            guard low & 0x80 != 0, high & 0x80 == 0 else { throw BlobError("listpack", "malformed back-length of entry at \(start)") }
            let decoded = Int(high) << 7 | Int(low & 0x7F)
            guard decoded == encLen else { throw BlobError("listpack", "back-length \(decoded) of entry at \(start) does not match its size \(encLen)") }
            p = start + encLen + 2
            seen += 1
            return value
        }
        let backLenSize = encLen < 2_097_151 ? 3 : encLen < 268_435_455 ? 4 : 5
        try need(encLen + backLenSize - 1)
        var decoded = 0
        var shift = 0
        var q = start + encLen + backLenSize - 1
        for i in 0..<backLenSize {
            let byte = b[q]
            decoded |= Int(byte & 0x7F) << shift
            shift += 7
            let more = byte & 0x80 != 0
            if more != (i < backLenSize - 1) { throw BlobError("listpack", "malformed back-length of entry at \(start)") }
            q -= 1
        }
        guard decoded == encLen else { throw BlobError("listpack", "back-length \(decoded) of entry at \(start) does not match its size \(encLen)") }
        p = start + encLen + backLenSize
        seen += 1
        return value
    }
}

/// Walks a ziplist (redis src/ziplist.c), validating as `ziplistValidateIntegrity` does in deep
/// mode: header sizes, the tail offset, every entry's prevlen and encoding, the terminator and
/// the entry count unless the header says 65535.
struct ZiplistIterator {
    let blob: UnsafeRawBufferPointer
    var p = 10
    var seen = 0
    var prevEntryLen = 0
    var lastEntryStart = 10
    let declaredCount: Int
    let tail: Int
    var finished = false

    init(_ blob: UnsafeRawBufferPointer) throws(BlobError) {
        self.blob = blob
        // Header: zlbytes u32, zltail u32, zllen u16 (little endian), entries, 0xFF.
        guard blob.count >= 11 else { throw BlobError("ziplist", "\(blob.count) bytes is shorter than a ziplist header and terminator") }
        let total = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        guard total == blob.count else { throw BlobError("ziplist", "header says \(total) bytes but the blob has \(blob.count)") }
        tail = Int(blob[4]) | Int(blob[5]) << 8 | Int(blob[6]) << 16 | Int(blob[7]) << 24
        guard tail <= blob.count - 1 else { throw BlobError("ziplist", "tail offset \(tail) is past the end") }
        guard blob[blob.count - 1] == 0xFF else { throw BlobError("ziplist", "last byte is not the 0xFF terminator") }
        declaredCount = Int(blob[8]) | Int(blob[9]) << 8
    }

    /// The next element, or nil at the terminator.
    mutating func next() throws(BlobError) -> PackedValue? {
        if finished { return nil }
        let b = blob
        let n = b.count
        guard p < n else { throw BlobError("ziplist", "entry at \(p) runs past the end") }
        if b[p] == 0xFF {
            guard p == n - 1 else { throw BlobError("ziplist", "terminator at \(p) but the blob has \(n) bytes") }
            let expectedTail = seen == 0 ? 10 : lastEntryStart
            guard tail == expectedTail else { throw BlobError("ziplist", "tail offset \(tail) but the last entry starts at \(expectedTail)") }
            if declaredCount != 65535 && declaredCount != seen {
                throw BlobError("ziplist", "header says \(declaredCount) entries but there are \(seen)")
            }
            finished = true
            return nil
        }
        let start = p
        func need(_ k: Int) throws(BlobError) {
            guard p + k < n else { throw BlobError("ziplist", "entry at \(start) runs past the end") }
        }
        var prevlen: Int
        if b[p] < 254 {
            prevlen = Int(b[p]); p += 1
        } else if b[p] == 254 {
            try need(5)
            prevlen = Int(b[p + 1]) | Int(b[p + 2]) << 8 | Int(b[p + 3]) << 16 | Int(b[p + 4]) << 24
            p += 5
        } else {
            throw BlobError("ziplist", "invalid prevlen at \(start)")
        }
        guard prevlen == prevEntryLen else {
            throw BlobError("ziplist", "entry at \(start) says the previous entry is \(prevlen) bytes but it is \(prevEntryLen)")
        }
        try need(1)
        let enc = b[p]
        var value: PackedValue
        switch enc >> 6 {
        case 0:
            let len = Int(enc & 0x3F)
            try need(1 + len)
            value = .bytes(p + 1 ..< p + 1 + len); p += 1 + len
        case 1:
            try need(2)
            let len = Int(enc & 0x3F) << 8 | Int(b[p + 1])
            try need(2 + len)
            value = .bytes(p + 2 ..< p + 2 + len); p += 2 + len
        case 2:
            guard enc == 0x80 else { throw BlobError("ziplist", "invalid string encoding 0x\(String(enc, radix: 16)) at \(start)") }
            try need(5)
            let len = Int(b[p + 1]) << 24 | Int(b[p + 2]) << 16 | Int(b[p + 3]) << 8 | Int(b[p + 4])
            try need(5 + len)
            value = .bytes(p + 5 ..< p + 5 + len); p += 5 + len
        default:
            let width: Int
            switch enc {
            case 0xC0: width = 2
            case 0xD0: width = 4
            case 0xE0: width = 8
            case 0xF0: width = 3
            case 0xFE: width = 1
            case 0xF1...0xFD: width = 0
            default: throw BlobError("ziplist", "invalid integer encoding 0x\(String(enc, radix: 16)) at \(start)")
            }
            if width == 0 {
                value = .int(Int64(enc & 0x0F) - 1); p += 1
            } else {
                try need(1 + width)
                var u: UInt64 = 0
                for i in 0..<width { u |= UInt64(b[p + 1 + i]) << (8 * UInt64(i)) }
                value = .int(width == 8 ? Int64(bitPattern: u) : signExtend(u, bits: UInt64(width * 8))); p += 1 + width
            }
        }
        prevEntryLen = p - start
        lastEntryStart = start
        seen += 1
        return value
    }
}

/// Checks an intset (redis src/intset.c `intsetValidateIntegrity`, deep): encoding 2, 4 or 8,
/// size = 8 + count × encoding, at least one element, strictly ascending; then calls `body` for
/// each element.
func walkIntset(_ blob: UnsafeRawBufferPointer, _ body: (Int64) -> Void) throws(BlobError) -> Int {
    func fail(_ d: String) -> BlobError { BlobError("intset", d) }
    guard blob.count >= 8 else { throw fail("\(blob.count) bytes is shorter than an intset header") }
    let enc = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
    let count = Int(blob[4]) | Int(blob[5]) << 8 | Int(blob[6]) << 16 | Int(blob[7]) << 24
    guard enc == 2 || enc == 4 || enc == 8 else { throw fail("invalid encoding \(enc)") }
    guard count > 0 else { throw fail("empty intset") }
    guard blob.count == 8 + count * enc else { throw fail("\(count) elements of \(enc) bytes need \(8 + count * enc) bytes but the blob has \(blob.count)") }
    var previous: Int64? = nil
    for i in 0..<count {
        var u: UInt64 = 0
        let at = 8 + i * enc
        for j in 0..<enc { u |= UInt64(blob[at + j]) << (8 * UInt64(j)) }
        let v = enc == 8 ? Int64(bitPattern: u) : signExtend(u, bits: UInt64(enc * 8))
        if let previous, v <= previous { throw fail("elements not in ascending order at index \(i)") }
        previous = v
        body(v)
    }
    return count
}

/// Walks a zipmap (redis src/zipmap.c, RDB ≤ 3 hashes): a count byte, then key/value pairs each
/// with a 1- or 5-byte length and the value's free-space byte, then 0xFF.
func walkZipmap(_ blob: UnsafeRawBufferPointer, _ body: ([UInt8], [UInt8]) -> Void) throws(BlobError) -> Int {
    func fail(_ d: String) -> BlobError { BlobError("zipmap", d) }
    guard blob.count >= 2 else { throw fail("\(blob.count) bytes is too short") }
    var p = 1
    var pairs = 0
    func length() throws(BlobError) -> Int {
        guard p < blob.count else { throw fail("length at \(p) runs past the end") }
        if blob[p] < 254 { p += 1; return Int(blob[p - 1]) }
        guard blob[p] == 254, p + 5 <= blob.count else { throw fail("invalid length at \(p)") }
        let v = Int(blob[p + 1]) | Int(blob[p + 2]) << 8 | Int(blob[p + 3]) << 16 | Int(blob[p + 4]) << 24
        p += 5
        return v
    }
    while true {
        guard p < blob.count else { throw fail("no terminator") }
        if blob[p] == 0xFF { break }
        let klen = try length()
        guard p + klen <= blob.count else { throw fail("field at \(p) runs past the end") }
        let field = Array(blob[p ..< p + klen]); p += klen
        let vlen = try length()
        guard p < blob.count else { throw fail("free byte runs past the end") }
        let free = Int(blob[p]); p += 1
        guard p + vlen + free <= blob.count else { throw fail("value at \(p) runs past the end") }
        let value = Array(blob[p ..< p + vlen]); p += vlen + free
        body(field, value)
        pairs += 1
    }
    guard p == blob.count - 1 else { throw fail("\(blob.count - 1 - p) bytes after the terminator") }
    if blob[0] < 254 && Int(blob[0]) != pairs { throw fail("header says \(blob[0]) pairs but there are \(pairs)") }
    return pairs
}

