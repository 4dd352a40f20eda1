import Foundation

/// Caps commands per second: after each batch, sleeps until the commands sent so far fit the
/// rate. No rate means no waiting.
public struct RateLimiter: Sendable {
    public let opsPerSecond: Double?
    private let started = Date()
    private var ops = 0

    public init(opsPerSecond: Double?) { self.opsPerSecond = opsPerSecond }

    /// Accounts `n` commands just sent and sleeps as long as the rate requires.
    public mutating func spent(_ n: Int) {
        ops += n
        guard let rate = opsPerSecond, rate > 0 else { return }
        let ahead = Double(ops) / rate - Date().timeIntervalSince(started)
        if ahead > 0 { Thread.sleep(forTimeInterval: ahead) }
    }
}
