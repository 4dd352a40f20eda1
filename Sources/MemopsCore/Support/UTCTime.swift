import Foundation

/// The ways memops writes a moment, all in UTC: one formatter each, made once.
public enum UTCTime {
    /// `20261126T021500Z`: backup names and quarantine suffixes (sortable, no separators).
    public static func compact(_ date: Date) -> String { compactFormatter.string(from: date) }

    /// The moment in a `compact` stamp, or nil when it is not one.
    public static func parseCompact(_ text: String) -> Date? { compactFormatter.date(from: text) }

    /// `2026-11-26 02:15:00Z`: tables for people.
    public static func readable(_ date: Date) -> String { formatter("yyyy-MM-dd HH:mm:ss'Z'").string(from: date) }

    /// `2026-11-26T02:15:00Z`: messages and lock notes.
    public static func iso8601(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// `20261126-021500`: default file names a person types back (prune journals).
    public static func fileStamp(_ date: Date) -> String { formatter("yyyyMMdd-HHmmss").string(from: date) }

    private static let compactFormatter = formatter("yyyyMMdd'T'HHmmss'Z'")

    private static func formatter(_ format: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = format
        return f
    }
}
