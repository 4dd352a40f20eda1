import MemopsTestSupport
import Testing
@testable import MemopsRDB

/// `lzfValidate` (used when a value is skipped) must accept and refuse exactly what
/// `lzfDecompress` does.
@Suite struct LZFTests {
    /// A random but well-formed LZF stream and its decompressed length.
    func stream(_ rng: inout SeededRandom) -> ([UInt8], Int) {
        var out: [UInt8] = []
        var produced = 0
        for _ in 0..<(1 + rng.next() % 40) {
            if produced == 0 || rng.next() % 2 == 0 {
                let len = Int(1 + rng.next() % 32)
                out.append(UInt8(len - 1))
                for _ in 0..<len { out.append(UInt8(truncatingIfNeeded: rng.next())) }
                produced += len
            } else {
                let len = Int(rng.next() % 20) + 3  // 3…22 bytes
                let distance = Int(rng.next() % UInt64(min(produced, 8191))) + 1
                let l = len - 2
                if l < 7 {
                    out.append(UInt8(l << 5 | (distance - 1) >> 8))
                } else {
                    out.append(UInt8(7 << 5 | (distance - 1) >> 8))
                    out.append(UInt8(l - 7))
                }
                out.append(UInt8((distance - 1) & 0xff))
                produced += len
            }
        }
        return (out, produced)
    }

    @Test func validationAgreesWithDecompression() {
        var rng = SeededRandom(state: 42)
        var refused = 0
        for round in 0..<3000 {
            var (data, length) = stream(&rng)
            if round % 3 != 0 {
                // Damage it: a flipped byte, a cut, or a wrong declared length.
                switch rng.next() % 3 {
                case 0: data[Int(rng.next() % UInt64(data.count))] ^= UInt8(truncatingIfNeeded: 1 + rng.next() % 255)
                case 1: data.removeLast(Int(rng.next() % UInt64(data.count)))
                default: length += Int(rng.next() % 5) - 2
                }
            }
            let decompressed = Result { () throws(BlobError) in try lzfDecompress(data, outputLength: max(0, length)) }
            let validated = Result { () throws(BlobError) in try lzfValidate(data, outputLength: max(0, length)) }
            #expect((try? decompressed.get()) != nil ? (try? validated.get()) != nil : (try? validated.get()) == nil,
                    "round \(round): decompress and validate disagree")
            if (try? decompressed.get()) == nil { refused += 1 }
        }
        #expect(refused > 500, "the damage must be caught often enough to mean something")
    }
}

/// The decompressor copies in wide words: its output must match a byte-at-a-time reference on
/// streams with every kind of overlap (distances 1…40) and runs up to 264 bytes.
@Suite struct LZFWideCopyTests {
    static func reference(_ input: [UInt8], _ outputLength: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var ip = 0
        while ip < input.count {
            let ctrl = Int(input[ip]); ip += 1
            if ctrl < 32 {
                guard ip + ctrl + 1 <= input.count else { return nil }
                out += input[ip ..< ip + ctrl + 1]; ip += ctrl + 1
            } else {
                var len = ctrl >> 5
                if len == 7 { guard ip < input.count else { return nil }; len += Int(input[ip]); ip += 1 }
                guard ip < input.count else { return nil }
                let ref = out.count - ((ctrl & 0x1F) << 8) - 1 - Int(input[ip]); ip += 1
                guard ref >= 0 else { return nil }
                for k in 0 ..< len + 2 { out.append(out[ref + k]) }
            }
            if out.count > outputLength { return nil }
        }
        return out.count == outputLength ? out : nil
    }

    @Test func matchesByteAtATimeReference() {
        var rng = SeededRandom(state: 7)
        for round in 0..<2000 {
            var data: [UInt8] = []
            var produced = 0
            for _ in 0..<(1 + rng.next() % 60) {
                if produced == 0 || rng.next() % 3 == 0 {
                    let len = Int(1 + rng.next() % 32)
                    data.append(UInt8(len - 1))
                    for _ in 0..<len { data.append(UInt8(truncatingIfNeeded: rng.next())) }
                    produced += len
                } else {
                    let len = rng.next() % 4 == 0 ? Int(rng.next() % 262) + 3 : Int(rng.next() % 20) + 3
                    let distance = Int(rng.next() % UInt64(min(produced, rng.next() % 2 == 0 ? 40 : 8191))) + 1
                    let l = len - 2
                    if l < 7 {
                        data.append(UInt8(l << 5 | (distance - 1) >> 8))
                    } else {
                        data.append(UInt8(7 << 5 | (distance - 1) >> 8))
                        data.append(UInt8(l - 7))
                    }
                    data.append(UInt8((distance - 1) & 0xff))
                    produced += len
                }
            }
            let expected = Self.reference(data, produced)
            #expect(expected != nil, "round \(round): the generator makes valid streams")
            #expect((try? lzfDecompress(data, outputLength: produced)) == expected, "round \(round)")
        }
    }
}
