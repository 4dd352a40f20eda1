import Foundation
import MemopsRDB

/// Audits a backup (`.rdb` or `.rdb.zst`) with the RDB reader: the live audit's checks, with
/// zero load on the server. Times (TTLs, idle consumers, stream ages) are measured against the
/// snapshot's `ctime`; keys already expired then are treated as absent, as a loading server would.
///
/// One pass. Memory: the members of the index keys the references start from, and the names of
/// the keys that could be reference targets (both proportional to index sizes), plus one key's
/// checked fields at a time. Values are never kept.
public struct BackupAudit {
    public let path: String
    public let schema: Schema
    public let options: AuditOptions
    /// The database audited (backups can hold several).
    public let db: Int

    public init(path: String, schema: Schema = .seed, options: AuditOptions = AuditOptions(), db: Int = 0) {
        self.path = path
        self.schema = schema
        self.options = options
        self.db = db
    }

    /// Reads the backup and returns the same report a live audit of that data gives.
    public func run() throws -> AuditReport {
        let started = Date()
        let source = try openRDB(path: path)
        var visitor = Visitor(schema: schema, options: options, db: db)
        try BackupAudit.read(source, into: &visitor)
        var checker = visitor.checker
        // References, now that every index and every possible target has been seen.
        for (ref, index, items) in visitor.indexMembers {
            let r = schema.references[ref]
            for item in items where !visitor.existing.contains(r.target(item.member)) {
                checker.dangling(DanglingMember(reference: ref, index: index, member: item.member, field: item.field, target: r.target(item.member)))
            }
        }
        var reverseSets: [Int: Set<[UInt8]>] = [:]
        for (ref, index, items) in visitor.indexMembers where schema.references[ref].reverse == true && index == Array(schema.references[ref].from.utf8) {
            reverseSets[ref, default: []].formUnion(items.map(\.member))
        }
        for (ref, key, member) in visitor.reverseChecks where !(reverseSets[ref]?.contains(member) ?? false) {
            checker.missingFromIndex(reference: ref, key: key)
        }
        var report = checker.finish(seconds: Date().timeIntervalSince(started))
        report.memoryIsRecordSize = true
        return report
    }

    private static func read<S: ByteSource>(_ source: S, into visitor: inout Visitor) throws {
        let reader = RDBReader(source)
        _ = try reader.read(into: &visitor)
    }

    /// Collects observations key by key.
    struct Visitor: RDBVisitor {
        let schema: Schema
        let options: AuditOptions
        let db: Int
        var checker: AuditChecker
        var snapshotMs = Int64(Date().timeIntervalSince1970 * 1000)
        var existing = Set<[UInt8]>()
        var indexMembers: [(ref: Int, index: [UInt8], items: [(member: [UInt8], field: [UInt8]?)])] = []
        var reverseChecks: [(ref: Int, key: [UInt8], member: [UInt8])] = []
        // The current key.
        private var skip = false
        private var pattern: KeyPattern?
        private var keyClass: KeyClass = .unmatched
        private var fields: [String: Int] = [:]
        private var checked: Set<String> = []
        private var collecting: [(ref: Int, items: [(member: [UInt8], field: [UInt8]?)])] = []
        private var oldestMs: Int64?
        private var groups: [GroupObservation] = []
        private var streamLength = 0

        init(schema: Schema, options: AuditOptions, db: Int) {
            self.schema = schema
            self.options = options
            self.db = db
            checker = AuditChecker(schema: schema, topN: options.topN)
        }

        mutating func aux(key: [UInt8], value: [UInt8]) {
            // ctime has whole seconds; the save happened somewhere in that second. Taking its end
            // makes TTLs (and ages) read short by under a second, never long: a heartbeat saved with
            // 30 s left must not look like 30.9 s against its 30 s bound.
            if key == Array("ctime".utf8), let s = Int64(String(decoding: value, as: UTF8.self)) { snapshotMs = s * 1000 + 999 }
        }

        mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery {
            skip = info.db != db || (info.expireAtMs.map { $0 <= snapshotMs } ?? false)
            pattern = nil
            fields = [:]
            collecting = []
            oldestMs = nil
            groups = []
            streamLength = 0
            if skip { return .summary }
            if let glob = options.match, !Glob(glob).matches(info.key) {
                skip = true
                return .summary
            }
            if !schema.targetingReferences(info.key).isEmpty { existing.insert(info.key) }
            keyClass = AuditChecker.classify(info.key, schema: schema)
            guard case .matched(let p, _) = keyClass else { return .summary }
            pattern = p
            checked = Set(p.checkedFields)
            for ref in AuditChecker.references(from: p.pattern, schema: schema) {
                let r = schema.references[ref]
                let want: RDBKeyType = r.via == .zsetMembers ? .zset : r.via == .setMembers ? .set : .hash
                if info.type == want { collecting.append((ref, [])) }
            }
            let needs = !collecting.isEmpty || (info.type == .hash && !checked.isEmpty) || info.type == .stream
            return needs ? .elements : .summary
        }

        mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) {
            guard !skip else { return }
            if !checked.isEmpty, let name = String(validating: field, as: UTF8.self), checked.contains(name) { fields[name] = value.count }
            for k in collecting.indices { collecting[k].items.append((value, field)) }
        }

        mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) {
            guard !skip else { return }
            for k in collecting.indices { collecting[k].items.append((member, nil)) }
        }

        mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) {
            guard !skip else { return }
            for k in collecting.indices { collecting[k].items.append((member, nil)) }
        }

        mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) {
            if oldestMs == nil { oldestMs = Int64(id.ms) }
        }

        mutating func streamInfo(_ info: RDBKeyInfo, _ stream: RDBStreamInfo) {
            streamLength = Int(stream.length)
            if oldestMs == nil, stream.length > 0, let first = stream.firstID { oldestMs = Int64(first.ms) }
        }

        mutating func streamGroup(_ info: RDBKeyInfo, _ group: RDBStreamGroup) {
            groups.append(GroupObservation(name: String(decoding: group.name, as: UTF8.self), pending: group.pendingCount, consumers: []))
        }

        mutating func streamConsumer(_ info: RDBKeyInfo, group: [UInt8], _ consumer: RDBStreamConsumer) {
            let name = String(decoding: group, as: UTF8.self)
            if let k = groups.lastIndex(where: { $0.name == name }) {
                groups[k].consumers.append((String(decoding: consumer.name, as: UTF8.self), max(0, snapshotMs - consumer.seenTimeMs), consumer.pendingCount))
            }
        }

        mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) {
            guard !skip else { return }
            var o = KeyObservation(key: info.key, type: info.type.rawValue, ttlMs: info.expireAtMs.map { $0 - snapshotMs },
                                   memory: summary.recordBytes)
            if info.type == .hash { for f in checked { o.fieldLengths[f] = fields[f] ?? 0 } }
            if info.type == .stream {
                o.stream = StreamObservation(length: streamLength, oldestAgeMs: oldestMs.map { max(0, snapshotMs - $0) }, groups: groups)
            }
            checker.check(o, as: keyClass)
            if pattern != nil {
                for (ref, member) in AuditChecker.reverseReferences(of: info.key, schema: schema) { reverseChecks.append((ref, info.key, member)) }
            }
            for c in collecting { indexMembers.append((c.ref, info.key, c.items)) }
        }
    }
}

