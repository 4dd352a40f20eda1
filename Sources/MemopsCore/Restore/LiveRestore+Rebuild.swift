import Foundation
import MemopsRDB

/// The fallback for values whose stored type the target does not know (a set listpack or a
/// stream of RDB 11 going into redis 7.0…): the value arrives through the reader's element
/// callbacks and is written with plain commands — RPUSH, SADD, ZADD, HSET (+ HPEXPIREAT), XADD +
/// XSETID + XGROUP CREATE/CREATECONSUMER + XCLAIM — under a temporary name, in batches, then
/// renamed into place, so the key appears whole or not at all.
extension RestoreVisitor {
    /// Starts rebuilding `info`'s key under a temporary name (any earlier one of that name deleted).
    mutating func startRebuild(_ info: RDBKeyInfo) throws {
        try flushRecording()
        rebuildCount += 1
        let suffix = "memops:restore:tmp:\(getpid()):\(rebuildCount)"
        // In a cluster the temporary key must share the key's slot, or RENAME would cross shards.
        let temp = targets.cluster == nil ? Array(suffix.utf8) : RestoreTargets.temporaryName(near: info.key, suffix: suffix)
        rebuild = Rebuild(db: options.targetDB ?? info.db, key: info.key, temp: temp)
        rebuild!.commands.append([Word.del, rebuild!.temp])
    }

