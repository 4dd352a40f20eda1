import Foundation
import MemopsRDB

/// A fresh RDB streamed over the replication protocol, as `redis-cli --rdb` gets it, for when
/// memops runs on another host than Redis and cannot read the server's file.
///
/// memops announces `capa eof` (so a server with `repl-diskless-sync yes`, the default since
/// 7.0, streams from memory without touching its disk) and `rdb-only 1` (no replication stream
/// follows the snapshot), then sends SYNC on the raw socket: hiredis would buffer the whole
/// payload as one reply. Both payload forms are handled: `$<length>` and the diskless
/// `$EOF:<40-byte mark>`, where the mark is withheld from the output rather than written and
/// cut off afterwards.
public final class ReplicationSource: ByteSource {
    /// The payload length when the server announced it; nil in the `$EOF:` form.
    public let expectedSize: UInt64?
    private let redis: RedisConnection
    private var remaining: UInt64
    private var filter: EndMarkFilter?
    private var scratch: [UInt8] = []
    private var done = false

    public init(connection: RedisConnection) throws {
        redis = connection
        let server = connection.config.description
        for (option, value) in [("capa", "eof"), ("rdb-only", "1")] {
            let reply = try connection.pipeline([["REPLCONF", option, value].map { Array($0.utf8) }])[0]
            if let error = reply.replyError, error.isAccessDenied {
                throw connection.refusal(error.message, command: "REPLCONF")
            }
            // Older servers refuse rdb-only; they still send the snapshot first, which is all
            // memops reads before it closes the connection.
        }
        guard connection.bufferedByteCount == 0 else {
            throw BackupError.replication(server: server, reason: "unexpected bytes before SYNC")
        }
        try connection.writeRaw(Array("SYNC\r\n".utf8))
        // The header is read a byte at a time: nothing of the payload may be consumed here.
        var reader = ReplicationPayloadHeader.LineReader()
        var header: ReplicationPayloadHeader?
        var byte: UInt8 = 0
        while header == nil {
            let n = try withUnsafeMutableBytes(of: &byte) { try connection.readRaw(into: $0, during: "to SYNC") }
            guard n == 1 else { throw BackupError.replication(server: server, reason: "the server closed the connection before sending the RDB") }
            do {
                header = try reader.feed(byte)
            } catch .tooLong {
                throw BackupError.replication(server: server, reason: "the SYNC reply is not a payload header")
            } catch .notAPayload(let text) {
                throw BackupError.replication(server: server, reason: "SYNC answered \"\(text)\", not an RDB payload")
            }
        }
        switch header! {
        case .refused(let message):
            if ReplyError(message).isAccessDenied {
                throw connection.refusal(message, command: "SYNC")
            }
            throw BackupError.replication(server: server, reason: "SYNC was refused: \(message)")
        case .endMark(let mark):
            filter = EndMarkFilter(mark: mark)
            expectedSize = nil
            remaining = .max
        case .length(let size):
            filter = nil
            expectedSize = size
            remaining = size
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !done else { return 0 }
        if filter != nil {
            return try readUntilMark(into: buffer)
        }
        guard remaining > 0 else {
            done = true
            return 0
        }
        let want = Int(min(UInt64(buffer.count), remaining))
        let n = try redis.readRaw(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), during: "while streaming the RDB")
        guard n > 0 else {
            throw BackupError.replication(server: redis.config.description, reason: "the stream ended \(remaining) bytes early")
        }
        remaining -= UInt64(n)
        return n
    }

    /// Diskless form: reads into scratch space and lets the filter hold back what might be the mark.
    private func readUntilMark(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if scratch.count < buffer.count { scratch = [UInt8](repeating: 0, count: buffer.count) }
        while true {
            let n = try scratch.withUnsafeMutableBytes { try redis.readRaw(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<buffer.count]), during: "while streaming the RDB") }
            guard n > 0 else {
                throw BackupError.replication(server: redis.config.description, reason: "the stream ended before the end mark")
            }
            let released = scratch.withUnsafeBytes { filter!.push(UnsafeRawBufferPointer(rebasing: $0[0..<n]), into: buffer) }
            if filter!.ended { done = true }
            if released > 0 || done { return released }
        }
    }
}
