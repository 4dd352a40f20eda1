import Foundation
import MemopsRDB

/// Estimates what a backup's data costs in memory once loaded, from the RDB alone: the server
/// is not touched. Serialized sizes are not memory sizes (strings may be LZF-compressed,
/// hashtables and skiplists are written as plain element lists), so each key is rebuilt in
/// arithmetic from its elements as Redis 7.0 would hold it: jemalloc size classes, sds headers,
/// dict entries and buckets, skiplist nodes, listpacks, and stream nodes filled to
/// `stream-node-max-bytes` 4096 / `stream-node-max-entries` 100.
public enum BackupEstimator {
    /// The stated accuracy, checked by the tests against a live measurement of the same data.
    public static let accuracy = "rebuilt from the RDB's elements with Redis 7.0 / jemalloc 5.3 allocation rules; within ±5% of the live estimate in total and ±10% per schema entity on memops' sample data (tested: +1.1%); other data shapes and encodings are less certain"

    /// Reads the backup at `path` (.rdb or .rdb.zst) and measures it like `LiveEstimator` does a
    /// server, finding the namespaces by the roles of `schema`'s patterns.
    public static func measure(path: String, schema: Schema = .seed) throws -> LiveMeasurement {
        let source: any ByteSource
        do { source = try openRDB(path: path) } catch { throw EstimateError.badInput("cannot open the backup \(path): \(error)") }
        return try measure(source, path: path, keys: SchemaKeys(schema))
    }

    /// Reads the opened source (generic, so the existential from `openRDB` opens into it).
    private static func measure<S: ByteSource>(_ source: S, path: String, keys: SchemaKeys) throws -> LiveMeasurement {
        let reader = RDBReader(source)
        var visitor = SizingVisitor(keys: keys)
        do {
            _ = try reader.read(into: &visitor)
        } catch {
            throw EstimateError.badInput("cannot read the backup \(path): \(error)")
        }
        return visitor.measurement()
    }

    /// jemalloc 5's size class for a request of `n` bytes: 8, 16, then 16-byte steps to 128,
    /// then four classes per doubling (160, 192, 224, 256, 320, …, 2560, 3072, 3584, 4096, …).
    public static func jemalloc(_ n: Int) -> Int {
        if n <= 8 { return 8 }
        if n <= 128 { return (n + 15) / 16 * 16 }
        var group = 128
        while group * 2 < n { group *= 2 }
        let step = group / 4
        return (n + step - 1) / step * step
    }

    /// Bytes of an sds string of `len` bytes: header by type (sdshdr5/8/16/32), data, NUL.
    static func sds(_ len: Int) -> Int {
        let header = len < 32 ? 1 : len < 256 ? 3 : len < 65_536 ? 5 : 9
        return jemalloc(header + len + 1)
    }

    /// Bytes one string takes as a listpack entry: encoding header, data, back-length.
    static func listpackEntry(_ bytes: [UInt8]) -> Int {
        if bytes.count <= 18, let n = Int64(String(decoding: bytes, as: UTF8.self)), String(n).utf8.count == bytes.count {
            let body = n >= 0 && n < 128 ? 1 : abs(n) < 4096 ? 2 : abs(n) < 32_768 ? 3 : abs(n) < 8_388_608 ? 4 : abs(n) < 2_147_483_648 ? 5 : 9
            return body + 1
        }
        return listpackEntry(length: bytes.count)
    }

    /// Bytes of a listpack string entry of `length` bytes.
    static func listpackEntry(length: Int) -> Int {
        let header = length < 64 ? 1 : length < 4_096 ? 2 : 5
        let body = header + length
        let back = body < 128 ? 1 : body < 16_384 ? 2 : body < 2_097_152 ? 3 : 4
        return body + back
    }

    /// Bytes of a listpack entry holding an integer.
    static func listpackInt(_ n: Int64) -> Int { listpackEntry(Array(String(n).utf8)) }

    /// A dict with `n` entries: the dict struct and its power-of-two bucket table.
    static func dict(_ n: Int) -> Int {
        var size = 4
        while size < n { size *= 2 }
        return jemalloc(56) + jemalloc(8 * size)
    }

    /// A key in the keyspace: its dict entry, bucket share, key sds and object header.
    static func keyspace(_ keyLength: Int) -> Int { 32 + 10 + sds(keyLength) + 16 }
}

/// Collects per-key memory estimates by namespace while the reader walks the file.
struct SizingVisitor: RDBVisitor {
    /// The schema's keys by role; a role the schema lacks matches no key.
    let keys: SchemaKeys
    /// The keys of the roles without placeholders, as bytes, compared with every key read.
    private let sessionIndex: [UInt8]?, embeddingIndex: [UInt8]?, queue: [UInt8]?
    private let others: [[UInt8]], registries: [[UInt8]]
    var ctime: Int64?
    var counts = EntityCounts()
    var entityBytes = [EstimateEntity: Double]()
    var otherBytes: Int64 = 0
    var otherKeys = 0
    var unaccounted = 0
    var indexMembers: [String: Int] = [:]
    var sessionScores: [Double] = []
    var embeddingScores: [Double] = []
    var queueFirstMs: UInt64?
    var queueLastMs: UInt64?

