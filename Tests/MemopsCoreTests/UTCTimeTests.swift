import Foundation
import Testing
@testable import MemopsCore

/// memops' ISO 8601 writer and reader are inverses over the whole range a manifest can hold.
@Suite struct UTCTimeTests {
    @Test func writerAndReaderAreInverses() {
        // Year 1 to 9999, with the days around the Julian/Gregorian switch of 1582 and leap days.
        var seconds: [Int64] = [-62_135_596_800, -12_219_292_800, -12_219_292_801, 0, 951_782_400, 253_402_300_799]
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            seconds.append(-62_135_596_800 + Int64(x >> 1 % 315_537_897_599))
        }
        for s in seconds where s >= -62_135_596_800 && s <= 253_402_300_799 {
            let text = String(decoding: UTCTime.iso8601(seconds: s), as: UTF8.self)
            #expect(UTCTime.parseISO8601(text) == Date(timeIntervalSince1970: Double(s)), "\(s) → \(text)")
        }
        #expect(UTCTime.parseISO8601("1582-10-10T00:00:00Z") != nil)  // a day the Julian switch skipped
        for bad in ["2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:0.1Z", "2026-01-01 00:00:00Z"] {
            #expect(UTCTime.parseISO8601(bad) == nil, "\(bad)")
        }
    }
}
