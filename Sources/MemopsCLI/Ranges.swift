import ArgumentParser

/// One rule for every numeric option: a value outside its range (nan, inf, negative, absurdly
/// large) is a usage error naming the option, the range and the value, never a trap later.
enum Ranges {
    /// Throws unless `value` lies in `range`; `nil` (option not given) passes.
    static func check<T: Comparable>(_ option: String, _ value: T?, _ range: ClosedRange<T>) throws {
        guard let value, !range.contains(value) else { return }
        throw ValidationError("\(option) must be from \(range.lowerBound) to \(range.upperBound), not \(value)")
    }

    /// Seconds: positive and finite, at most `max` (nan and inf are refused).
    static func seconds(_ option: String, _ value: Double?, max: Double, allowZero: Bool = false) throws {
        guard let value else { return }
        let ok = value.isFinite && (allowZero ? value >= 0 : value > 0) && value <= max
        if !ok {
            throw ValidationError("\(option) takes seconds, \(allowZero ? "0" : "more than 0") to \(Int(max)), not \(value)")
        }
    }

    /// `--rate`: commands per second, more than 0 and at most a million (nan and inf refused).
    static func rate(_ value: Double?) throws {
        guard let value, !(value > 0 && value <= 1_000_000) else { return }
        throw ValidationError("--rate must be more than 0 and at most 1000000, not \(value)")
    }

    /// A fraction from 0 up to but not including 1.
    static func fraction(_ option: String, _ value: Double) throws {
        guard !(value >= 0 && value < 1) else { return }
        throw ValidationError("\(option) is a fraction from 0 to below 1, not \(value)")
    }

    /// A week, the longest any wait memops does may sensibly take.
    static let week: Double = 604_800
}
