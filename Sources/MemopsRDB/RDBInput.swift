/// The reader's buffered view of a `ByteSource`: it knows the absolute offset of every byte,
/// keeps the running CRC64 of everything consumed (computed a buffer at a time, never per
/// byte), and can copy the consumed bytes of one value aside for DUMP payloads.
///
/// Memory stays flat: one fixed buffer, and byte arrays only grow as real input arrives, so a
/// corrupt length field cannot make the reader allocate more than the input actually holds.
final class RDBInput<Source: ByteSource> {
    var source: Source
    let capacity: Int
    let buffer: UnsafeMutableRawPointer
    /// Next unread byte in `buffer`.
    var pos = 0
    /// End of valid data in `buffer`.
    var end = 0
    /// Absolute stream offset of `buffer[0]`.
    var base = 0
    var sourceEnded = false

    var crc = CRC64()
    var crcEnabled = true
    /// Bytes before this index in `buffer` are already in `crc`.
    var crcFrom = 0

    /// While capturing, bytes from this index in `buffer` up to `pos` still need copying into
    /// `captured`.
    var captureFrom: Int?
    var captured: [UInt8] = []

    init(_ source: Source, capacity: Int = 1 << 20) {
        self.source = source
        self.capacity = capacity
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Absolute offset of the next unread byte.
    @inline(__always) var offset: Int { base + pos }

    /// Folds consumed bytes into the CRC and the capture, so the buffer before `pos` may go.
    func settle() {
        if crcEnabled, crcFrom < pos {
            crc.update(UnsafeRawBufferPointer(start: buffer + crcFrom, count: pos - crcFrom))
        }
        crcFrom = pos
        if let from = captureFrom, from < pos {
            captured.append(contentsOf: UnsafeRawBufferPointer(start: buffer + from, count: pos - from))
            captureFrom = pos
        }
    }

    /// Makes at least `n` (≤ capacity) bytes available after `pos`; false if the input ends first.
    func fill(_ n: Int) throws(RDBError) -> Bool {
        if end - pos >= n { return true }
        settle()
        if pos > 0 {
            let keep = end - pos
            if keep > 0 { (buffer).copyMemory(from: buffer + pos, byteCount: keep) }
            base += pos
            end = keep
            pos = 0
            crcFrom = 0
            if captureFrom != nil { captureFrom = 0 }
        }
        while end < n && !sourceEnded {
            let got: Int
            do {
                got = try source.read(into: UnsafeMutableRawBufferPointer(start: buffer + end, count: capacity - end))
            } catch let e as RDBError {
                // A source's own RDBError (FileSource) knows no stream offset; this one does.
                throw RDBError(e.kind, offset: base + end)
            } catch {
                throw RDBError(.io(String(describing: error)), offset: base + end)
            }
            if got == 0 { sourceEnded = true } else { end += got }
        }
        return end - pos >= n
    }

    @inline(__always) func need(_ n: Int) throws(RDBError) {
        if end - pos < n {
            guard try fill(n) else { throw RDBError(.truncated, offset: base + end) }
        }
    }

    @inline(__always) func byte() throws(RDBError) -> UInt8 {
        if pos == end { try need(1) }
        let b = buffer.load(fromByteOffset: pos, as: UInt8.self)
        pos += 1
        return b
    }

    /// Reads `n` bytes as a little-endian unsigned integer (n ≤ 8).
    func uintLE(_ n: Int) throws(RDBError) -> UInt64 {
        try need(n)
        var v: UInt64 = 0
        for i in 0..<n { v |= UInt64(buffer.load(fromByteOffset: pos + i, as: UInt8.self)) << (8 * UInt64(i)) }
        pos += n
        return v
    }

    /// Reads `n` bytes as a big-endian unsigned integer (n ≤ 8).
    func uintBE(_ n: Int) throws(RDBError) -> UInt64 {
        try need(n)
        var v: UInt64 = 0
        for i in 0..<n { v = (v << 8) | UInt64(buffer.load(fromByteOffset: pos + i, as: UInt8.self)) }
        pos += n
        return v
    }

    /// Reads exactly `n` bytes into a new array, growing it only as input arrives.
    func bytes(_ n: Int) throws(RDBError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(min(n, capacity))
        var remaining = n
        while remaining > 0 {
            if pos == end { try need(1) }
            let k = min(remaining, end - pos)
            out.append(contentsOf: UnsafeRawBufferPointer(start: buffer + pos, count: k))
            pos += k
            remaining -= k
        }
        return out
    }

    /// Passes exactly `n` bytes to `body` in buffer-sized pieces, without copying them.
    func chunks(_ n: Int, _ body: (UnsafeRawBufferPointer) throws(RDBError) -> Void) throws(RDBError) {
        var remaining = n
        while remaining > 0 {
            if pos == end { try need(1) }
            let k = min(remaining, end - pos)
            let piece = UnsafeRawBufferPointer(start: buffer + pos, count: k)
            pos += k
            remaining -= k
            try body(piece)
        }
    }

    /// Skips `n` bytes.
    func skip(_ n: Int) throws(RDBError) {
        try chunks(n) { _ in }
    }

    /// Starts copying consumed bytes into `captured`.
    func beginCapture() {
        captured.removeAll(keepingCapacity: true)
        captureFrom = pos
    }

    /// Moves what was captured so far out (the capture goes on).
    func takeCaptured() -> [UInt8] {
        if let from = captureFrom, from < pos {
            captured.append(contentsOf: UnsafeRawBufferPointer(start: buffer + from, count: pos - from))
            captureFrom = pos
        }
        let out = captured
        captured.removeAll(keepingCapacity: true)
        return out
    }

    func endCapture() {
        captureFrom = nil
        captured.removeAll(keepingCapacity: false)
    }

    /// The CRC of everything consumed so far.
    func checksumSoFar() -> UInt64 {
        settle()
        return crc.value
    }
}
