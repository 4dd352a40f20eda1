/// Redis Cluster's key → slot mapping: CRC16 (XMODEM: polynomial 0x1021, initial 0, as
/// cluster.c's keyHashSlot uses it) of the key's hash tag, modulo 16384.
public enum HashSlot {
    public static let count = 16384

    /// The slot of `key`: of the part between the first `{` and the next `}` when that part is
    /// not empty (a hash tag), else of the whole key.
    public static func of(_ key: some Collection<UInt8>) -> Int {
        Int(crc16(hashTag(key)) & 0x3FFF)
    }

    /// The bytes of `key` that decide its slot.
    public static func hashTag<C: Collection<UInt8>>(_ key: C) -> C.SubSequence {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")) else { return key[...] }
        let afterOpen = key.index(after: open)
        guard let close = key[afterOpen...].firstIndex(of: UInt8(ascii: "}")), close != afterOpen else { return key[...] }
        return key[afterOpen..<close]
    }

    /// CRC16-XMODEM, bytewise from a 256-entry table.
    public static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(crc >> 8) ^ byte)]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { n in
        var crc = UInt16(n) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
