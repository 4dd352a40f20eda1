/// Key, member and field bytes as text: the one escaping rule memops prints them with, in audit
/// and prune reports, fault lists, RDB errors, inspect listings and restore messages.
public enum KeyText {
    /// Printable ASCII but space, backslash and the quote as itself; every other byte (space,
    /// control bytes, `\`, `'`, and all of UTF-8 beyond ASCII) as `\xNN` in lowercase hex, so the
    /// text never breaks a space-separated line or a quoted message and reads back unambiguously.
    /// With `limit`, only that many bytes are shown, then `…(N bytes)`.
    public static func escaped(_ bytes: [UInt8], limit: Int? = nil) -> String {
        let shown = limit.map { bytes.prefix($0) } ?? bytes[...]
        let tail = shown.count < bytes.count ? "…(\(bytes.count) bytes)" : ""
        // Audit escapes every key name it sees: the common, all-plain case is one copy.
        if shown.allSatisfy(plain) { return String(decoding: shown, as: UTF8.self) + tail }
        var text: [UInt8] = []
        text.reserveCapacity(shown.count + 16)
        for b in shown {
            if plain(b) {
                text.append(b)
            } else {
                text += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]]
            }
        }
        return String(decoding: text, as: UTF8.self) + tail
    }

    /// The bytes `escaped` printed (without a `limit`), or nil for text it cannot have printed.
    public static func unescaped(_ text: String) -> [UInt8]? {
        let b = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\") {
                guard i + 3 < b.count, b[i + 1] == UInt8(ascii: "x"),
                      let hi = hexDigits.firstIndex(of: b[i + 2]), let lo = hexDigits.firstIndex(of: b[i + 3]) else { return nil }
                out.append(UInt8(hi << 4 | lo))
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
    }

    @inline(__always)
    private static func plain(_ b: UInt8) -> Bool { b > 0x20 && b < 0x7f && b != UInt8(ascii: "\\") && b != UInt8(ascii: "'") }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
