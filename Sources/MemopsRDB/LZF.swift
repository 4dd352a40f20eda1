/// LZF (redis src/lzf_d.c): literal runs (control < 32) and back references. The output size is
/// known from the RDB string header and is checked exactly.

/// Bytes a decompression may write past the declared output length (wide copies overshoot).
let lzfSlack = 64

/// Checks LZF data as `lzfDecompress` would, without writing the output: every literal run and
/// back reference in bounds, and exactly `outputLength` bytes produced. A reader that skips a
/// value still validates it, at a fraction of the cost of decompressing it.
func lzfValidate(_ input: UnsafeRawBufferPointer, outputLength: Int) throws(BlobError) {
    guard let ip0 = input.baseAddress?.assumingMemoryBound(to: UInt8.self), !input.isEmpty else {
        if outputLength != 0 { throw BlobError("LZF string", "no data for \(outputLength) bytes") }
        return
    }
    let n = input.count
    var ip = 0
    var op = 0
    while ip < n {
        let ctrl = Int(ip0[ip]); ip += 1
        if ctrl < 32 {
            let len = ctrl + 1
            guard ip + len <= n else { throw BlobError("LZF string", "literal run past the end of the input") }
            ip += len; op += len
        } else {
            var len = ctrl >> 5
            if len == 7 {
                guard ip < n else { throw BlobError("LZF string", "back reference past the end of the input") }
                len += Int(ip0[ip]); ip += 1
            }
            guard ip < n else { throw BlobError("LZF string", "back reference past the end of the input") }
            let ref = op - ((ctrl & 0x1F) << 8) - 1 - Int(ip0[ip]); ip += 1
            guard ref >= 0 else { throw BlobError("LZF string", "back reference before the start of the output") }
            op += len + 2
        }
        guard op <= outputLength else {
            throw BlobError("LZF string", "output longer than the declared \(outputLength) bytes")
        }
    }
    if op != outputLength {
        throw BlobError("LZF string", "decompressed to \(op) bytes, not the declared \(outputLength)")
    }
}

