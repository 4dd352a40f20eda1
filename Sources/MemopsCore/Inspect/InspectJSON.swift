import Foundation
import MemopsRDB

/// The JSON `memops inspect` writes, in one place: the summary object (`--json`) and one line
/// per key (`--keys --json`, and the head of each `--values` line). Keys sorted and slashes
/// unescaped in both, so the output is stable from run to run and diffs line by line.
public enum InspectJSON {
    /// The summary object, pretty-printed, and a newline.
    public static func summary(_ summary: RDBSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n"
    }

    /// One key's object on one line, without the newline. A row of strings and numbers always
    /// encodes; `{}` stands in should it ever not.
    public static func line(_ row: KeyRow) -> [UInt8] {
        (try? lineEncoder.encode(row)).map { Array($0) } ?? Array("{}".utf8)
    }

    /// Compact, sorted keys, slashes unescaped. JSONEncoder is safe to share across threads.
    private static let lineEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