    // The key being read.
    var elements: [Int] = []
    var elementBytes = 0
    var skiplistMembers = 0
    var stream = StreamSizer()

    init(keys: SchemaKeys) {
        self.keys = keys
        sessionIndex = keys[.sessionIndex]?.key
        embeddingIndex = keys[.embeddingIndex]?.key
        queue = keys[.queue]?.key
        others = [keys[.cacheStats], keys[.events]].compactMap { $0?.key }
        registries = [keys[.activeNodes], keys[.activeModels]].compactMap { $0?.key }
    }

    mutating func aux(key: [UInt8], value: [UInt8]) {
        if key == Array("ctime".utf8) { ctime = Int64(String(decoding: value, as: UTF8.self)) }
    }

    mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery {
        elementBytes = 0
        skiplistMembers = 0
        stream = StreamSizer()
        return .elements
    }

    mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) {
        elementBytes += info.encoding == .quicklist || info.encoding == .listpack
            ? BackupEstimator.listpackEntry(element) : BackupEstimator.sds(element.count) + 32
    }

    mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) {
        elementBytes += info.encoding == .hashtable ? BackupEstimator.sds(member.count) + 32 : member.count + 2
    }

    mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) {
        if info.key == sessionIndex { sessionScores.append(score) } else if info.key == embeddingIndex { embeddingScores.append(score) }
        if info.encoding == .skiplist {
            // Member sds, dict entry, and a skiplist node of 24 B + 16 B per level; levels are
            // geometric with p = 1/4, so 3/4 of nodes have one level, 3/16 two, 1/16 more.
            elementBytes += BackupEstimator.sds(member.count) + 32
            skiplistMembers += 1
        } else {
            let s = score == score.rounded() && abs(score) < 1e15 ? BackupEstimator.listpackInt(Int64(score))
                : BackupEstimator.listpackEntry(length: String(score).utf8.count)
            elementBytes += BackupEstimator.listpackEntry(member) + s
        }
    }

    mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) {
        if info.encoding == .hashtable {
            elementBytes += 32 + BackupEstimator.sds(field.count) + BackupEstimator.sds(value.count)
        } else {
            elementBytes += BackupEstimator.listpackEntry(field) + BackupEstimator.listpackEntry(value)
        }
    }

    mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) {
        stream.add(id: id, fields: fields)
        if info.key == queue {
            if queueFirstMs == nil { queueFirstMs = id.ms }
            queueLastMs = id.ms
        }
    }

    mutating func streamPending(_ info: RDBKeyInfo, group: [UInt8], id: StreamID, deliveryTimeMs: Int64, deliveryCount: UInt64) {
        // A streamNACK (40 B → 48) in the group PEL's rax, with the rax node for its 16-byte ID.
        elementBytes += 48 + 40
    }

    /// The in-memory estimate of the value just read, by type and encoding.
    private func valueBytes(_ info: RDBKeyInfo, _ s: RDBKeySummary) -> Int {
        let robj = 16
        switch (info.type, s.encoding) {
        case (.string, .int): return robj
        case (.string, .embstr): return BackupEstimator.jemalloc(robj + 3 + s.elementCount + 1)
        case (.string, _): return robj + BackupEstimator.sds(s.elementCount)
        case (.hash, .hashtable), (.set, .hashtable):
            return robj + BackupEstimator.dict(s.elementCount) + elementBytes
        case (.zset, .skiplist):
            let nodes = skiplistMembers * 52  // mean jemalloc class of a node: 3/4 × 48 + 3/16 × 64 + 1/16 × 80
            return robj + 16 + BackupEstimator.dict(s.elementCount) + 640 + elementBytes + nodes
        case (.list, _):
            return robj + 48 + BackupEstimator.jemalloc(7 + elementBytes) + 32
        case (.stream, _):
            return robj + 96 + stream.total + elementBytes
        default:
            return robj + BackupEstimator.jemalloc(7 + elementBytes)
        }
    }

    mutating func endKey(_ info: RDBKeyInfo, _ s: RDBKeySummary) {
        if let expire = info.expireAtMs, let ctime, expire <= ctime * 1000 { return }  // gone on load
        var bytes = BackupEstimator.keyspace(info.key.count) + valueBytes(info, s)
        if info.expireAtMs != nil { bytes += KeyOverhead.ttl }
        let key = info.key
        let b = Double(bytes)
        func within(_ role: EntityRole) -> Bool { keys[role]?.contains(key) ?? false }
        if key == sessionIndex {
            entityBytes[.sessions, default: 0] += b
            indexMembers[keys[.sessionIndex]!.name] = s.elementCount
        } else if key == embeddingIndex {
            entityBytes[.embeddings, default: 0] += b
            indexMembers[keys[.embeddingIndex]!.name] = s.elementCount
        } else if key == queue {
            counts.queue = s.elementCount
            entityBytes[.queue, default: 0] += b
        } else if others.contains(key) {
            otherBytes += Int64(bytes); otherKeys += 1
        } else if registries.contains(key) {
            entityBytes[.nodes, default: 0] += b
        } else if within(.session) {
            counts.sessions += 1; entityBytes[.sessions, default: 0] += b
        } else if within(.userSessions) {
            entityBytes[.sessions, default: 0] += b
        } else if within(.embedding) {
            counts.embeddings += 1; entityBytes[.embeddings, default: 0] += b
        } else if within(.sessionEmbeddings) {
            entityBytes[.embeddings, default: 0] += b
        } else if within(.cache) {
            counts.cache += 1; entityBytes[.cache, default: 0] += b
        } else if within(.node) || within(.heartbeat) {
            if !within(.heartbeat) { counts.nodes += 1 }
            entityBytes[.nodes, default: 0] += b
        } else if within(.model) || within(.modelStats) {
            otherBytes += Int64(bytes); otherKeys += 1
        } else {
            unaccounted += 1
        }
    }

    /// The result in `LiveMeasurement` form, rates from index scores relative to the backup's ctime.
    func measurement() -> LiveMeasurement {
        var sizes = EntitySizes(sessions: 0, embeddings: 0, queue: 0, cache: 0, nodes: 0)
        var total = otherBytes
        for e in EstimateEntity.allCases where counts[e] > 0 {
            sizes[e] = Int(((entityBytes[e] ?? 0) / Double(counts[e])).rounded())
            total += Int64(counts[e]) * Int64(sizes[e])
        }
        let now = Double(ctime ?? Int64(Date().timeIntervalSince1970))
        var rates: [String: [String: Double]] = [:]
        for (name, scores) in [("sessions", sessionScores), ("embeddings", embeddingScores)] {
            var r: [String: Double] = [:]
            for days in [1, 7, 30] {
                r["\(days)d"] = Double(scores.filter { $0 >= now - Double(days) * 86_400 }.count) / Double(days)
            }
            rates[name] = r
        }
        var queueRate = 0.0
        if let a = queueFirstMs, let b = queueLastMs, b > a, counts.queue > 1 {
            queueRate = Double(counts.queue - 1) / (Double(b - a) / 86_400_000)
            rates["queue"] = ["span": queueRate]
        }
        return LiveMeasurement(
            source: "backup", counts: counts, sizes: sizes, sampled: counts, indexMembers: indexMembers,
            otherBytes: otherBytes, otherKeys: otherKeys, unaccountedKeys: unaccounted, estimatedBytes: total, streamMemoryUsage: nil,
            rates: rates,
            projectionRates: GrowthRates(sessions: rates["sessions"]?["7d"] ?? 0, embeddings: rates["embeddings"]?["7d"] ?? 0, queue: queueRate),
            info: [:], policyMeaning: nil, accuracy: BackupEstimator.accuracy)
    }
}

