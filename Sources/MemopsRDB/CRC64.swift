/// CRC-64 as Redis computes it for RDB files and DUMP payloads: the Jones polynomial
/// (0xad93d23594c935a9), reflected, initial value 0, no final xor (redis src/crc64.c).
/// The check value of "123456789" is 0xe9c6d914c4b8d9ca.
///
/// Slicing-by-16: sixteen independent table look-ups per sixteen input bytes, so the CPU can
/// overlap them; fast enough that the CRC is not the bottleneck of a backup or a verify.
public struct CRC64: Sendable {
    /// The running checksum of everything passed to `update` so far.
    public private(set) var value: UInt64

    public init(value: UInt64 = 0) {
        self.value = value
    }

    /// Feeds `bytes` into the checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        value = CRC64.update(value, bytes)
    }

    /// Feeds `bytes` into the checksum.
    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if let done = bytes.withContiguousStorageIfAvailable({ buffer in
            value = CRC64.update(value, UnsafeRawBufferPointer(buffer))
        }) {
            return done
        }
        let copy = Array(bytes)
        copy.withUnsafeBytes { value = CRC64.update(value, $0) }
    }

    /// The checksum of `bytes` alone.
    public static func checksum<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var crc = CRC64()
        crc.update(bytes)
        return crc.value
    }

    /// The Jones polynomial, bit-reversed for the reflected (LSB-first) algorithm.
    static let reflectedPolynomial: UInt64 = 0x95ac_9329_ac4b_c9b5

    /// Sixteen 256-entry tables, one after the other: table k gives the effect of a byte that
    /// still has k more bytes to travel through the register. Built once and never freed, so
    /// the loop reads it through a plain pointer.
    nonisolated(unsafe) static let tables: UnsafePointer<UInt64> = {
        let t = UnsafeMutablePointer<UInt64>.allocate(capacity: 16 * 256)
        for n in 0..<256 {
            var crc = UInt64(n)
            for _ in 0..<8 {
                crc = (crc & 1) == 1 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1
            }
            t[n] = crc
        }
        for k in 1..<16 {
            for n in 0..<256 {
                let previous = t[(k - 1) * 256 + n]
                t[k * 256 + n] = (previous >> 8) ^ t[Int(previous & 0xff)]
            }
        }
        return UnsafePointer(t)
    }()

    /// Bytes per lane of the three-lane loop.
    static let lane = 4096

    /// Eight 256-entry tables for "append `lane` zero bytes": for a CRC value v,
    /// crc(A ‖ lane zero bytes) = XOR of table j at byte j of crc(A). It joins lanes computed
    /// side by side: crc(A ‖ B) = shifted(crc(A)) ^ crc₀(B) for |B| = lane (the CRC is linear,
    /// with no initial or final xor).
    nonisolated(unsafe) static let laneShift: UnsafePointer<UInt64> = {
        let table = zeroBytesTable(lane)
        let t = UnsafeMutablePointer<UInt64>.allocate(capacity: 8 * 256)
        t.initialize(from: table, count: 8 * 256)
        return UnsafePointer(t)
    }()

    /// The eight 256-entry tables of "append `n` zero bytes" (see `laneShift`), from the GF(2)
    /// matrix of one zero bit raised to the power 8n, as zlib's crc32_combine does.
    static func zeroBytesTable(_ n: Int) -> [UInt64] {
        typealias Matrix = [UInt64]
        func times(_ m: Matrix, _ v: UInt64) -> UInt64 {
            var sum: UInt64 = 0
            var v = v
            var i = 0
            while v != 0 {
                if v & 1 != 0 { sum ^= m[i] }
                v >>= 1
                i += 1
            }
            return sum
        }
        func compose(_ a: Matrix, _ b: Matrix) -> Matrix { b.map { times(a, $0) } }
        // One zero bit: the reflected shift register step; eight of them make a zero byte.
        var power: Matrix = [reflectedPolynomial] + (0..<63).map { UInt64(1) << UInt64($0) }
        for _ in 0..<3 { power = compose(power, power) }
        var result: Matrix = (0..<64).map { UInt64(1) << UInt64($0) }
        var k = n
        while k > 0 {
            if k & 1 != 0 { result = compose(power, result) }
            k >>= 1
            if k > 0 { power = compose(power, power) }
        }
        var table = [UInt64](repeating: 0, count: 8 * 256)
        for j in 0..<8 {
            for b in 0..<256 { table[j * 256 + b] = times(result, UInt64(b) << UInt64(8 * j)) }
        }
        return table
    }

    /// crc(A ‖ B) from crc(A), crc₀(B) (B's CRC from 0) and the zero-bytes table of |B|.
    static func combine(_ crcA: UInt64, _ crcB0: UInt64, zeroBytes table: [UInt64]) -> UInt64 {
        var r = crcB0
        for j in 0..<8 { r ^= table[j * 256 + Int((crcA >> UInt64(8 * j)) & 0xff)] }
        return r
    }

    @inline(__always) static func shiftedByLane(_ v: UInt64, _ s: UnsafePointer<UInt64>) -> UInt64 {
        var r: UInt64 = 0
        for j in 0..<8 { r ^= s[j &* 256 &+ Int(truncatingIfNeeded: (v &>> UInt64(8 * j)) & 0xff)] }
        return r
    }

    static func update(_ initial: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard var p = bytes.baseAddress, !bytes.isEmpty else { return initial }
        // Locals only (no closure captures), so the running values stay in registers.
        let t = tables
        var remaining = bytes.count
        var crc = initial
        @inline(__always) func at(_ table: Int, _ byte: UInt64) -> UInt64 {
            t[table &* 256 &+ Int(truncatingIfNeeded: byte & 0xff)]
        }
        @inline(__always) func step16(_ crc: UInt64, _ q: UnsafeRawPointer) -> UInt64 {
            let lo = crc ^ UInt64(littleEndian: q.loadUnaligned(as: UInt64.self))
            let hi = UInt64(littleEndian: (q + 8).loadUnaligned(as: UInt64.self))
            let a = at(15, lo) ^ at(14, lo &>> 8) ^ at(13, lo &>> 16) ^ at(12, lo &>> 24)
            let b = at(11, lo &>> 32) ^ at(10, lo &>> 40) ^ at(9, lo &>> 48) ^ at(8, lo &>> 56)
            let c = at(7, hi) ^ at(6, hi &>> 8) ^ at(5, hi &>> 16) ^ at(4, hi &>> 24)
            let d = at(3, hi &>> 32) ^ at(2, hi &>> 40) ^ at(1, hi &>> 48) ^ at(0, hi &>> 56)
            return (a ^ b) ^ (c ^ d)
        }
        // Three lanes side by side: one dependency chain stalls on table loads, three overlap.
        let lane = CRC64.lane
        if remaining >= 3 * lane {
            let shift = laneShift
            while remaining >= 3 * lane {
                var c0 = crc
                var c1: UInt64 = 0
                var c2: UInt64 = 0
                var k = 0
                while k < lane {
                    c0 = step16(c0, p + k)
                    c1 = step16(c1, p + (lane &+ k))
                    c2 = step16(c2, p + (2 &* lane &+ k))
                    k &+= 16
                }
                crc = shiftedByLane(shiftedByLane(c0, shift) ^ c1, shift) ^ c2
                p += 3 &* lane
                remaining &-= 3 &* lane
            }
        }
        while remaining >= 16 {
            crc = step16(crc, p)
            p += 16
            remaining &-= 16
        }
        while remaining >= 8 {
            crc ^= UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
            crc = at(7, crc) ^ at(6, crc &>> 8) ^ at(5, crc &>> 16) ^ at(4, crc &>> 24)
                ^ at(3, crc &>> 32) ^ at(2, crc &>> 40) ^ at(1, crc &>> 48) ^ at(0, crc &>> 56)
            p += 8
            remaining &-= 8
        }
        while remaining > 0 {
            crc = at(0, crc ^ UInt64(p.load(as: UInt8.self))) ^ (crc &>> 8)
            p += 1
            remaining &-= 1
        }
        return crc
    }
}