/// Decompresses `input` into `out`, which must have room for `outputLength + lzfSlack` bytes:
/// short runs are copied a machine word (or 16 bytes) at a time and may write up to
/// `lzfSlack` bytes past the end, which nothing reads. Every bound is checked as lzf_d.c does.
func lzfDecompress(_ input: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>, outputLength: Int) throws(BlobError) {
    guard let ip0 = input.baseAddress, !input.isEmpty else {
        if outputLength != 0 { throw BlobError("LZF string", "no data for \(outputLength) bytes") }
        return
    }
    // Offsets stay within `n` and `outputLength` (checked before each step), so the
    // arithmetic below cannot overflow and uses the wrapping operators.
    let n = input.count
    let op0 = UnsafeMutableRawPointer(out)
    var ip = 0
    var op = 0
    while ip < n {
        let ctrl = Int(ip0.load(fromByteOffset: ip, as: UInt8.self))
        ip &+= 1
        if ctrl < 32 {
            let len = ctrl &+ 1
            guard ip &+ len <= n else { throw BlobError("LZF string", "literal run past the end of the input") }
            guard op &+ len <= outputLength else {
                throw BlobError("LZF string", "output longer than the declared \(outputLength) bytes")
            }
            if ip &+ 32 <= n {
                // Two 16-byte moves cover the longest literal run (32 bytes); the overshoot lands
                // in the slack or is overwritten by what comes next.
                let a = ip0.loadUnaligned(fromByteOffset: ip, as: SIMD16<UInt8>.self)
                let b = ip0.loadUnaligned(fromByteOffset: ip &+ 16, as: SIMD16<UInt8>.self)
                op0.storeBytes(of: a, toByteOffset: op, as: SIMD16<UInt8>.self)
                op0.storeBytes(of: b, toByteOffset: op &+ 16, as: SIMD16<UInt8>.self)
            } else {
                (op0 + op).copyMemory(from: ip0 + ip, byteCount: len)
            }
            ip &+= len
            op &+= len
        } else {
            var len = ctrl &>> 5
            if len == 7 {
                guard ip < n else { throw BlobError("LZF string", "back reference past the end of the input") }
                len &+= Int(ip0.load(fromByteOffset: ip, as: UInt8.self))
                ip &+= 1
            }
            guard ip < n else { throw BlobError("LZF string", "back reference past the end of the input") }
            let distance = ((ctrl & 0x1F) &<< 8) &+ 1 &+ Int(ip0.load(fromByteOffset: ip, as: UInt8.self))
            ip &+= 1
            len &+= 2
            guard distance <= op else { throw BlobError("LZF string", "back reference before the start of the output") }
            guard op &+ len <= outputLength else {
                throw BlobError("LZF string", "output longer than the declared \(outputLength) bytes")
            }
            let to = op0 + op
            let from = UnsafeRawPointer(to - distance)
            if distance >= 16 {
                // Each 16-byte block reads only bytes written before it. Most references are
                // short: one block, no loop.
                to.storeBytes(of: from.loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
                if len > 16 {
                    var k = 16
                    repeat {
                        to.storeBytes(of: from.loadUnaligned(fromByteOffset: k, as: SIMD16<UInt8>.self), toByteOffset: k, as: SIMD16<UInt8>.self)
                        k &+= 16
                    } while k < len
                }
            } else if distance >= 8 {
                var k = 0
                repeat {
                    to.storeBytes(of: from.loadUnaligned(fromByteOffset: k, as: UInt64.self), toByteOffset: k, as: UInt64.self)
                    k &+= 8
                } while k < len
            } else if distance == 1 {
                // A run of one repeated byte, the commonest overlap (zero padding).
                to.initializeMemory(as: UInt8.self, repeating: from.load(as: UInt8.self), count: len)
            } else {
                // Overlapping: a run repeating the last `distance` bytes, copied forwards.
                var k = 0
                repeat {
                    to.storeBytes(of: from.load(fromByteOffset: k, as: UInt8.self), toByteOffset: k, as: UInt8.self)
                    k &+= 1
                } while k < len
            }
            op &+= len
        }
    }
    if op != outputLength {
        throw BlobError("LZF string", "decompressed to \(op) bytes, not the declared \(outputLength)")
    }
}

/// `lzfValidate` over an array.
func lzfValidate(_ input: [UInt8], outputLength: Int) throws(BlobError) {
    let failure: BlobError? = input.withUnsafeBytes { b in
        do throws(BlobError) { try lzfValidate(b, outputLength: outputLength) } catch { return error }
        return nil
    }
    if let failure { throw failure }
}

/// Decompresses `input` into a new array of exactly `outputLength` bytes.
func lzfDecompress(_ input: [UInt8], outputLength: Int) throws(BlobError) -> [UInt8] {
    let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: outputLength + lzfSlack)
    defer { scratch.deallocate() }
    let failure: BlobError? = input.withUnsafeBytes { b in
        do throws(BlobError) { try lzfDecompress(b, into: scratch, outputLength: outputLength) } catch { return error }
        return nil
    }
    if let failure { throw failure }
    return Array(UnsafeBufferPointer(start: scratch, count: outputLength))
}

/// A grow-only byte buffer the reader reuses for blobs that are not contiguous in its input
/// buffer (LZF output, blobs bigger than the input buffer), so reading one allocates nothing.
/// It grows to the largest single blob of the file, never beyond what the input really holds:
/// callers grow it only as bytes arrive, or after the compressed bytes arrived (LZF output is
/// bounded by 88 × its input).
final class ScratchBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Gives memory back after an unusually big blob, so one huge value does not keep it.
    func shrink(above limit: Int = 8 << 20) {
        guard capacity > limit else { return }
        base.deallocate()
        capacity = 4096
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    /// Makes room for `n` bytes, keeping the first `keeping` bytes.
    func reserve(_ n: Int, keeping: Int = 0) {
        guard n > capacity else { return }
        let newCapacity = max(n, capacity * 2)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        if keeping > 0 { grown.copyMemory(from: base, byteCount: keeping) }
        base.deallocate()
        base = grown
        capacity = newCapacity
    }
}
