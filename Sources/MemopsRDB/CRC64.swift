internal import CIsal

/// CRC-64 as Redis computes it for RDB files and DUMP payloads: the Jones polynomial
/// (0xad93d23594c935a9), reflected, initial value 0, no final xor (redis src/crc64.c).
/// The check value of "123456789" is 0xe9c6d914c4b8d9ca.
///
/// Computed by Intel's ISA-L (`crc64_jones_refl`, folding with carry-less multiplication,
/// several times faster than any table-driven Swift), so the checksum is a small part of a
/// backup or a verify. ISA-L's variant inverts the value on the way in and
/// out; inverting around the call gives Redis' (the tests hold it to the bitwise definition).
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

    /// The eight 256-entry tables of "append `n` zero bytes" (see `combine`), from the GF(2)
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

    static func update(_ initial: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard let p = bytes.baseAddress, !bytes.isEmpty else { return initial }
        return ~crc64_jones_refl(~initial, p.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }
}
