import ArgumentParser
import Foundation
import MemopsCore

extension MemopsCommand {
    /// `memops audit`: does the keyspace follow the schema?
    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every key against the schema: names, types, TTLs, fields, references, streams, heartbeats.",
            discussion: """
                Live, the keyspace is walked with SCAN (never KEYS) and one pipeline of O(1) commands per batch \
                (TYPE, PTTL, MEMORY USAGE … SAMPLES n, HSTRLEN, ZSCORE, XINFO); index members are walked with \
                ZSCAN/SSCAN/HSCAN and checked with pipelined EXISTS. --rate caps the commands per second. With \
                --from-backup FILE (.rdb or .rdb.zst) the same checks run on a backup and the server is not touched.

                On a Redis Cluster (any node's address) every primary is scanned, each reference is checked on the \
                shard that holds the other key, and each finding names its node (--node-only audits the node given \
                alone). Behind Sentinel (-u redis-sentinel://… or --sentinel/--master-name) the master is audited.

                OUTPUT
                  A summary per pattern (keys, memory, TTLs, findings, biggest keys) on stdout and findings on \
                stderr as `key: severity: [AUDxxx] message`; --format json or sarif prints one document on stdout.

                RULES
                  AUD001 no pattern, AUD002 bad name, AUD003 wrong type, AUD004 TTL missing, AUD005 TTL too long, \
                AUD006 TTL forbidden, AUD007 field missing, AUD008 field size, AUD009 dangling index member, AUD010 \
                missing from index, AUD011 stream too long, AUD012 group missing, AUD013 too many pending, AUD014 idle \
                consumer, AUD015 stream not trimmed, AUD016 stale heartbeat.

                EXIT STATUS
                  0   no finding at or above --fail-on
                  1   findings at or above --fail-on

                \(MemopsCommand.aclSection(.audit))
                """,
            // -h is --host here, as in redis-cli; help stays --help.
            helpNames: [.long]
        )

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var schema: SchemaOption

        @Option(help: "SCAN COUNT and pipeline batch size (small keeps each SCAN short for the server's other clients).")
        var count = AuditOptions.defaultCount

        @Option(help: ArgumentHelp("At most this many commands per second.", valueName: "ops"))
        var rate: Double?

        @Option(name: .customLong("match"), help: ArgumentHelp("Audit only keys matching this SCAN glob.", valueName: "glob"))
        var match: String?

        @Option(help: "Biggest keys shown per pattern.")
        var top = 3

        @Option(name: .customLong("from-backup"), help: ArgumentHelp("Audit this backup (.rdb or .rdb.zst) instead of a server.", valueName: "file"))
        var fromBackup: String?

        @Option(help: "Output: text (summary on stdout, findings on stderr), json or sarif (stdout).")
        var format: OutputFormat = .text

        @Option(name: .customLong(CLIFlag.failOn.rawValue), help: "Exit 1 when a finding is at or above this severity.")
        var failOn: SeverityOption = .warning

        func validate() throws {
            try Ranges.check("--count", count, 1...100_000)
            try Ranges.rate(rate)
            try Ranges.check("--top", top, 0...100_000)
        }

        func run() throws {
            let schema = try self.schema.load()
            let options = AuditOptions(count: count, rate: rate, topN: top, match: match)
            let report: AuditReport
            if let fromBackup {
                report = try BackupAudit(path: fromBackup, schema: schema, options: options, db: connection.db ?? 0).run()
            } else {
                report = try connection.withFailover { deployment in
                    let audit = try deployment.stableCluster().map { try LiveAudit(cluster: $0, schema: schema, options: options) }
                        ?? LiveAudit(connection: try RedisConnection(deployment.base), schema: schema, options: options)
                    let bar = ProgressBar("audit:")
                    defer { bar.finish() }
                    return try audit.run { n in
                        bar.update(count: n, of: "keys")
                    }
                }
            }
            switch format {
            case .text:
                Terminal.write(AuditOutput.table(report, top: top))
                let color = DiagnosticPrinter.colorAllowed(isTTY: Terminal.stderrIsTTY)
                Terminal.writeErr(DiagnosticPrinter.text(report.diagnostics, color: color, source: nil))
            case .json:
                Terminal.write(AuditOutput.json(report))
            case .sarif:
                Terminal.write(DiagnosticPrinter.sarif(report.diagnostics, rules: AuditRule.descriptors))
            }
            if report.diagnostics.contains(where: { $0.severity >= failOn.value }) { throw ExitCode(ExitStatus.findings.rawValue) }
        }
    }
}

/// Renders an audit report for people (a table) and machines (JSON).
enum AuditOutput {
    /// One row per pattern, the biggest keys, and a findings count by rule.
    static func table(_ report: AuditReport, top: Int) -> String {
        var rows = [["PATTERN", "KEYS", report.memoryIsRecordSize ? "RDB BYTES" : "MEMORY", "MEAN", "TTL",
                     "TTL MIN/MEAN/MAX", "TTL " + PatternStats.ttlBucketLabels.joined(separator: "/"), "FINDINGS"]]
        for p in report.patterns {
            let ttl = p.withTTL == 0 ? "-" : "\(p.ttlMinSeconds!)s/\(p.ttlMeanSeconds!)s/\(p.ttlMaxSeconds!)s"
            let buckets = p.withTTL == 0 ? "-" : p.ttlBuckets.map(String.init).joined(separator: "/")
            rows.append([p.pattern, "\(p.keys)", Format.bytes(UInt64(p.memory)), Format.bytes(UInt64(p.memoryMean)), "\(p.withTTL)", ttl, buckets,
                         "\(p.findings)"])
        }
        var out = Format.table(rows)
        if top > 0 {
            var big = [["PATTERN", "BIGGEST KEYS"]]
            for p in report.patterns where !p.biggest.isEmpty {
                big.append([p.pattern, p.biggest.map { "\($0.key) (\(Format.bytes(UInt64($0.bytes))))" }.joined(separator: ", ")])
            }
            if big.count > 1 { out += "\n" + Format.table(big) }
        }
        var byRule: [String: Int] = [:]
        for d in report.diagnostics { byRule[d.rule, default: 0] += 1 }
        let rules = byRule.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        out += "\n\(report.keysScanned) keys in \(String(format: "%.1f", report.seconds)) s; \(report.diagnostics.count) findings\(rules.isEmpty ? "" : " (\(rules))")\n"
        return out
    }

    /// `{keysScanned, seconds, patterns: [...], diagnostics: [...]}` with sorted keys.
    static func json(_ report: AuditReport) -> String {
        struct Document: Encodable {
            var keysScanned: Int
            var seconds: Double
            var memory: String
            var patterns: [PatternStats]
            var diagnostics: [Diagnostic]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let doc = Document(keysScanned: report.keysScanned, seconds: report.seconds, memory: report.memoryIsRecordSize ? "rdb-record-bytes" : "memory-usage", patterns: report.patterns, diagnostics: report.diagnostics)
        return ((try? encoder.encode(doc)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}
