import Foundation

/// The ways memops writes a moment, all in UTC: one formatter each, made once.
public enum UTCTime {
    /// `20261126T021500Z`: backup names and quarantine suffixes (sortable, no separators).
    public static func compact(_ date: Date) -> String { compactFormatter.string(from: date) }

    /// The moment in a `compact` stamp, or nil when it is not one.
    public static func parseCompact(_ text: String) -> Date? { compactFormatter.date(from: text) }

    /// `2026-11-26 02:15:00Z`: tables for people.
    public static func readable(_ date: Date) -> String { formatter("yyyy-MM-dd HH:mm:ss'Z'").string(from: date) }

    /// `2026-11-26T02:15:00Z`: messages, lock notes and manifests (whole seconds, rounded down).
    public static func iso8601(_ date: Date) -> String {
        String(decoding: iso8601(seconds: Int64(date.timeIntervalSince1970.rounded(.down))), as: UTF8.self)
    }

    /// The moment in an `iso8601` text (`YYYY-MM-DDTHH:MM:SSZ`, a real day of the proleptic
    /// Gregorian calendar), or nil when it is not one. By arithmetic, the inverse of the writer:
    /// Foundation's parser switches to the Julian calendar before 1582, so a manifest dated
    /// then did not survive a round trip (found by the manifest fuzz target).
    public static func parseISO8601(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 90 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var n: Int64 = 0
            for i in range {
                guard (48...57).contains(b[i]) else { return nil }
                n = n * 10 + Int64(b[i] - 48)
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day >= 1 && day <= lengths[Int(month - 1)] else { return nil }
        // days_from_civil (Howard Hinnant's), the inverse of `iso8601(seconds:)`.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3_600 + minute * 60 + second))
    }

    /// `2026-11-26`: the day of a moment (projection dates).
    public static func day(_ date: Date) -> String { String(iso8601(date).prefix(10)) }

    /// `20261126-021500`: default file names a person types back (prune journals).
    public static func fileStamp(_ date: Date) -> String { formatter("yyyyMMdd-HHmmss").string(from: date) }

    /// `2026-02-01T11:00:00Z` for unix seconds, as bytes, by arithmetic (days-from-civil
    /// inverted, proleptic Gregorian, years 0 to 9999): sample data writes one per entity, and
    /// no Foundation formatter is that cheap.
    public static func iso8601(seconds: Int64) -> [UInt8] {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secs = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        var out = [UInt8]()
        out.reserveCapacity(20)
        func two(_ v: Int64) { out.append(48 + UInt8(v / 10)); out.append(48 + UInt8(v % 10)) }
        two(year / 100); two(year % 100); out.append(45); two(month); out.append(45); two(day)
        out.append(84); two(secs / 3_600); out.append(58); two(secs / 60 % 60); out.append(58); two(secs % 60); out.append(90)
        return out
    }

    private static let compactFormatter = formatter("yyyyMMdd'T'HHmmss'Z'")

    private static func formatter(_ format: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = format
        return f
    }
}
