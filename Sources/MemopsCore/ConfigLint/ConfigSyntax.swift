/// One argument of a config line after redis's quoting rules, with the 1-based column it starts at.
public struct ConfigToken: Sendable, Equatable {
    public var bytes: [UInt8]
    public var column: Int
    /// Whether any part of it was quoted (a quoted `"#"` is an argument, not a comment).
    public var quoted: Bool

    public var text: String { String(decoding: bytes, as: UTF8.self) }
    /// ASCII lower-case, as `sdstolower`/`strcasecmp` compare.
    public var lowered: String { String(decoding: bytes.map(ConfigSyntax.lower), as: UTF8.self) }
}

/// Why a line could not be split (both are "Unbalanced quotes in configuration line" to redis).
public enum SplitFailure: Error, Sendable, Equatable {
    /// A quote opened at this column is never closed.
    case unterminated(column: Int)
    /// A closing quote at this column is followed by something other than a space.
    case closingQuoteNotFollowedBySpace(column: Int)

    public var column: Int {
        switch self {
        case .unterminated(let c), .closingQuoteNotFollowedBySpace(let c): return c
        }
    }
}

/// Redis's lexical rules, byte for byte: `sdssplitargs` (sds.c), `memtoull` and `string2ll`
/// (util.c), `strtoll` as glibc reads it. Every function is total: no input traps.
public enum ConfigSyntax {
    /// C `isspace` in the C locale.
    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0d) }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5a ? c + 0x20 : c }
    /// The value of a hex digit (either case), as sds.c `hex_digit_to_int`.
    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    /// `sdssplitargs`: splits on blanks, with "double quotes" (C escapes, `\xHH`) and 'single
    /// quotes' (`\'`). `columnBase` is added to columns (the line's trimmed prefix).
    public static func splitArgs(_ line: [UInt8], columnBase: Int = 0) -> Result<[ConfigToken], SplitFailure> {
        var tokens: [ConfigToken] = []
        var i = 0
        let n = line.count
        // sdssplitargs reads a C string: a NUL ends it.
        let end = line.firstIndex(of: 0) ?? n
        func at(_ k: Int) -> UInt8 { k < end ? line[k] : 0 }
        while true {
            while i < end && isSpace(line[i]) { i += 1 }
            if i >= end { return .success(tokens) }
            var current: [UInt8] = []
            let start = i
            var inq = false, insq = false, done = false, quoted = false
            var quoteStart = i
            // Past its escapes, a quoted byte ends the word alike for both quotes (sds.c): the
            // closing quote "must be followed by a space or nothing at all", a NUL before it
            // leaves the quote unterminated.
            func quotedByte(_ c: UInt8, closing: UInt8) -> SplitFailure? {
                if c == closing {
                    if at(i + 1) != 0 && !isSpace(at(i + 1)) { return .closingQuoteNotFollowedBySpace(column: columnBase + i + 1) }
                    done = true
                } else if c == 0 {
                    return .unterminated(column: columnBase + quoteStart + 1)
                } else {
                    current.append(c)
                }
                return nil
            }
            while !done {
                let c = at(i)
                if inq {
                    if c == 0x5c && at(i + 1) == 0x78, let h = hexValue(at(i + 2)), let l = hexValue(at(i + 3)) {
                        current.append(h * 16 + l)
                        i += 3
                    } else if c == 0x5c && at(i + 1) != 0 {
                        i += 1
                        switch at(i) {
                        case 0x6e: current.append(0x0a)  // \n
                        case 0x72: current.append(0x0d)  // \r
                        case 0x74: current.append(0x09)  // \t
                        case 0x62: current.append(0x08)  // \b
                        case 0x61: current.append(0x07)  // \a
                        default: current.append(at(i))
                        }
                    } else if let failure = quotedByte(c, closing: 0x22) {
                        return .failure(failure)
                    }
                } else if insq {
                    if c == 0x5c && at(i + 1) == 0x27 {
                        i += 1
                        current.append(0x27)
                    } else if let failure = quotedByte(c, closing: 0x27) {
                        return .failure(failure)
                    }
                } else {
                    switch c {
                    // Only these end an unquoted word; \v and \f are kept (sds.c's switch).
                    case 0x20, 0x0a, 0x0d, 0x09, 0: done = true
                    case 0x22: inq = true; quoted = true; quoteStart = i
                    case 0x27: insq = true; quoted = true; quoteStart = i
                    default: current.append(c)
                    }
                }
                if at(i) != 0 { i += 1 }
            }
            tokens.append(ConfigToken(bytes: current, column: columnBase + start + 1, quoted: quoted))
        }
    }

    /// `memtoull`: digits then an optional unit b, k, kb, m, mb, g, gb (any case). Quirks kept:
    /// no digits reads as 0 (`maxmemory k` is 0), overflow saturates in `strtoull` and then
    /// wraps in the multiplication. Nil where redis sets `err`.
    public static func memtoull(_ s: [UInt8]) -> UInt64? {
        let s = s.prefix { $0 != 0 }
        if s.first == 0x2d { return nil }  // '-'
        var u = s.startIndex
        while u < s.endIndex && isDigit(s[u]) { u += 1 }
        let unit = String(decoding: s[u...].map(lower), as: UTF8.self)
        let mul: UInt64
        switch unit {
        case "", "b": mul = 1
        case "k": mul = 1000
        case "kb": mul = 1024
        case "m": mul = 1000 * 1000
        case "mb": mul = 1024 * 1024
        case "g": mul = 1000 * 1000 * 1000
        case "gb": mul = 1024 * 1024 * 1024
        default: return nil
        }
        let digits = s[s.startIndex..<u]
        if digits.count >= 128 { return nil }
        var val: UInt64 = 0
        var overflow = false
        for d in digits {
            let (m, o1) = val.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d - 0x30))
            if o1 || o2 { overflow = true; break }
            val = a
        }
        if overflow { val = UInt64.max }  // strtoull: ERANGE, which memtoull does not check
        return val &* mul
    }

    /// The unit suffix of a memory value, lower-cased ("" when none).
    public static func memoryUnit(_ s: [UInt8]) -> String {
        String(decoding: s.drop(while: isDigit).map(lower), as: UTF8.self)
    }

    /// `string2ll`: an optional '-', no leading zeros, no '+', no spaces, fits in `long long`.
    public static func string2ll(_ s: [UInt8]) -> Int64? {
        let slen = s.count
        if slen == 0 || slen >= 21 { return nil }  // LONG_STR_SIZE
        if slen == 1 && s[0] == 0x30 { return 0 }
        var p = 0
        var negative = false
        if s[0] == 0x2d {
            negative = true
            p += 1
            if p == slen { return nil }
        }
        guard s[p] >= 0x31 && s[p] <= 0x39 else { return nil }
        var v = UInt64(s[p] - 0x30)
        p += 1
        while p < slen && isDigit(s[p]) {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(s[p] - 0x30))
            if o1 || o2 { return nil }
            v = a
            p += 1
        }
        if p < slen { return nil }
        if negative {
            if v > UInt64(Int64.max) + 1 { return nil }
            return v == UInt64(Int64.max) + 1 ? Int64.min : -Int64(v)
        }
        return v > UInt64(Int64.max) ? nil : Int64(v)
    }

    /// glibc `strtoll(s, &end, base)` as config.c uses it: leading blanks, a sign, digits (for
    /// base 8 or 10). Returns the value, whether all input was used (`*end == '\0'`) and whether
    /// it overflowed (`errno == ERANGE`).
    public static func strtoll(_ s: [UInt8], base: Int = 10) -> (value: Int64, complete: Bool, overflow: Bool) {
        let s = Array(s.prefix { $0 != 0 })
        var i = 0
        while i < s.count && isSpace(s[i]) { i += 1 }
        var negative = false
        if i < s.count && (s[i] == 0x2b || s[i] == 0x2d) {
            negative = s[i] == 0x2d
            i += 1
        }
        let digitsStart = i
        var v: UInt64 = 0
        var overflow = false
        while i < s.count, isDigit(s[i]), Int(s[i] - 0x30) < base {
            if !overflow {
                let (m, o1) = v.multipliedReportingOverflow(by: UInt64(base))
                let (a, o2) = m.addingReportingOverflow(UInt64(s[i] - 0x30))
                if o1 || o2 { overflow = true } else { v = a }
            }
            i += 1
        }
        // No digits: nothing converted, `end` points at the start of the input.
        if i == digitsStart { return (0, s.isEmpty, false) }
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        if overflow || v > limit { return (negative ? Int64.min : Int64.max, i == s.count, true) }
        let value = negative ? (v == UInt64(Int64.max) + 1 ? Int64.min : -Int64(v)) : Int64(v)
        return (value, i == s.count, false)
    }

    /// glibc `strtoll` with a bare "" or "   " input: `end` stays at the start, which is the end
    /// only when the string is empty. Exposed for the octal path of `numericParseString`.
    static func strtollConsumedAll(_ s: [UInt8], base: Int) -> Int64? {
        let r = strtoll(s, base: base)
        return r.complete && !r.overflow ? r.value : nil
    }

    /// Levenshtein distance, for "did you mean". Stops early once every path exceeds `limit`
    /// (the result is then some value above `limit`).
    public static func editDistance(_ a: String, _ b: String, limit: Int = .max) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            var rowMin = i
            for j in 1...b.count {
                let substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                let v = Swift.min(substitute, Swift.min(prev[j], cur[j - 1]) + 1)
                cur[j] = v
                if v < rowMin { rowMin = v }
            }
            if rowMin > limit { return rowMin }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
