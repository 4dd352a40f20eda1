/// Redis' glob patterns (util.c `stringmatchlen`), on bytes: `*`, `?`, `[abc]`, `[^a-z]`,
/// `\x` escapes. The same syntax as SCAN MATCH and KEYS, so `--pattern` means what it means
/// in redis-cli.
public struct Glob: Sendable, Equatable {
    public let pattern: [UInt8]

    public init(_ pattern: String) {
        self.pattern = Array(pattern.utf8)
    }

    public func matches(_ key: [UInt8]) -> Bool {
        Glob.match(pattern[...], key[...])
    }

    private static func match(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
        var p = p
        var s = s
        while let c = p.first {
            switch c {
            case UInt8(ascii: "*"):
                while p.first == UInt8(ascii: "*") { p = p.dropFirst() }
                if p.isEmpty { return true }
                while true {
                    if match(p, s) { return true }
                    if s.isEmpty { return false }
                    s = s.dropFirst()
                }
            case UInt8(ascii: "?"):
                guard !s.isEmpty else { return false }
                s = s.dropFirst()
                p = p.dropFirst()
            case UInt8(ascii: "["):
                guard let ch = s.first else { return false }
                p = p.dropFirst()
                let negate = p.first == UInt8(ascii: "^")
                if negate { p = p.dropFirst() }
                var matched = false
                while let k = p.first, k != UInt8(ascii: "]") {
                    if k == UInt8(ascii: "\\"), p.count >= 2 {
                        p = p.dropFirst()
                        if p.first == ch { matched = true }
                        p = p.dropFirst()
                    } else if p.count >= 3, p[p.startIndex + 1] == UInt8(ascii: "-") {
                        var lo = k
                        var hi = p[p.startIndex + 2]
                        if lo > hi { swap(&lo, &hi) }
                        if ch >= lo && ch <= hi { matched = true }
                        p = p.dropFirst(3)
                    } else {
                        if k == ch { matched = true }
                        p = p.dropFirst()
                    }
                }
                // An unclosed [ matches like redis: the class ends at the pattern's end.
                if !p.isEmpty { p = p.dropFirst() }
                if matched == negate { return false }
                s = s.dropFirst()
            case UInt8(ascii: "\\") where p.count >= 2:
                let literal = p[p.startIndex + 1]
                guard s.first == literal else { return false }
                s = s.dropFirst()
                p = p.dropFirst(2)
            default:
                guard s.first == c else { return false }
                s = s.dropFirst()
                p = p.dropFirst()
            }
        }
        return s.isEmpty
    }
}
