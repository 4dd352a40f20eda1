/// Lays commands out as RESP arrays of bulk strings (`*argc\r\n$len\r\narg\r\n…`) in one
/// growing byte buffer: the form a pipeline goes onto the socket in, and the format
/// `redis-cli --pipe` reads. Arguments are copied once, from wherever they are, with no
/// per-command allocation; `removeAll()` keeps the capacity for the next batch.
public struct RESPEncoder: Sendable {
    /// The encoded bytes not yet taken.
    public private(set) var bytes: [UInt8] = []
    /// Commands encoded so far: each gets exactly one reply.
    public private(set) var commandCount = 0

    /// An encoder holding `commands`.
    public init(commands: [[[UInt8]]]) {
        self.init()
        for c in commands { append(c) }
    }

    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public var isEmpty: Bool { commandCount == 0 }

    /// Starts a command of `argumentCount` arguments; exactly that many `argument` calls follow.
    public mutating func begin(argumentCount: Int) {
        commandCount += 1
        appendHeader(UInt8(ascii: "*"), argumentCount)
    }

    public mutating func argument(_ value: [UInt8]) {
        value.withUnsafeBytes { argument($0) }
    }

    public mutating func argument(_ value: UnsafeRawBufferPointer) {
        appendHeader(UInt8(ascii: "$"), value.count)
        bytes.append(contentsOf: value.assumingMemoryBound(to: UInt8.self))
        bytes.append(13)
        bytes.append(10)
    }

    /// The `$len\r\n` of an argument whose `length` bytes go to the socket separately (a big
    /// payload, sent in pieces from a spool file); `endArgument()` then ends it.
    public mutating func beginArgument(length: Int) {
        appendHeader(UInt8(ascii: "$"), length)
    }

    /// Bytes as they are, for a piece of an argument begun with `beginArgument(length:)`.
    public mutating func raw(_ value: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: value.assumingMemoryBound(to: UInt8.self))
    }

    /// The `\r\n` after the bytes of an argument begun with `beginArgument(length:)`.
    public mutating func endArgument() {
        bytes.append(13)
        bytes.append(10)
    }

    /// An integer argument, written in decimal.
    public mutating func argument(_ value: Int64) {
        var digits = (UInt64(0), UInt64(0), UInt64(0))  // 24 bytes: enough for any Int64
        withUnsafeMutableBytes(of: &digits) { raw in
            let count = Self.decimal(value, into: raw)
            argument(UnsafeRawBufferPointer(start: raw.baseAddress! + (24 - count), count: count))
        }
    }

    /// One whole command.
    public mutating func append(_ command: [[UInt8]]) {
        begin(argumentCount: command.count)
        for a in command { argument(a) }
    }

    /// The number of bytes `append(command)` adds.
    public static func encodedLength(_ command: [[UInt8]]) -> Int {
        func digits(_ n: Int) -> Int {
            var count = 1
            var v = n
            while v >= 10 {
                v /= 10
                count += 1
            }
            return count
        }
        var length = 3 + digits(command.count)
        for arg in command { length += 5 + digits(arg.count) + arg.count }
        return length
    }

    public mutating func reserveCapacity(_ count: Int) {
        bytes.reserveCapacity(count)
    }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        commandCount = 0
    }

    /// `*N\r\n` or `$N\r\n`, appended in one go.
    private mutating func appendHeader(_ marker: UInt8, _ value: Int) {
        var digits = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &digits) { raw in
            raw[29] = 13
            raw[30] = 10
            let count = Self.decimal(Int64(value), into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<29]))
            raw[28 - count] = marker
            let start = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + (28 - count)
            bytes.append(contentsOf: UnsafeBufferPointer(start: start, count: count + 3))
        }
    }

    /// Writes `value` in decimal at the end of `out` (24 bytes); returns how many bytes it took.
    private static func decimal(_ value: Int64, into out: UnsafeMutableRawBufferPointer) -> Int {
        var magnitude = value.magnitude
        var i = out.count
        repeat {
            i -= 1
            out[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude != 0
        if value < 0 {
            i -= 1
            out[i] = UInt8(ascii: "-")
        }
        return out.count - i
    }
}