/// Lays stream entries into listpack nodes the way Redis 7.0's XADD does: a node takes entries
/// until it holds 100 or adding one would pass 4,096 bytes; the first entry's fields become the
/// node's master fields, and later entries with the same fields store only their values.
struct StreamSizer {
    var bytes = 0
    private var nodeBytes = 0
    private var nodeEntries = 0
    private var master: [[UInt8]] = []
    private var masterID = StreamID(ms: 0, seq: 0)

    mutating func add(id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) {
        let names = fields.map(\.field)
        let same = nodeEntries > 0 && names == master
        var entry = 1 + BackupEstimator.listpackInt(Int64(id.ms &- masterID.ms)) + BackupEstimator.listpackInt(Int64(id.seq)) + 1
        if !same { entry += BackupEstimator.listpackInt(Int64(fields.count)) + names.reduce(0) { $0 + BackupEstimator.listpackEntry($1) } }
        entry += fields.reduce(0) { $0 + BackupEstimator.listpackEntry($1.value) }
        if nodeEntries == 0 || nodeEntries >= 100 || nodeBytes + entry > 4_096 {
            closeNode()
            master = names
            masterID = id
            // Listpack header and end, master entry: count, deleted, field count, fields, 0.
            nodeBytes = 7 + 3 * 2 + names.reduce(0) { $0 + BackupEstimator.listpackEntry($1) } + 2
            entry = 1 + 2 + 2 + 1 + fields.reduce(0) { $0 + BackupEstimator.listpackEntry($1.value) }
        }
        nodeBytes += entry
        nodeEntries += 1
    }

    private mutating func closeNode() {
        guard nodeEntries > 0 else { return }
        // The node's listpack, and its rax node holding the 16-byte master ID as key.
        bytes += BackupEstimator.jemalloc(nodeBytes) + 48
        nodeEntries = 0
        nodeBytes = 0
    }

    /// Bytes of all nodes, the last one included.
    var total: Int {
        var copy = self
        copy.closeNode()
        return copy.bytes
    }
}
