import Foundation
import MemopsCore

/// A one-line progress bar on stderr, drawn only when stderr is a terminal and at most ten
/// times a second; cron and pipes see nothing.
final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private var lastDraw = Date.distantPast
    private let started = Date()
    /// Clears the bar if the run is interrupted while it is drawn.
    private var interruptCleanup: Interruption.Token?

    init(_ label: String, enabled: Bool = Terminal.stderrIsTTY) {
        self.label = label
        self.enabled = enabled
    }

    func update(done: UInt64, total: UInt64?) {
        guard enabled, Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = Date()
        let rate = Double(done) / max(Date().timeIntervalSince(started), 0.001)
        var line = "\(label) \(Format.bytes(done))"
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line = "\(label) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(Int(fraction * 100))% \(Format.bytes(done))/\(Format.bytes(total))"
        }
        line += " \(Format.bytes(UInt64(rate)))/s"
        draw(line)
    }

    /// Draws `count` after the label (`audit: 5000 keys`), every time it is called: for work
    /// counted in items, not bytes, and reported once per batch.
    func update(count: Int, of unit: String) {
        guard enabled else { return }
        lastDraw = Date()
        draw("\(label) \(count) \(unit)")
    }

    /// Clears the bar if it was drawn.
    func finish() {
        if let interruptCleanup { Interruption.shared.remove(interruptCleanup) }
        interruptCleanup = nil
        guard enabled, lastDraw != .distantPast else { return }
        Terminal.writeErr(Self.clearLine)
    }

    /// Replaces the line on the terminal with `line`.
    private func draw(_ line: String) {
        if interruptCleanup == nil {
            interruptCleanup = Interruption.shared.onInterrupt { _ in Terminal.writeErr(Self.clearLine) }
        }
        Terminal.writeErr(Self.clearLine + line)
    }

    /// Back to the start of the line, then erase it (ECMA-48 CR and EL).
    private static let clearLine = "\r\u{1b}[K"
}

/// Human-readable numbers for tables.
enum Format {
    static func bytes(_ n: UInt64) -> String {
        MemoryUnits.short(n)
    }

    static func time(_ date: Date) -> String {
        UTCTime.readable(date)
    }

    /// Pads columns to their widest cell; the first row is the header.
    static func table(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
