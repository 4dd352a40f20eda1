/// SplitMix64: a tiny deterministic generator, so every randomised test run (fuzzing,
/// mutation, generated data) draws the same values and a failure can be replayed.
public struct SeededRandom: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array where Element == UInt8 {
    /// One random edit, as the parser tests mutate config lines: a byte of `alphabet` inserted
    /// at a random place, or put over the byte there, or that byte removed.
    public mutating func mutateOnce(from alphabet: [UInt8], using rng: inout SeededRandom) {
        let pos = Int.random(in: 0...count, using: &rng)
        let byte = alphabet.randomElement(using: &rng)!
        switch Int.random(in: 0..<3, using: &rng) {
        case 0: insert(byte, at: pos)
        case 1 where pos < count: self[pos] = byte
        default: if pos < count { remove(at: pos) }
        }
    }
}
