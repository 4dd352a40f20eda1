import Foundation

/// One thing prune changed, with what it takes to undo it.
public enum JournalRecord: Sendable, Equatable {
    /// A removed key: its DUMP payload and absolute expiry (unix ms, -1 for none).
    case key(key: [UInt8], expireAtMs: Int64, payload: [UInt8])
    /// A removed sorted-set member with its score as the server printed it.
    case zsetMember(key: [UInt8], member: [UInt8], score: [UInt8])
    /// A removed set member.
    case setMember(key: [UInt8], member: [UInt8])
    /// A removed hash field with its value.
    case hashField(key: [UInt8], field: [UInt8], value: [UInt8])
    /// A TTL prune changed: the key's absolute expiry before (unix ms, -1 for none).
    case ttl(key: [UInt8], expireAtMs: Int64)

    fileprivate var tag: UInt8 {
        switch self {
        case .key: return UInt8(ascii: "K")
        case .zsetMember: return UInt8(ascii: "Z")
        case .setMember: return UInt8(ascii: "S")
        case .hashField: return UInt8(ascii: "H")
        case .ttl: return UInt8(ascii: "T")
        }
    }

    fileprivate var fields: [[UInt8]] {
        switch self {
        case .key(let k, let e, let p): return [k, Array(String(e).utf8), p]
        case .zsetMember(let k, let m, let s): return [k, m, s]
        case .setMember(let k, let m): return [k, m]
        case .hashField(let k, let f, let v): return [k, f, v]
        case .ttl(let k, let e): return [k, Array(String(e).utf8)]
        }
    }
}

/// A journal that cannot be written or read.
public struct JournalError: MemopsError, Equatable {
    public var path: String
    public var reason: String
    public var exitStatus: ExitStatus { .failed }
    public var description: String { "journal \(path): \(reason)" }
}

/// The prune journal: a file (mode 0600) of zstd frames, one per batch, each fsynced before the
/// next batch starts, so a crash loses at most the batch in flight. Decompressed, it is the line
/// `memops-prune-journal 1\n` and then records: a tag byte (K Z S H T) and its fields, each a
/// 4-byte little-endian length and the bytes.
public final class PruneJournal {
    public let path: String
    private var fd: Int32
    private var pending: [UInt8] = []
    private var frame: [UInt8] = []
    /// One context for every frame: a new one per batch cost more than the batch.
    private let compressor: ZstdCompressor
    public private(set) var records = 0
    static let magic = Array("memops-prune-journal 1\n".utf8)

    /// Creates the journal; an existing file is never overwritten.
    public init(creating path: String) throws(JournalError) {
        self.path = path
        do {
            compressor = try ZstdCompressor(workers: 0)
        } catch {
            throw JournalError(path: path, reason: error.description)
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw JournalError(path: path, reason: "cannot create it: \(String(cString: strerror(errno))) (an existing journal is never overwritten)") }
        fchmod(fd, 0o600)
        // The header is on disk (and the file's name in its directory) before anything is
        // removed: a prune stopped before its first removal leaves an empty journal, not a
        // file that undo calls foreign.
        pending = PruneJournal.magic
        do {
            try flush()
            try syncDirectory(of: path)
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError(path: path, reason: "\(error)")
        }
    }

    deinit { if fd >= 0 { _ = Foundation.close(fd) } }

    /// Adds a record to the current batch; returns its number (for `cancel`).
    @discardableResult
    public func append(_ record: JournalRecord) -> Int {
        appendFrame(tag: record.tag, fields: record.fields)
        records += 1
        return records - 1
    }

    /// Marks record `number` as not done: prune journals what a command may remove before the
    /// command is sent (so that a prune killed at any instant can be undone), and cancels the
    /// records of what the command then kept. Readers never see a cancelled record.
    public func cancel(_ number: Int) {
        appendFrame(tag: PruneJournal.cancelTag, fields: [Array(String(number).utf8)])
    }

    private func appendFrame(tag: UInt8, fields: [[UInt8]]) {
        pending.append(tag)
        for f in fields {
            withUnsafeBytes(of: UInt32(f.count).littleEndian) { pending.append(contentsOf: $0) }
            pending.append(contentsOf: f)
        }
    }

    static let cancelTag = UInt8(ascii: "X")

