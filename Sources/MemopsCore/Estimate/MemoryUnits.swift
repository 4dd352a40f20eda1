import Foundation

/// Memory sizes as Redis writes them in redis.conf and CONFIG SET, and as memops prints them.
public enum MemoryUnits {
    /// Parses a Redis memory value the way `memtoull()` in Redis' util.c does: a bare number is
    /// bytes; `k`, `m`, `g` are powers of 1000 and `kb`, `mb`, `gb` powers of 1024, in any case
    /// (`8gb` is 8,589,934,592 bytes, `8g` is 8,000,000,000). Nil for anything else.
    public static func parse(_ text: String) -> Int64? {
        // One parser for redis' units in memops: config lint's exact port of memtoull().
        let bytes = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard !bytes.isEmpty, bytes.first.map({ $0 >= 0x30 && $0 <= 0x39 }) == true,
            let value = ConfigSyntax.memtoull(bytes), value <= UInt64(Int64.max)
        else { return nil }
        return Int64(value)
    }

    /// Bytes in decimal units (kB = 1000 B, MB, GB, TB), one decimal: the schema's convention,
    /// under which its table's totals come out (see `EstimateModel.schemaSizes`).
    public static func decimal(_ bytes: Int64) -> String {
        format(bytes, base: 1_000, units: ["B", "kB", "MB", "GB", "TB"], decimals: 1)
    }

    /// Bytes in binary units (KiB, MiB, GiB), as Redis' INFO `_human` fields and `maxmemory 8gb`
    /// count them, two decimals: estimates.
    public static func binary(_ bytes: Int64) -> String {
        format(bytes, base: 1_024, units: binaryUnits, decimals: 2)
    }

    /// Bytes in binary units with one decimal: sizes in tables, progress and messages ("7.5 GiB").
    public static func short(_ bytes: UInt64) -> String {
        format(Int64(clamping: bytes), base: 1_024, units: binaryUnits, decimals: 1)
    }

    private static let binaryUnits = ["B", "KiB", "MiB", "GiB", "TiB"]

    private static func format(_ bytes: Int64, base: Double, units: [String], decimals: Int) -> String {
        var value = Double(bytes.magnitude)
        var unit = 0
        while value >= base && unit < units.count - 1 {
            value /= base
            unit += 1
        }
        let sign = bytes < 0 ? "-" : ""
        return unit == 0 ? "\(bytes) B" : sign + String(format: "%.\(decimals)f %@", value, units[unit])
    }

    /// An integer with thousands separators: 140,100,000.
    public static func grouped(_ n: some BinaryInteger) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}
