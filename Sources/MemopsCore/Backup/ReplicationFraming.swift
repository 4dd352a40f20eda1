/// The two framing rules of a replica's full sync, as bytes in and bytes out, apart from any
/// socket: what `ReplicationSource` applies to the connection and the fuzz target applies to
/// arbitrary input.

/// The line a master sends before the RDB: `$<length>` or the diskless `$EOF:<40-byte mark>`
/// (replication.c `readSyncBulkPayload`), after any bare newlines it sends while it prepares.
public enum ReplicationPayloadHeader: Equatable, Sendable {
    case length(UInt64)
    case endMark([UInt8])
    /// An error reply (`-ERR …`, `-NOPERM …`) instead of a payload.
    case refused(String)

    /// The length of the diskless end mark (`RDB_EOF_MARK_SIZE` in redis' rdb.h).
    public static let markSize = 40
    /// The longest header line read before the reply is called malformed.
    public static let maximumLineLength = 1024

    public enum Failure: Error, Equatable, Sendable {
        case tooLong
        case notAPayload(String)
    }

    /// Reads the header a byte at a time, so that nothing of the payload after it is consumed.
    public struct LineReader: Sendable {
        private var line: [UInt8] = []
        public init() {}

        /// Takes one byte; returns the header once its line is complete.
        public mutating func feed(_ byte: UInt8) throws(Failure) -> ReplicationPayloadHeader? {
            if byte == 0x0a {
                if line.isEmpty { return nil }  // a keep-alive newline
                defer { line.removeAll() }
                return try ReplicationPayloadHeader.parse(line: line)
            }
            if byte != 0x0d { line.append(byte) }
            guard line.count < ReplicationPayloadHeader.maximumLineLength else { throw .tooLong }
            return nil
        }
    }

    /// One header line, without its CR LF.
    public static func parse(line: [UInt8]) throws(Failure) -> ReplicationPayloadHeader {
        let text = String(decoding: line, as: UTF8.self)
        if line.first == UInt8(ascii: "-") { return .refused(String(text.dropFirst())) }
        if line.starts(with: Array("$EOF:".utf8)), line.count >= 5 + markSize {
            return .endMark(Array(line[5..<(5 + markSize)]))
        }
        if line.first == UInt8(ascii: "$"), line.count > 1, line.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
           let size = UInt64(text.dropFirst()) {
            return .length(size)
        }
        throw .notAPayload(String(text.prefix(60)))
    }
}

/// The diskless form's payload: every byte but the newest `mark.count`, which might be the end
/// mark, is released; the transfer is complete when a chunk ends with the mark (redis-cli.c
/// getRDB decides the same way). Holds at most the mark's length, whatever the payload's.
public struct EndMarkFilter: Sendable {
    public let mark: [UInt8]
    private var held: [UInt8] = []
    public private(set) var ended = false

    public init(mark: [UInt8]) {
        self.mark = mark
        held.reserveCapacity(mark.count * 2)
    }

    /// Takes the next chunk read from the master and copies the bytes that are now known to be
    /// payload into `out`, which must hold at least `chunk.count` bytes; returns how many.
    public mutating func push(_ chunk: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int {
        precondition(!ended && out.count >= chunk.count)
        let size = mark.count
        let total = held.count + chunk.count
        ended = total >= size && endsWithMark(chunk)
        let releasable = max(0, total - size)
        // The released bytes are the oldest ones: first what was held, then the chunk's head.
        let fromHeld = min(releasable, held.count)
        held.withUnsafeBytes { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: fromHeld) }
        let fromChunk = releasable - fromHeld
        if fromChunk > 0 {
            (out.baseAddress! + fromHeld).copyMemory(from: chunk.baseAddress!, byteCount: fromChunk)
        }
        held.removeFirst(fromHeld)
        held.append(contentsOf: chunk[fromChunk...])
        if ended { held.removeAll() }
        return releasable
    }

    /// Whether the held bytes followed by `chunk` end with the mark.
    private func endsWithMark(_ chunk: UnsafeRawBufferPointer) -> Bool {
        let size = mark.count
        let fromChunk = min(size, chunk.count)
        let fromHeld = size - fromChunk
        for i in 0..<fromHeld where held[held.count - fromHeld + i] != mark[i] { return false }
        for i in 0..<fromChunk where chunk[chunk.count - fromChunk + i] != mark[fromHeld + i] { return false }
        return true
    }
}
