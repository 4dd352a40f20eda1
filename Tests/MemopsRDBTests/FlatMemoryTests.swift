import Foundation
import Testing
@testable import MemopsRDB

/// An RDB generated on the fly, never whole in memory: a set of `members` members (hashtable
/// encoding, one string per member) and a string of `stringBytes` bytes.
struct SyntheticSource: ByteSource {
    let members: Int
    let stringBytes: Int
    private var pending: [UInt8] = []
    private var stage = 0
    private var next = 0

    init(members: Int, stringBytes: Int) {
        self.members = members
        self.stringBytes = stringBytes
        pending = Array("REDIS0010".utf8) + [0xFE, 0x00, 0x02, 0x03] + Array("set".utf8) + SyntheticSource.length(members)
    }

    static func length(_ n: Int) -> [UInt8] {
        if n < 64 { return [UInt8(n)] }
        if n < 16384 { return [0x40 | UInt8(n >> 8), UInt8(n & 0xFF)] }
        return [0x80, UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while pending.count < buffer.count {
            switch stage {
            case 0 where next < members:
                let m = Array("member:\(next)".utf8)
                pending += SyntheticSource.length(m.count) + m
                next += 1
            case 0:
                pending += [0x00, 0x03] + Array("big".utf8) + SyntheticSource.length(stringBytes)
                stage = 1
                next = 0
            case 1 where next < stringBytes:
                let k = min(1 << 16, stringBytes - next)
                pending += [UInt8](repeating: UInt8(truncatingIfNeeded: next >> 16), count: k)
                next += k
            case 1:
                pending += [0xFF] + [UInt8](repeating: 0, count: 8)
                stage = 2
            default:
                break
            }
            if stage == 2 { break }
        }
        let n = min(buffer.count, pending.count)
        pending.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
        pending.removeFirst(n)
        return n
    }
}

/// Counts what a visitor sees without keeping it.
struct Counter: RDBVisitor {
    var members = 0
    var stringBytes = 0
    var summaries: [Int] = []
    mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) { members += 1 }
    mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) {
        #expect(offset == stringBytes)
        stringBytes += chunk.count
    }
    mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) { summaries.append(summary.elementCount) }
}

/// Peak resident memory of this process, in KiB (Linux /proc/self/status VmHWM).
func peakRSS() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return -1 }
    return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
}

@Suite(.serialized) struct FlatMemoryTests {
    /// Three million members and a 200 MB string go through with memory flat: the reader never
    /// holds a collection's elements nor a whole plain string.
    @Test func bigKeysDoNotGrowMemory() throws {
        // Writing 5 to clear_refs resets the peak (proc(5)), so the measure is this test's.
        try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let before = peakRSS()
        #expect(before > 0)
        var v = Counter()
        let members = 3_000_000
        let bytes = 200 << 20
        try RDBReader(SyntheticSource(members: members, stringBytes: bytes)).read(into: &v)
        #expect(v.members == members)
        #expect(v.stringBytes == bytes)
        #expect(v.summaries == [members, bytes])
        let grown = peakRSS() - before
        // Other suites run in parallel in this process, hence the margin; holding the members
        // alone would take over 200 MB.
        #expect(grown < 100 * 1024, "peak RSS grew by \(grown) KiB")
    }
}
