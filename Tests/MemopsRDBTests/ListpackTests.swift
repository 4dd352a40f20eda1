import Testing
@testable import MemopsRDB

/// Listpack entries end in a back-length: the entry's size in 7-bit groups, 1 to 5 bytes
/// (listpack.c lpEncodeBacklen). Entries on both sides of each width read back, and a damaged
/// back-length is refused, whatever its width.
@Suite struct ListpackTests {
    /// The back-length bytes of an entry of `size` bytes, in file order (listpack.c).
    static func backlen(_ size: Int) -> [UInt8] {
        if size <= 127 { return [UInt8(size)] }
        if size < 16383 { return [UInt8(size >> 7), UInt8(size & 127) | 128] }
        if size < 2_097_151 { return [UInt8(size >> 14), UInt8((size >> 7) & 127) | 128, UInt8(size & 127) | 128] }
        return [UInt8(size >> 21), UInt8((size >> 14) & 127) | 128, UInt8((size >> 7) & 127) | 128, UInt8(size & 127) | 128]
    }

    /// A listpack of one string of `length` bytes (12-bit or 32-bit string encoding).
    static func listpack(stringOf length: Int) -> [UInt8] {
        let header: [UInt8] = length < 4096
            ? [0xE0 | UInt8(length >> 8), UInt8(length & 0xFF)]
            : [0xF0, UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        let entry = header + [UInt8](repeating: 0x61, count: length)
        let body = entry + backlen(entry.count)
        let total = 6 + body.count + 1
        return [UInt8(total & 0xFF), UInt8((total >> 8) & 0xFF), UInt8((total >> 16) & 0xFF), UInt8(total >> 24), 1, 0] + body + [0xFF]
    }

    static func read(_ bytes: [UInt8]) -> Result<Int, BlobError> {
        bytes.withUnsafeBytes { b in
            Result { () throws(BlobError) -> Int in
                var it = try ListpackIterator(b)
                var n = 0
                while let e = try it.next() {
                    guard case .bytes(let r) = e else { throw BlobError("test", "not a string") }
                    n += r.count
                }
                return n
            }
        }
    }

    @Test(arguments: [125, 126, 4093, 4094, 16377, 16378, 20_000])
    func backLengthsOfEveryWidth(length: Int) throws {
        let lp = Self.listpack(stringOf: length)
        #expect(try Self.read(lp).get() == length)
        // Every back-length byte damaged, in value or in its continuation bit, is refused.
        let entrySize = (length < 4096 ? 2 : 5) + length
        let width = Self.backlen(entrySize).count
        #expect(lp.count == 6 + entrySize + width + 1)
        for i in 0..<width {
            for flip: UInt8 in [0x80, 0x01] {
                var damaged = lp
                damaged[6 + entrySize + i] ^= flip
                guard case .failure(let error) = Self.read(damaged) else {
                    Issue.record("length \(length): back-length byte \(i) xor \(flip) was accepted")
                    continue
                }
                #expect(error.detail.contains("back-length"), "length \(length) byte \(i) xor \(flip): \(error.detail)")
            }
        }
    }
}
