/// The reader's buffered view of a `ByteSource`: it knows the absolute offset of every byte,
/// keeps the running CRC64 of everything consumed (computed a buffer at a time, never per
/// byte), and can copy the consumed bytes of one value aside for DUMP payloads.
///
/// Memory stays flat: one fixed buffer, and byte arrays only grow as real input arrives, so a
/// corrupt length field cannot make the reader allocate more than the input actually holds.
final class RDBInput {
    var source: any ByteSource
    /// The most bytes `fill` can make available at once.
    let capacity: Int
    let buffer: UnsafeMutableRawPointer
    /// Bytes allocated for `buffer`: `capacity`, plus one read-ahead chunk when reading ahead.
    let allocated: Int
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

    #if canImport(Glibc)
    /// When reading ahead: the worker that reads the source and computes the CRC64 of it.
    var readAhead: ReadAhead?
    #endif
    /// When reading ahead, where in `buffer` a worker chunk starts and the CRC64 of the stream
    /// before it, in order. The CRC is then never computed here but at the end, from the last
    /// chunk start before the checksum to the checksum, so the bytes from `crcFrom` on are kept.
    var anchors: [(index: Int, crc: UInt64)] = []
    var anchorHead = 0

    /// While capturing, bytes from this index in `buffer` up to `pos` still need copying into
    /// `captured`.
    var captureFrom: Int?
    var captured: [UInt8] = []

    /// `readAheadChunk` > 0 reads the source on a second thread in chunks of that size.
    init(_ source: any ByteSource, capacity: Int = 1 << 20, readAheadChunk: Int = 0) {
        self.source = source
        self.capacity = capacity
        #if canImport(Glibc)
        if readAheadChunk > 0 {
            let worker = ReadAhead(source, chunkSize: readAheadChunk)
            if worker.start() { readAhead = worker }
        }
        allocated = readAhead == nil ? capacity : capacity + readAheadChunk
        #else
        allocated = capacity
        #endif
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: allocated, alignment: 16)
    }

    deinit {
        #if canImport(Glibc)
        readAhead?.stop()
        #endif
        buffer.deallocate()
    }

    /// Stops reading ahead: the source is the caller's again (what was read ahead is still
    /// handed out first). The CRC is no longer kept.
    func stopReadingAhead() {
        #if canImport(Glibc)
        readAhead?.stop()
        #endif
        crcEnabled = false
    }

    /// Absolute offset of the next unread byte.
    @inline(__always) var offset: Int { base + pos }

    /// Folds consumed bytes into the CRC and the capture, so the buffer before `pos` may go
    /// (when reading ahead: before the last chunk start at or before `pos`).
    func settle() {
        if !anchors.isEmpty {
            while anchorHead < anchors.count, anchors[anchorHead].index <= pos {
                crc = CRC64(value: anchors[anchorHead].crc)
                crcFrom = anchors[anchorHead].index
                anchorHead += 1
            }
            if anchorHead == anchors.count {
                anchors.removeAll(keepingCapacity: true)
                anchorHead = 0
            }
        } else if readAheadActive {
            // Between chunk starts: the CRC is computed from the last one at the end.
        } else {
            if crcEnabled, crcFrom < pos {
                crc.update(UnsafeRawBufferPointer(start: buffer + crcFrom, count: pos - crcFrom))
            }
            crcFrom = pos
        }
        if let from = captureFrom, from < pos {
            captured.append(contentsOf: UnsafeRawBufferPointer(start: buffer + from, count: pos - from))
            captureFrom = pos
        }
    }

    /// Whether a worker reads ahead and computes the CRC.
    var readAheadActive: Bool {
        #if canImport(Glibc)
        return readAhead != nil && crcEnabled
        #else
        return false
        #endif
    }

    /// Makes at least `n` (≤ capacity) bytes available after `pos`; false if the input ends first.
    func fill(_ n: Int) throws(RDBError) -> Bool {
        if end - pos >= n { return true }
        settle()
        // Keep the unread bytes, and when reading ahead those since the last chunk start too.
        let from = readAheadActive ? min(crcFrom, pos) : pos
        if from > 0 {
            let keep = end - from
            if keep > 0 { buffer.copyMemory(from: buffer + from, byteCount: keep) }
            base += from
            end = keep
            pos -= from
            crcFrom -= from
            if crcFrom < 0 { crcFrom = 0 }
            for i in anchorHead..<anchors.count { anchors[i].index -= from }
            if captureFrom != nil { captureFrom = pos }
        }
        while end - pos < n && !sourceEnded {
            let got: Int
            do {
                let space = UnsafeMutableRawBufferPointer(start: buffer + end, count: allocated - end)
                #if canImport(Glibc)
                if let readAhead {
                    var crcBefore: UInt64?
                    got = try readAhead.read(into: space, crcBefore: &crcBefore)
                    if let crcBefore, readAheadActive { anchors.append((end, crcBefore)) }
                } else {
                    got = try source.read(into: space)
                }
                #else
                got = try source.read(into: space)
                #endif
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
        if readAheadActive, crcFrom < pos {
            // From the last chunk start: at most one chunk, once per file.
            var c = crc
            c.update(UnsafeRawBufferPointer(start: buffer + crcFrom, count: pos - crcFrom))
            return c.value
        }
        return crc.value
    }
}
