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
    private let mark: [UInt8]?
    private var carry: [UInt8] = []
    private var scratch: [UInt8] = []
    private var done = false

    /// The length of the diskless end mark (`RDB_EOF_MARK_SIZE` in redis' rdb.h).
    static let markSize = 40

    public init(connection: RedisConnection) throws {
        redis = connection
        let server = connection.config.description
        for (option, value) in [("capa", "eof"), ("rdb-only", "1")] {
            let reply = try connection.pipeline([["REPLCONF", option, value].map { Array($0.utf8) }])[0]
            if let message = reply.errorMessage, message.hasPrefix("NOPERM") || message.hasPrefix("NOAUTH") {
                throw RedisConnection.classify(message, server: server, command: "REPLCONF")
            }
            // Older servers refuse rdb-only; they still send the snapshot first, which is all
            // memops reads before it closes the connection.
        }
        guard connection.bufferedByteCount == 0 else {
            throw BackupError.replication(server: server, reason: "unexpected bytes before SYNC")
        }
        try connection.writeRaw(Array("SYNC\r\n".utf8))
        // Read "$<len>\r\n" or "$EOF:<mark>\r\n" a byte at a time (nothing of the payload may be
        // consumed here), skipping the bare newlines the server sends while it prepares the RDB.
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = try withUnsafeMutableBytes(of: &byte) { try connection.readRaw(into: $0, during: "to SYNC") }
            guard n == 1 else { throw BackupError.replication(server: server, reason: "the server closed the connection before sending the RDB") }
            if byte == 0x0a {
                if line.isEmpty { continue }
                break
            }
            if byte != 0x0d { line.append(byte) }
            guard line.count < 1024 else { throw BackupError.replication(server: server, reason: "the SYNC reply is not a payload header") }
        }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("-") {
            let message = String(text.dropFirst())
            if message.hasPrefix("NOPERM") || message.hasPrefix("NOAUTH") {
                throw RedisConnection.classify(message, server: server, command: "SYNC")
            }
            throw BackupError.replication(server: server, reason: "SYNC was refused: \(message)")
        }
        if text.hasPrefix("$EOF:"), line.count >= 5 + ReplicationSource.markSize {
            mark = Array(line[5..<(5 + ReplicationSource.markSize)])
            expectedSize = nil
            remaining = .max
        } else if text.hasPrefix("$"), let size = UInt64(text.dropFirst()) {
            mark = nil
            expectedSize = size
            remaining = size
        } else {
            throw BackupError.replication(server: server, reason: "SYNC answered \"\(text.prefix(60))\", not an RDB payload")
        }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !done else { return 0 }
        if let mark {
            return try readUntilMark(into: buffer, mark: mark)
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

    /// Diskless form: output everything but the newest 40 bytes, which might be the end mark;
    /// the transfer is complete when a read ends with the mark (redis-cli.c getRDB does the same).
    private func readUntilMark(into buffer: UnsafeMutableRawBufferPointer, mark: [UInt8]) throws -> Int {
        let size = ReplicationSource.markSize
        if scratch.count < buffer.count { scratch = [UInt8](repeating: 0, count: buffer.count) }
        while true {
            let n = try scratch.withUnsafeMutableBytes { try redis.readRaw(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<buffer.count]), during: "while streaming the RDB") }
            guard n > 0 else {
                throw BackupError.replication(server: redis.config.description, reason: "the stream ended before the end mark")
            }
            carry.append(contentsOf: scratch[0..<n])
            let ended = carry.count >= size && Array(carry[(carry.count - size)...]) == mark
            let releasable = carry.count - size
            if releasable > 0 {
                carry.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: releasable) }
                carry.removeFirst(releasable)
            }
            if ended {
                done = true
                carry.removeAll()
            }
            if releasable > 0 { return releasable }
            if ended { return 0 }
        }
    }
}