    /// A string is rebuilt only when its payload is longer than the target takes in one bulk
    /// string (proto-max-bulk-len set low): APPEND, a piece at a time.
    mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) throws {
        guard rebuild != nil else { return }
        try rebuildCommand([Word.append, rebuild!.temp, Array(chunk)])
    }

    mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) throws { try rebuildAdd("RPUSH", [element]) }
    mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) throws { try rebuildAdd("SADD", [member]) }
    mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) throws {
        try rebuildAdd("ZADD", [Array(Rebuild.score(score).utf8), member])
    }

    mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) throws {
        try rebuildAdd("HSET", [field, value])
        guard let at = expireAtMs, rebuild != nil else { return }
        guard target.rdbVersion >= 12 else {
            rebuild!.failure = "hash fields with their own TTLs (HPEXPIRE), which \(target) does not have"
            return
        }
        try rebuildCommand([Word.hpexpireat, rebuild!.temp, Array(String(at).utf8), Word.fields, Array("1".utf8), field])
    }

    mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) throws {
        guard rebuild != nil else { return }
        rebuild!.streamEntries += 1
        try rebuildCommand([Word.xadd, rebuild!.temp, Array(id.description.utf8)] + fields.flatMap { [$0.field, $0.value] })
    }

    mutating func streamInfo(_ info: RDBKeyInfo, _ stream: RDBStreamInfo) throws {
        guard rebuild != nil else { return }
        let temp = rebuild!.temp
        if rebuild!.streamEntries == 0 {
            // Every entry was deleted: create the stream, then empty it, so XSETID has a key.
            try rebuildCommand([Word.xadd, temp, Array("0-1".utf8), Array("x".utf8), Array("x".utf8)])
            try rebuildCommand([Word.xdel, temp, Array("0-1".utf8)])
        }
        var setID: [[UInt8]] = [Word.xsetid, temp, Array(stream.lastID.description.utf8)]
        // ENTRIESADDED / MAXDELETEDID (and ENTRIESREAD below) exist from redis 7.0 (RDB 10) on.
        if let added = stream.entriesAdded, let maxDeleted = stream.maxDeletedID, target.rdbVersion >= 10 {
            setID += [Word.entriesadded, Array(String(added).utf8), Word.maxdeletedid, Array(maxDeleted.description.utf8)]
        }
        try rebuildCommand(setID)
    }

    mutating func streamGroup(_ info: RDBKeyInfo, _ group: RDBStreamGroup) throws {
        guard rebuild != nil else { return }
        var create: [[UInt8]] = [Word.xgroup, Word.create, rebuild!.temp, group.name, Array(group.lastDeliveredID.description.utf8)]
        if let read = group.entriesRead, target.rdbVersion >= 10 { create += [Word.entriesread, Array(String(read).utf8)] }
        try rebuildCommand(create)
        rebuild!.pending = [:]
    }

    mutating func streamPending(_ info: RDBKeyInfo, group: [UInt8], id: StreamID, deliveryTimeMs: Int64, deliveryCount: UInt64) throws {
        rebuild?.pending[id] = (deliveryTimeMs, deliveryCount)
    }

    mutating func streamConsumer(_ info: RDBKeyInfo, group: [UInt8], _ consumer: RDBStreamConsumer) throws {
        guard rebuild != nil else { return }
        try rebuildCommand([Word.xgroup, Word.createconsumer, rebuild!.temp, group, consumer.name])
    }

    mutating func streamConsumerPending(_ info: RDBKeyInfo, group: [UInt8], consumer: [UInt8], id: StreamID) throws {
        guard rebuild != nil else { return }
        let (time, count) = rebuild!.pending[id] ?? (0, 1)
        // FORCE puts the entry in the PEL as it was; JUSTID leaves the delivery count to RETRYCOUNT.
        try rebuildCommand([Word.xclaim, rebuild!.temp, group, consumer, Array("0".utf8), Array(id.description.utf8),
                        Word.time, Array(String(time).utf8), Word.retrycount, Array(String(count).utf8),
                        Word.force, Word.justid])
    }

    /// Adds elements to the variadic command being built (RPUSH, SADD, ZADD, HSET), starting a
    /// new one when the command changes or holds enough.
    private mutating func rebuildAdd(_ name: String, _ args: [[UInt8]]) throws {
        guard rebuild != nil, rebuild!.failure == nil else { return }
        if rebuild!.open.first != Array(name.utf8) || rebuild!.open.count >= 1_024 {
            rebuild!.closeOpen()
            rebuild!.open = [Array(name.utf8), rebuild!.temp]
        }
        rebuild!.open += args
        rebuild!.add(args)
        if rebuild!.held >= options.batchBytes { try sendRebuild() }
    }

    /// Queues one whole command of the key being rebuilt.
    mutating func rebuildCommand(_ command: [[UInt8]]) throws {
        guard rebuild != nil, rebuild!.failure == nil else { return }
        rebuild!.closeOpen()
        rebuild!.commands.append(command)
        rebuild!.add(command)
        if rebuild!.held >= options.batchBytes { try sendRebuild() }
    }

    /// Sends what the rebuild has queued. Until its last batch the temporary key gets a day's
    /// TTL each time, so an interrupted restore leaves nothing behind for long.
    private mutating func sendRebuild(final: Bool = false) throws {
        // withConnection below waits for the key's node's batches to be answered first.
        guard var r = rebuild, r.failure == nil else { return }
        r.closeOpen()
        var commands: [[[UInt8]]] = [[Word.select, Array(String(r.db).utf8)]] + r.commands
        if !final { commands.append([Word.pexpire, r.temp, Array("86400000".utf8)]) }
        result.bytes += UInt64(r.bytes)
        r.commands.removeAll()
        r.bytes = 0
        r.held = 0
        rebuild = r
        for (command, reply) in zip(commands, try withConnection(for: r.key) { try $0.pipeline(commands) }) {
            if let m = reply.errorMessage {
                if LiveRestore.isFatal(m) {
                    throw try withConnection(for: r.key) { $0.refusal(m, command: String(decoding: command[0], as: UTF8.self)) }
                }
                rebuild!.failure = "\(String(decoding: command[0], as: UTF8.self)) failed: \(m)"
                break
            }
        }
    }

    /// Sets the TTL and, once every command of the key has succeeded, renames it into place
    /// (RENAME for --on-conflict replace, RENAMENX otherwise); drops it when something failed.
    mutating func finishRebuild(_ info: RDBKeyInfo) throws {
        defer { rebuild = nil }
        let ttl = KeyDecision.ttl(info, nowMs: nowMs)
        guard let temp = rebuild?.temp else { return }
        try rebuildCommand(ttl > 0 ? [Word.pexpireat, temp, Array(String(ttl).utf8)] : [Word.persist, temp])
        try sendRebuild(final: true)
        guard let r = rebuild else { return }
        let select: [[UInt8]] = [Word.select, Array(String(r.db).utf8)]
        var failure = r.failure
        var existed = false
        var renamed = false
        if failure == nil {
            let rename: [[UInt8]] = [Array(options.onConflict == .replace ? "RENAME".utf8 : "RENAMENX".utf8), temp, r.key]
            let replies = try withConnection(for: r.key) { try $0.pipeline([select, [Word.exists, r.key], rename]) }
            existed = replies[1].integer == 1
            if let m = replies[2].errorMessage ?? replies[0].errorMessage { failure = "RENAME failed: \(m)" }
            renamed = replies[2].errorMessage == nil && replies[2].integer != 0
        }
        if !renamed { _ = try? withConnection(for: r.key) { try $0.pipeline([select, [Word.del, temp]]) } }
        if let failure {
            result.failed += 1
            problem(info.db, info.key, failure)
        } else if !renamed {
            if options.onConflict == .skip {
                result.skippedExisting += 1
            } else {
                result.failed += 1
                problem(info.db, info.key, "BUSYKEY Target key name already exists.")
            }
        } else {
            result.rebuilt += 1
            if existed { result.replaced += 1 } else { result.restored += 1 }
        }
    }
}

