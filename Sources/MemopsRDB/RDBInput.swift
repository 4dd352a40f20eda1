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
    /// The bytes being parsed: this reader's own buffer, or when reading ahead the worker's
    /// current chunk.
    var buffer: UnsafeMutableRawPointer
    /// Usable bytes at `buffer`.
    var allocated: Int
    /// Next unread byte in `buffer`.
    var pos = 0
    /// End of valid data in `buffer`.
    var end = 0
    /// Absolute stream offset of `buffer[0]`.
    var base = 0
    var sourceEnded = false
    let ownBuffer: UnsafeMutableRawPointer

    var crc = CRC64()
    var crcEnabled = true
    /// Bytes before this index in `buffer` are already in `crc`.
    var crcFrom = 0

    #if canImport(Glibc)
    /// When reading ahead: the worker that reads the source and computes the CRC64 of it.
    var readAhead: ReadAhead?
    #endif
    /// When reading ahead, the chunk being parsed and the one before it, with the absolute
    /// offsets their data start at and the CRC64 of the stream before them. The CRC up to a
    /// byte of either is finished from there once, at the trailer.
    #if canImport(Glibc)
    typealias HeldChunk = (chunk: ReadAhead.Chunk, start: Int, crcBefore: UInt64)
    var currentChunk: HeldChunk?
    var previousChunk: HeldChunk?
    /// The "append n zero bytes" table for joining a chunk's own CRC, for the last n used.
    var zeroBytesTable: (bytes: Int, table: [UInt64]) = (-1, [])
    #endif

    /// While capturing, bytes from this index in `buffer` up to `pos` still need copying into
    /// `captured`.
    var captureFrom: Int?
    var captured: [UInt8] = []

    /// `readAheadChunk` > 0 reads the source on a second thread in chunks of that size (at
    /// least `capacity`).
    init(_ source: any ByteSource, capacity: Int = 1 << 20, readAheadChunk: Int = 0, crcPolicy: ReadAheadCRC = .adaptive) {
        self.source = source
        self.capacity = capacity
        #if canImport(Glibc)
        if readAheadChunk > 0 {
            let worker = ReadAhead(source, chunkSize: max(readAheadChunk, capacity), headroom: capacity)
            worker.policy = crcPolicy
            if worker.start() { readAhead = worker }
        }
        #endif
        allocated = capacity
        ownBuffer = UnsafeMutableRawPointer.allocate(byteCount: capacity + 64, alignment: 16)
        buffer = ownBuffer
    }

    deinit {
        #if canImport(Glibc)
        readAhead?.stop()
        #endif
        ownBuffer.deallocate()
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

    /// Whether the worker computes the CRC (chunk by chunk).
    var readingAhead: Bool {
        #if canImport(Glibc)
        return readAhead != nil
        #else
        return false
        #endif
    }

    /// Folds consumed bytes into the CRC (unless the worker does) and the capture, so the
    /// buffer before `pos` may go.
    func settle() {
        if !readingAhead {
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

    /// Makes at least `n` (≤ capacity) bytes available after `pos`; false if the input ends first.
    func fill(_ n: Int) throws(RDBError) -> Bool {
        if end - pos >= n { return true }
        settle()
        #if canImport(Glibc)
        if let readAhead, !sourceEnded {
            // Move to the worker's next chunks, the unread bytes going in front of the data.
            while end - pos < n {
                let next: ReadAhead.Chunk?
                do {
                    next = try readAhead.next()
                } catch let e as RDBError {
                    throw RDBError(e.kind, offset: base + end)
                } catch {
                    throw RDBError(.io(String(describing: error)), offset: base + end)
                }
                guard let c = next else { break }
                let keep = end - pos
                let h = readAhead.headroom
                let data = c.memory + h
                if keep > 0 { (data - keep).copyMemory(from: buffer + pos, byteCount: keep) }
                if let previousChunk { readAhead.recycle(previousChunk.chunk.memory) }
                var crcBefore: UInt64 = 0
                if let current = currentChunk, crcEnabled {
                    crcBefore = crcAfter(current, headroom: h)
                }
                previousChunk = currentChunk
                currentChunk = (c, base + end, crcBefore)
                base = base + end - h
                buffer = c.memory
                allocated = h + readAhead.chunkSize
                pos = h - keep
                end = h + c.count
                crcFrom = pos
                if captureFrom != nil { captureFrom = pos }
            }
            if end - pos >= n { return true }
            if !readAhead.sourceLeft {
                sourceEnded = true
                return false
            }
            // Stopped early: read the rest of the source into the current chunk's memory.
        }
        #endif
        if pos > 0 {
            let keep = end - pos
            if keep > 0 { buffer.copyMemory(from: buffer + pos, byteCount: keep) }
            base += pos
            end = keep
            pos = 0
            crcFrom = 0
            if captureFrom != nil { captureFrom = 0 }
        }
        while end < n && !sourceEnded {
            let got: Int
            do {
                let space = UnsafeMutableRawBufferPointer(start: buffer + end, count: allocated - end)
                #if canImport(Glibc)
                if let readAhead {
                    got = try readAhead.readSource(into: space)
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

    #if canImport(Glibc)
    /// The CRC64 of the stream up to the end of a chunk: its own CRC (the worker's) joined to
    /// what came before, or computed here when the worker left it to the reader.
    func crcAfter(_ held: HeldChunk, headroom: Int) -> UInt64 {
        let n = held.chunk.count
        guard let own = held.chunk.crc0 else {
            return CRC64.update(held.crcBefore, UnsafeRawBufferPointer(start: held.chunk.memory + headroom, count: n))
        }
        if zeroBytesTable.bytes != n { zeroBytesTable = (n, CRC64.zeroBytesTable(n)) }
        return CRC64.combine(held.crcBefore, own, zeroBytes: zeroBytesTable.table)
    }
    #endif

    /// The CRC of everything consumed so far.
    func checksumSoFar() -> UInt64 {
        settle()
        #if canImport(Glibc)
        if let readAhead, crcEnabled, let current = currentChunk {
            // From the start of the chunk holding the offset: at most one chunk, once per file.
            let x = offset
            let h = readAhead.headroom
            for (c, start, crcBefore) in [current, previousChunk].compactMap({ $0 }) where x >= start {
                var crc = CRC64(value: crcBefore)
                crc.update(UnsafeRawBufferPointer(start: c.memory + h, count: x - start))
                return crc.value
            }
            preconditionFailure("offset \(x) is before the chunks kept for the checksum")
        }
        #endif
        return crc.value
    }}