    /// Compresses the batch into one zstd frame, writes it and fsyncs.
    public func flush() throws {
        guard !pending.isEmpty else { return }
        frame.removeAll(keepingCapacity: true)
        try pending.withUnsafeBytes { raw in try compressor.compress(raw) { frame.append(contentsOf: $0) } }
        try compressor.finish { frame.append(contentsOf: $0) }
        var offset = 0
        while offset < frame.count {
            let n = frame.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw JournalError(path: path, reason: "cannot write: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        guard fsync(fd) == 0 else { throw JournalError(path: path, reason: "cannot sync: \(String(cString: strerror(errno)))") }
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes.
    public func close() throws {
        try flush()
        if fd >= 0 { _ = Foundation.close(fd) }
        fd = -1
    }

    /// Every record of a journal, in order (tests and small journals; `forEach` streams).
    public static func read(path: String) throws -> [JournalRecord] {
        var out: [JournalRecord] = []
        try forEach(path: path) { out.append($0) }
        return out
    }

    /// Calls `body` with each record in file order, leaving out cancelled ones, decompressing
    /// in 1 MiB reads: memory stays at one read plus one record (and the cancelled numbers),
    /// however large the journal. The file is read twice: cancellations come after their records.
    public static func forEach(path: String, _ body: (JournalRecord) throws -> Void) throws {
        try skippingCancelled({ handle in
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw JournalError(path: path, reason: "cannot open it: \(String(cString: strerror(errno)))") }
            defer { _ = Foundation.close(fd) }
            try decode(path: path, read: { buffer in
                while true {
                    let n = Foundation.read(fd, buffer.baseAddress, buffer.count)
                    if n >= 0 { return n }
                    if errno != EINTR { throw JournalError(path: path, reason: "cannot read it: \(String(cString: strerror(errno)))") }
                }
            }, handle)
        }, body)
    }

    /// The records of a journal held in memory (`name` stands for its path in errors).
    public static func forEach(contents: [UInt8], name: String, _ body: (JournalRecord) throws -> Void) throws {
        try skippingCancelled({ try decode(path: name, read: memoryReader(contents), $0) }, body)
    }

    /// Two passes of `pass` over the journal: the first collects the cancelled record numbers,
    /// the second hands every other record to `body`.
    private static func skippingCancelled(_ pass: ((Parsed) throws -> Void) throws -> Void,
                                          _ body: (JournalRecord) throws -> Void) throws {
        var cancelled: Set<Int> = []
        try pass { if case .cancel(let n) = $0 { cancelled.insert(n) } }
        // `body` is only called while the second pass runs.
        try withoutActuallyEscaping(body) { body in
            try pass { if case .record(let n, let r) = $0, !cancelled.contains(n) { try body(r) } }
        }
    }

    private static func memoryReader(_ contents: [UInt8]) -> (UnsafeMutableRawBufferPointer) throws -> Int {
        var offset = 0
        return { buffer in
            let n = min(buffer.count, contents.count - offset)
            guard n > 0 else { return 0 }
            contents.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: n) }
            offset += n
            return n
        }
    }

    /// A record with its number, or the cancellation of an earlier one.
    private enum Parsed {
        case record(Int, JournalRecord)
        case cancel(Int)
    }

