/// Checks an RDB as it streams past, without parsing it: the header (magic and version), the
/// EOF opcode and the CRC64 trailer. Fed every byte in order, it holds back only the last nine,
/// so memory stays flat and the bytes can go on to zstd and the disk at the same time.
///
/// From RDB 5 on a file ends with the EOF opcode (0xFF) and the CRC64 of everything before the
/// checksum, little-endian; 8 zero bytes mean the server ran with `rdbchecksum no`.
public struct ShallowCheck: Sendable {
    /// What a complete check found.
    public struct Result: Sendable, Equatable {
        public var header: RDBHeader
        public var byteCount: UInt64
        /// The CRC64 stored in the trailer, or nil when the file has none (RDB < 5) or it is
        /// disabled (8 zero bytes).
        public var checksum: UInt64?
        /// True when the trailer held 8 zero bytes: nothing could be checked.
        public var checksumDisabled: Bool
    }

    private var crc = CRC64()
    private var headerBytes: [UInt8] = []
    private var tail: [UInt8] = []
    public private(set) var byteCount: UInt64 = 0
    private var headerError: RDBHeaderError?
    /// The last byte that went into the CRC: at the end, the one just before the trailer.
    private var lastCRCByte: UInt8?

    /// The number of trailing bytes withheld from the CRC until the end is known:
    /// the EOF opcode is part of the checksummed bytes, the 8-byte checksum is not.
    static let heldBack = 8

    /// Whether to compute the CRC64 and compare it with the trailer. A caller that runs the full
    /// RDB reader over the same bytes passes false: the reader checks the CRC itself.
    public let verifiesChecksum: Bool

    public init(verifiesChecksum: Bool = true) {
        self.verifiesChecksum = verifiesChecksum
    }

    /// The header, once nine bytes have been seen; throws if they are not an RDB header.
    public func header() throws(RDBHeaderError) -> RDBHeader? {
        if let headerError { throw headerError }
        guard headerBytes.count == RDBHeader.size else { return nil }
        return try RDBHeader(bytes: headerBytes)
    }

    /// Feeds the next bytes of the file.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        byteCount += UInt64(bytes.count)
        if headerBytes.count < RDBHeader.size {
            headerBytes.append(contentsOf: bytes.prefix(RDBHeader.size - headerBytes.count))
            if headerBytes.count == RDBHeader.size {
                do throws(RDBHeaderError) { _ = try RDBHeader(bytes: headerBytes) } catch { headerError = error }
            }
        }
        // CRC everything except the newest `heldBack` bytes, which may be the checksum itself.
        let total = tail.count + bytes.count
        if total <= ShallowCheck.heldBack {
            tail.append(contentsOf: bytes)
            return
        }
        let release = total - ShallowCheck.heldBack
        let fromTail = min(release, tail.count)
        if fromTail > 0 {
            if verifiesChecksum { crc.update(tail[0..<fromTail]) }
            lastCRCByte = tail[fromTail - 1]
            tail.removeFirst(fromTail)
        }
        let fromBytes = release - fromTail
        if fromBytes > 0 {
            if verifiesChecksum { crc.update(UnsafeRawBufferPointer(rebasing: bytes[0..<fromBytes])) }
            lastCRCByte = bytes[fromBytes - 1]
        }
        tail.append(contentsOf: bytes[fromBytes...])
    }

    /// Feeds the next bytes of the file.
    public mutating func consume(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { consume($0) }
    }

    /// Judges the whole file once every byte has been consumed.
    public func finish() throws(ShallowCheckError) -> Result {
        let header: RDBHeader
        do throws(RDBHeaderError) {
            guard let h = try self.header() else { throw .truncated(headerBytes.count) }
            header = h
        } catch {
            throw .header(error)
        }
        if header.flavor == .redis && header.version < 5 {
            // No checksum before RDB 5: the file simply ends with the EOF opcode.
            guard tail.last == RDBOpcode.eof else { throw .missingEOF(byteCount) }
            return Result(header: header, byteCount: byteCount, checksum: nil, checksumDisabled: false)
        }
        guard byteCount >= UInt64(RDBHeader.size + 1 + ShallowCheck.heldBack), tail.count == ShallowCheck.heldBack else {
            throw .truncatedTrailer(byteCount)
        }
        var stored: UInt64 = 0
        for (i, b) in tail.enumerated() { stored |= UInt64(b) << (8 * UInt64(i)) }
        // The byte before the checksum must be the EOF opcode.
        guard lastCRCByte == RDBOpcode.eof else { throw .missingEOF(byteCount) }
        if stored == 0 {
            return Result(header: header, byteCount: byteCount, checksum: nil, checksumDisabled: true)
        }
        guard !verifiesChecksum || stored == crc.value else { throw .checksumMismatch(stored: stored, computed: crc.value) }
        return Result(header: header, byteCount: byteCount, checksum: stored, checksumDisabled: false)
    }
}

/// Why a stream is not a complete, intact RDB file.
public enum ShallowCheckError: Error, Equatable, Sendable, CustomStringConvertible {
    case header(RDBHeaderError)
    case truncatedTrailer(UInt64)
    case missingEOF(UInt64)
    case checksumMismatch(stored: UInt64, computed: UInt64)

    public var description: String {
        switch self {
        case .header(let e): return e.description
        case .truncatedTrailer(let n): return "truncated: \(n) bytes is too short to end with the EOF opcode and a CRC64"
        case .missingEOF(let n): return "truncated or torn: the EOF opcode is not where the file ends (\(n) bytes)"
        case .checksumMismatch(let stored, let computed):
            return "CRC64 mismatch: the trailer says \(hex(stored)), the content gives \(hex(computed))"
        }
    }
}

func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