/// A key being rebuilt with plain commands under a temporary name, renamed into place at its end
/// so that it appears whole or not at all.
struct Rebuild {
    var db: Int
    var key: [UInt8]
    var temp: [UInt8]
    var commands: [[[UInt8]]] = []
    /// The variadic command being filled (RPUSH/SADD/ZADD/HSET temp …).
    var open: [[UInt8]] = []
    /// Argument bytes queued (what `result.bytes` counts)…
    var bytes = 0
    /// … and the memory they take as arrays: a batch is sent when this reaches `batchBytes`,
    /// so a key of tiny elements (a 10 M-entry stream of small entries) is sent in batches as
    /// small in memory as one of big elements.
    var held = 0
    var streamEntries = 0
    /// The current group's PEL: delivery time and count by entry ID, for its consumers' XCLAIMs.
    var pending: [StreamID: (Int64, UInt64)] = [:]
    var failure: String?

    init(db: Int, key: [UInt8], temp: [UInt8]) {
        self.db = db
        self.key = key
        self.temp = temp
    }

    /// Counts queued arguments: their bytes, and an array's header and allocation besides.
    mutating func add(_ args: [[UInt8]]) {
        for a in args {
            bytes += a.count
            held += a.count + 64
        }
    }

    mutating func closeOpen() {
        if open.count > 2 { commands.append(open) }
        open = []
    }

    /// A score as ZADD reads it back exactly: Swift's shortest round-trip form, inf as Redis spells it.
    static func score(_ d: Double) -> String {
        if d == .infinity { return "+inf" }
        if d == -.infinity { return "-inf" }
        return "\(d)"
    }
}

/// Reads a spooled key's value again with element callbacks, for `RestoreVisitor` to rebuild.
struct SpoolRebuilder: RDBVisitor {
    var outer: RestoreVisitor

    mutating func beginKey(_ info: RDBKeyInfo) throws -> RDBDelivery { .elements }
    mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) throws {
        try outer.stringChunk(info, chunk, offset: offset, total: total)
    }
    mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) throws { try outer.listElement(info, element) }
    mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) throws { try outer.setMember(info, member) }
    mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) throws { try outer.zsetMember(info, member, score: score) }
    mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) throws {
        try outer.hashField(info, field, value, expireAtMs: expireAtMs)
    }
    mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) throws {
        try outer.streamEntry(info, id: id, fields: fields)
    }
    mutating func streamInfo(_ info: RDBKeyInfo, _ stream: RDBStreamInfo) throws { try outer.streamInfo(info, stream) }
    mutating func streamGroup(_ info: RDBKeyInfo, _ group: RDBStreamGroup) throws { try outer.streamGroup(info, group) }
    mutating func streamPending(_ info: RDBKeyInfo, group: [UInt8], id: StreamID, deliveryTimeMs: Int64, deliveryCount: UInt64) throws {
        try outer.streamPending(info, group: group, id: id, deliveryTimeMs: deliveryTimeMs, deliveryCount: deliveryCount)
    }
    mutating func streamConsumer(_ info: RDBKeyInfo, group: [UInt8], _ consumer: RDBStreamConsumer) throws {
        try outer.streamConsumer(info, group: group, consumer)
    }
    mutating func streamConsumerPending(_ info: RDBKeyInfo, group: [UInt8], consumer: [UInt8], id: StreamID) throws {
        try outer.streamConsumerPending(info, group: group, consumer: consumer, id: id)
    }
}

/// A spooled payload (type byte, then the value as stored) as a one-key RDB file: the backup's
/// header, the type byte, a one-byte key name, the value, EOF and a zero (unchecked) CRC64.
final class SpoolRDBSource: ByteSource {
    private let spool: SpoolFile
    private var prefix: [UInt8]
    private let suffix: [UInt8] = [RDBOpcode.eof] + [UInt8](repeating: 0, count: 8)
    /// Bytes handed out so far.
    private var offset = 0

    init(header: RDBHeader, spool: SpoolFile) {
        self.spool = spool
        prefix = Array(header.text.utf8)
        // The spool starts with the type byte; the key name ("k") goes between it and the value.
        prefix.append(spool.byte(at: 0))
        prefix += [1, UInt8(ascii: "k")]
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let valueLength = spool.count - 1
        let total = prefix.count + valueLength + suffix.count
        guard offset < total, buffer.count > 0 else { return 0 }
        let n: Int
        if offset < prefix.count {
            n = min(buffer.count, prefix.count - offset)
            prefix.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
        } else if offset < prefix.count + valueLength {
            let at = offset - prefix.count
            n = try spool.read(at: 1 + at, into: UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: min(buffer.count, valueLength - at)))
        } else {
            let at = offset - prefix.count - valueLength
            n = min(buffer.count, suffix.count - at)
            suffix.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + at, byteCount: n) }
        }
        offset += n
        return n
    }
}