    /// Decompresses what `read` delivers (0 at the end) and hands each record to `body`.
    private static func decode(path: String, read: (UnsafeMutableRawBufferPointer) throws -> Int,
                               _ body: (Parsed) throws -> Void) throws {
        let z = try ZstdDecompressor()
        var parser = RecordParser(path: path)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try read($0) }
            if n == 0 { break }
            try chunk.withUnsafeBytes { raw in
                try z.decompress(UnsafeRawBufferPointer(rebasing: raw[0..<n])) { plain in
                    parser.buffer.append(contentsOf: plain)
                    try parser.drain(body)
                }
            }
        }
        // A frame cut short: the prune was stopped while it wrote the frame, and a frame is
        // synced before the commands of its records are sent, so none of them ran. The records
        // already decoded from it are undone harmlessly (RESTORE skips a key that is there, ZADD
        // NX, SADD and HSETNX change nothing that is, a TTL goes back to the value it still has),
        // the rest of it is left out.
        var cut = false
        do throws(ZstdError) {
            try z.finish()
        } catch {
            guard error == .truncated else { throw error }
            cut = true
        }
        guard parser.sawMagic, parser.buffer.isEmpty || cut else {
            throw JournalError(path: path, reason: parser.sawMagic ? "it ends inside a record" : "not a memops prune journal")
        }
    }

    /// Splits decompressed bytes into records as they arrive.
    private struct RecordParser {
        let path: String
        var buffer: [UInt8] = []
        var sawMagic = false
        var number = 0

        /// Hands over every complete record in the buffer and keeps the rest.
        mutating func drain(_ body: (Parsed) throws -> Void) throws {
            if !sawMagic {
                guard buffer.count >= magic.count else { return }
                guard buffer.starts(with: magic) else { throw JournalError(path: path, reason: "not a memops prune journal") }
                buffer.removeFirst(magic.count)
                sawMagic = true
            }
            var i = 0
            while i < buffer.count {
                let tag = buffer[i]
                let arity: Int
                switch tag {
                case UInt8(ascii: "K"), UInt8(ascii: "Z"), UInt8(ascii: "H"): arity = 3
                case UInt8(ascii: "S"), UInt8(ascii: "T"): arity = 2
                case PruneJournal.cancelTag: arity = 1
                default: throw JournalError(path: path, reason: "unknown record tag \(tag)")
                }
                var j = i + 1
                var fields: [[UInt8]] = []
                while fields.count < arity, j + 4 <= buffer.count {
                    let n = Int(UInt32(buffer[j]) | UInt32(buffer[j + 1]) << 8 | UInt32(buffer[j + 2]) << 16 | UInt32(buffer[j + 3]) << 24)
                    guard j + 4 + n <= buffer.count else { break }
                    fields.append(Array(buffer[(j + 4)..<(j + 4 + n)]))
                    j += 4 + n
                }
                guard fields.count == arity else { break }  // incomplete: wait for more bytes
                func int(_ b: [UInt8]) -> Int64 { Int64(String(decoding: b, as: UTF8.self)) ?? -1 }
                let record: JournalRecord
                switch tag {
                case PruneJournal.cancelTag:
                    guard let n = Int(String(decoding: fields[0], as: UTF8.self)), n >= 0, n < number else {
                        throw JournalError(path: path, reason: "a cancellation names no earlier record")
                    }
                    try body(.cancel(n))
                    i = j
                    continue
                case UInt8(ascii: "K"): record = .key(key: fields[0], expireAtMs: int(fields[1]), payload: fields[2])
                case UInt8(ascii: "Z"): record = .zsetMember(key: fields[0], member: fields[1], score: fields[2])
                case UInt8(ascii: "H"): record = .hashField(key: fields[0], field: fields[1], value: fields[2])
                case UInt8(ascii: "S"): record = .setMember(key: fields[0], member: fields[1])
                default: record = .ttl(key: fields[0], expireAtMs: int(fields[1]))
                }
                try body(.record(number, record))
                number += 1
                i = j
            }
            buffer.removeFirst(i)
        }
    }

    /// What an undo did.
    public struct UndoResult: Sendable, Equatable {
        public var keysRestored = 0
        public var membersRestored = 0
        public var ttlsRestored = 0
        /// Keys that exist again (written since the prune) and were left alone (no `replace`).
        public var keysSkipped = 0
        public var errors: [String] = []
    }

    /// Undoes a prune, streaming the journal in file order: RESTORE … ABSTTL for removed keys
    /// (REPLACE only when `replace`; a key written since is otherwise kept and counted), members
    /// re-added without overwriting newer scores (ZADD NX, SADD, HSETNX), TTLs put back
    /// (PEXPIREAT, PERSIST). Pipelined in batches of `batchSize`.
    public static func undo(path: String, into connection: KeyRouter, replace: Bool = false, batchSize: Int = 500) throws -> UndoResult {
        var result = UndoResult()
        var commands: [[[UInt8]]] = []
        var kinds: [Int] = []
        func flush() throws {
            guard !commands.isEmpty else { return }
            // Each record names one key: in a cluster it goes back to that key's shard.
            for (kind, reply) in zip(kinds, try connection.routed(commands, keys: commands.map { $0[1] })) {
                if let e = reply.errorMessage {
                    if reply.replyError?.code == .busykey { result.keysSkipped += 1 } else { result.errors.append(e) }
                    continue
                }
                switch kind {
                case 0: result.keysRestored += 1
                case 1: result.membersRestored += 1
                default: result.ttlsRestored += 1
                }
            }
            commands.removeAll(keepingCapacity: true)
            kinds.removeAll(keepingCapacity: true)
        }
        try forEach(path: path) { r in
            switch r {
            case .key(let k, let e, let p):
                var c = [Word.restore, k, b(String(max(0, e))), p]
                if e > 0 { c.append(Word.absttl) }
                if replace { c.append(Word.replace) }
                commands.append(c); kinds.append(0)
            case .zsetMember(let k, let m, let s): commands.append([Word.zadd, k, Word.nx, s, m]); kinds.append(1)
            case .setMember(let k, let m): commands.append([Word.sadd, k, m]); kinds.append(1)
            case .hashField(let k, let f, let v): commands.append([Word.hsetnx, k, f, v]); kinds.append(1)
            case .ttl(let k, let e):
                commands.append(e < 0 ? [Word.persist, k] : [Word.pexpireat, k, b(String(e))]); kinds.append(2)
            }
            if commands.count >= batchSize { try flush() }
        }
        try flush()
        return result
    }
}
