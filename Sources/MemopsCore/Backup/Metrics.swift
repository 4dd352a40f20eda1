import Foundation

/// Prometheus textfile-collector metrics for the nightly backup, written atomically so that
/// node_exporter never reads half a file. The last success time survives failed runs.
public struct BackupMetrics: Sendable {
    public var prefix: String
    public var exitStatus: Int32
    public var runAt: Date
    public var durationSeconds: Double
    public var lastSuccess: Date?
    public var rawBytes: UInt64?
    public var compressedBytes: UInt64?

    public init(prefix: String, exitStatus: Int32, runAt: Date, durationSeconds: Double, lastSuccess: Date?, rawBytes: UInt64?, compressedBytes: UInt64?) {
        self.prefix = prefix
        self.exitStatus = exitStatus
        self.runAt = runAt
        self.durationSeconds = durationSeconds
        self.lastSuccess = lastSuccess
        self.rawBytes = rawBytes
        self.compressedBytes = compressedBytes
    }

    /// The text exposition format.
    public func render() -> String {
        let label = "{prefix=\"\(prefix.replacingOccurrences(of: "\"", with: "\\\""))\"}"
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ value: String?) {
            guard let value else { return }
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            lines.append("\(name)\(label) \(value)")
        }
        metric("memops_backup_last_run_timestamp_seconds", "Unix time the last backup run ended.", String(Int(runAt.timeIntervalSince1970)))
        metric("memops_backup_last_exit_status", "Exit status of the last backup run (0 is success).", String(exitStatus))
        metric("memops_backup_last_success_timestamp_seconds", "Unix time of the last successful backup.", lastSuccess.map { String(Int($0.timeIntervalSince1970)) })
        metric("memops_backup_duration_seconds", "Duration of the last backup run.", String(format: "%.3f", durationSeconds))
        metric("memops_backup_raw_bytes", "Size of the last successful backup's RDB.", rawBytes.map { String($0) })
        metric("memops_backup_compressed_bytes", "Size of the last successful backup as stored.", compressedBytes.map { String($0) })
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads the previous file's values that a failed run must carry over.
    public static func previous(at path: String) -> (lastSuccess: Date?, raw: UInt64?, compressed: UInt64?) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return (nil, nil, nil) }
        func value(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(name + "{") }?.split(separator: " ").last.map(String.init)
        }
        return (
            value("memops_backup_last_success_timestamp_seconds").flatMap(Double.init).map { Date(timeIntervalSince1970: $0) },
            value("memops_backup_raw_bytes").flatMap { UInt64($0) },
            value("memops_backup_compressed_bytes").flatMap { UInt64($0) }
        )
    }

    public func write(to path: String) throws {
        try writeAtomically(Array(render().utf8), to: path, mode: 0o644)
    }
}
