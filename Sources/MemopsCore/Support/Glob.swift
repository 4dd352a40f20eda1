/// A Redis glob (`KEYS`/`SCAN MATCH` syntax: `*`, `?`, `[abc]`, `[^a-z]`, `\x`) matched against
/// key bytes, with the same rules as redis' `stringmatchlen`, so `--pattern` selects exactly
/// the keys `SCAN MATCH` would.
public struct Glob: Sendable, Equatable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ pattern: String) { bytes = Array(pattern.utf8) }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// Whether `key` matches the whole pattern.
    public func matches(_ key: [UInt8]) -> Bool {
        key.withUnsafeBufferPointer { k in bytes.withUnsafeBufferPointer { p in Glob.match(p[...], k[...]) } }
    }

    private static func match(_ pattern: Slice<UnsafeBufferPointer<UInt8>>, _ string: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        var p = pattern.startIndex
        var s = string.startIndex
        let pe = pattern.endIndex
        let se = string.endIndex
        while p < pe {
            switch pattern[p] {
            case UInt8(ascii: "*"):
                while p + 1 < pe && pattern[p + 1] == UInt8(ascii: "*") { p += 1 }
                if p + 1 == pe { return true }
                var t = s
                while t <= se {
                    if match(pattern[(p + 1)...], string[t...]) { return true }
                    t += 1
                }
                return false
            case UInt8(ascii: "?"):
                if s == se { return false }
                s += 1
            case UInt8(ascii: "["):
                if s == se { return false }
                p += 1
                let negate = p < pe && pattern[p] == UInt8(ascii: "^")
                if negate { p += 1 }
                var matched = false
                while p < pe && pattern[p] != UInt8(ascii: "]") {
                    if pattern[p] == UInt8(ascii: "\\") && p + 1 < pe {
                        p += 1
                        if pattern[p] == string[s] { matched = true }
                    } else if p + 2 < pe && pattern[p + 1] == UInt8(ascii: "-") {
                        // As in stringmatchlen, "-]" is a range ending at ']', not a literal '-'.
                        var lo = pattern[p]
                        var hi = pattern[p + 2]
                        if lo > hi { swap(&lo, &hi) }
                        if string[s] >= lo && string[s] <= hi { matched = true }
                        p += 2
                    } else if pattern[p] == string[s] {
                        matched = true
                    }
                    p += 1
                }
                // An unterminated class ends the pattern, as in stringmatchlen.
                if p == pe { p -= 1 }
                if negate { matched.toggle() }
                if !matched { return false }
                s += 1
            case UInt8(ascii: "\\") where p + 1 < pe:
                p += 1
                if s == se || pattern[p] != string[s] { return false }
                s += 1
            default:
                if s == se || pattern[p] != string[s] { return false }
                s += 1
            }
            p += 1
        }
        return s == se
    }
}
