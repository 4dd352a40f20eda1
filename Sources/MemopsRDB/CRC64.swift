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
    /// still has k more bytes to travel through the register.
    static let tables: [UInt64] = {
        var t = [UInt64](repeating: 0, count: 16 * 256)
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
        return t
    }()

    static func update(_ initial: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        guard var p = bytes.baseAddress, !bytes.isEmpty else { return initial }
        var remaining = bytes.count
        var crc = initial
        tables.withUnsafeBufferPointer { t in
            while remaining >= 16 {
                let lo = crc ^ UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
                let hi = UInt64(littleEndian: (p + 8).loadUnaligned(as: UInt64.self))
                crc = t[15 * 256 + Int(lo & 0xff)]
                    ^ t[14 * 256 + Int((lo >> 8) & 0xff)]
                    ^ t[13 * 256 + Int((lo >> 16) & 0xff)]
                    ^ t[12 * 256 + Int((lo >> 24) & 0xff)]
                    ^ t[11 * 256 + Int((lo >> 32) & 0xff)]
                    ^ t[10 * 256 + Int((lo >> 40) & 0xff)]
                    ^ t[9 * 256 + Int((lo >> 48) & 0xff)]
                    ^ t[8 * 256 + Int(lo >> 56)]
                    ^ t[7 * 256 + Int(hi & 0xff)]
                    ^ t[6 * 256 + Int((hi >> 8) & 0xff)]
                    ^ t[5 * 256 + Int((hi >> 16) & 0xff)]
                    ^ t[4 * 256 + Int((hi >> 24) & 0xff)]
                    ^ t[3 * 256 + Int((hi >> 32) & 0xff)]
                    ^ t[2 * 256 + Int((hi >> 40) & 0xff)]
                    ^ t[1 * 256 + Int((hi >> 48) & 0xff)]
                    ^ t[Int(hi >> 56)]
                p += 16
                remaining -= 16
            }
            while remaining >= 8 {
                crc ^= UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
                crc = t[7 * 256 + Int(crc & 0xff)]
                    ^ t[6 * 256 + Int((crc >> 8) & 0xff)]
                    ^ t[5 * 256 + Int((crc >> 16) & 0xff)]
                    ^ t[4 * 256 + Int((crc >> 24) & 0xff)]
                    ^ t[3 * 256 + Int((crc >> 32) & 0xff)]
                    ^ t[2 * 256 + Int((crc >> 40) & 0xff)]
                    ^ t[1 * 256 + Int((crc >> 48) & 0xff)]
                    ^ t[Int(crc >> 56)]
                p += 8
                remaining -= 8
            }
            while remaining > 0 {
                crc = t[Int((crc ^ UInt64(p.load(as: UInt8.self))) & 0xff)] ^ (crc >> 8)
                p += 1
                remaining -= 1
            }
        }
        return crc
    }
}
