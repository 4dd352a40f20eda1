import ArgumentParser
import Foundation
import MemopsCore
import MemopsRDB

extension MemopsCommand {
    /// `memops inspect`: what is inside a backup or an RDB file.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Show what a backup or RDB file holds: version, aux fields, functions, keys by type and encoding, biggest keys.",
            discussion: """
                Reads .rdb and .rdb.zst files (by content, not name) and standard input ("-"), in one \\
                streaming pass with flat memory; every structure is validated on the way, so a corrupt \\
                file exits 6 with the byte offset and key.

                --json prints the summary object: flavor ("redis"/"valkey"), version, aux ([name, value] \\
                pairs in file order), functions ({name, engine, codeBytes}), modules, databases (by number: \\
                keys, expires, alreadyExpired, resizeHint, keysByType, keysByEncoding, bytesByType, \\
                elementsByType), biggestKeys ({db, key (bytes), type, encoding, elements, bytes, expireAtMs}), \\
                checksum, fileBytes. With --keys, JSON lines instead: {db, key, type, encoding, elements, \\
                bytes, expireAtMs, ttlMs} and, with --values, "value", written element by element so memory \\
                stays flat for a key of any size (a value's JSON over 1 MiB waits in an unnamed temporary \\
                file in $TMPDIR, else /tmp, until its line is written).

                \\(MemopsCommand.exitCodeTable)
                """
        )

        @Argument(help: ArgumentHelp("A backup (.rdb.zst), an RDB file, or - for standard input.", valueName: "file"))
        var file: String

        @Flag(help: "List keys (type, encoding, elements, serialized bytes, TTL) instead of the summary.")
        var keys = false

        @Option(help: ArgumentHelp("With --keys: only keys matching this glob (redis syntax).", valueName: "glob"))
        var pattern: String?

        @Option(help: ArgumentHelp("With --keys: only this database.", valueName: "n"))
        var db: Int?

        @Option(help: "How many of the biggest keys to show.")
        var top = 10

        @Flag(help: "With --keys: include each key's value (elements) in the JSON output.")
        var values = false

        @Flag(help: "JSON output (stable schema: see the discussion).")
        var json = false

        func validate() throws {
            if (pattern != nil || db != nil || values) && !keys { throw ValidationError("--pattern, --db and --values go with --keys") }
            if values && !json { throw ValidationError("--values needs --json (values are printed as JSON)") }
            if top < 0 { throw ValidationError("--top must be 0 or more") }
        }

        func run() throws {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let source = try InspectInput.open(file)
            if keys {
                try listKeys(source, now: now)
                return
            }
            let summary = try InspectInput.reading(file) { try RDBSummary.read(source, now: now, top: top) }
            if json {
                Terminal.write(try InspectJSON.summary(summary))
            } else {
                Terminal.write(InspectReport.text(summary, file: file))
            }
        }

        private func listKeys(_ source: ByteSource, now: Int64) throws {
            if values {
                // Written as read, element by element: memory stays flat whatever the key's size.
                var lister = KeyValueJSONLister(db: db, pattern: pattern.map(Glob.init), now: now,
                                                write: { Terminal.write(bytes: $0) },
                                                warn: { Terminal.warning($0) })
                _ = try InspectInput.reading(file) { try readRDB(source, into: &lister) }
                return
            }
            var rows = [["DB", "KEY", "TYPE", "ENCODING", "ELEMENTS", "BYTES", "TTL"]]
            var lister = KeyLister(db: db, pattern: pattern.map(Glob.init), now: now, values: false) { row, _ in
                if json {
                    (InspectJSON.line(row) + [UInt8(ascii: "\n")]).withUnsafeBytes { Terminal.write(bytes: $0) }
                } else {
                    rows.append([String(row.db), row.key, row.type, row.encoding, String(row.elements), String(row.bytes), row.ttlMs.map(InspectReport.ttl) ?? "-"])
                    if rows.count >= 1000 {
                        Terminal.write(Format.table(rows))
                        rows = [rows[0]]
                    }
                }
            }
            _ = try InspectInput.reading(file) { try readRDB(source, into: &lister) }
            if !json && rows.count > 1 { Terminal.write(Format.table(rows)) }
        }
    }
}

/// Opening and reading an RDB for inspection, with memops' errors.
enum InspectInput {
    static func open(_ file: String) throws -> ByteSource {
        if file != "-" && !FileManager.default.fileExists(atPath: file) {
            throw VerificationError.missing("\(file) does not exist; name a backup (.rdb.zst), an RDB file, or - for standard input")
        }
        return try openRDB(path: file)
    }

    /// Runs a read, turning a corrupt file into exit 6 with the file's name.
    static func reading<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RDBError {
            throw VerificationError.corrupt(file: file, reason: error.description)
        } catch let error as ZstdError {
            throw VerificationError.corrupt(file: file, reason: "damaged zstd stream: \(error)")
        }
    }
}

/// The people-readable summary of `memops inspect`.
enum InspectReport {
    static func text(_ s: RDBSummary, file: String) -> String {
        var out = "\(file): \(s.flavor == .valkey ? "VALKEY" : "REDIS") RDB version \(s.version), \(Format.bytes(UInt64(s.fileBytes))), checksum \(s.checksum)\n"
        if !s.aux.isEmpty {
            out += "aux:\n"
            for pair in s.aux where pair.count == 2 {
                var value = pair[1]
                if pair[0] == "ctime", let t = Double(value) { value += " (\(Format.time(Date(timeIntervalSince1970: t))))" }
                if pair[0] == "used-mem", let n = UInt64(value) { value += " (\(Format.bytes(n)))" }
                out += "  \(pair[0].padding(toLength: 14, withPad: " ", startingAt: 0)) \(value)\n"
            }
        }
        if !s.functions.isEmpty {
            out += "functions: " + s.functions.map { "\($0.name) (\($0.engine), \($0.codeBytes) B)" }.joined(separator: ", ") + "\n"
        }
        if !s.modules.isEmpty { out += "modules: \(s.modules.joined(separator: ", "))\n" }
        out += "keys: \(s.totalKeys), with TTL \(s.totalExpires), already expired \(s.totalAlreadyExpired)\n"
        for db in s.databases.keys.sorted() {
            let d = s.databases[db]!
            out += "db\(db): \(d.keys) keys, \(d.expires) with TTL, \(d.alreadyExpired) already expired\n"
            var rows = [["  TYPE", "KEYS", "ELEMENTS", "BYTES"]]
            for type in d.keysByType.keys.sorted() {
                rows.append(["  " + type, String(d.keysByType[type] ?? 0), String(d.elementsByType[type] ?? 0), Format.bytes(UInt64(d.bytesByType[type] ?? 0))])
            }
            out += Format.table(rows)
            out += "  by encoding: " + d.keysByEncoding.keys.sorted().map { "\($0) \(d.keysByEncoding[$0]!)" }.joined(separator: ", ") + "\n"
        }
        if !s.biggestKeys.isEmpty {
            out += "biggest keys:\n"
            var rows = [["  DB", "KEY", "TYPE", "ENCODING", "ELEMENTS", "BYTES"]]
            for k in s.biggestKeys {
                rows.append(["  \(k.db)", k.keyText, k.type.rawValue, k.encoding.rawValue, String(k.elements), Format.bytes(UInt64(k.bytes))])
            }
            out += Format.table(rows)
        }
        return out
    }

    static func ttl(_ ms: Int64) -> String {
        if ms < 0 { return "expired" }
        let s = ms / 1000
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }
}
