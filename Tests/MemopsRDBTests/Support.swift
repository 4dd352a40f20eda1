import Foundation
import Testing
@testable import MemopsRDB

/// The shared corpus: `../shared/rdb-corpus` beside the package root (CI has shared/ beside the
/// clone). Missing corpus is a failure, not a skip.
enum Corpus {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let root: URL = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/rdb-corpus")

    static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    static func bytes(_ relative: String) throws -> [UInt8] {
        let u = url(relative)
        guard let d = FileManager.default.contents(atPath: u.path) else {
            throw CorpusMissing(path: u.path)
        }
        return [UInt8](d)
    }

    /// Every .rdb / .aof file in the corpus, relative to its root.
    static func allFiles() throws -> [String] {
        guard let e = FileManager.default.enumerator(atPath: root.path) else { throw CorpusMissing(path: root.path) }
        var out: [String] = []
        while let p = e.nextObject() as? String {
            if p.hasSuffix(".rdb") || p.hasSuffix(".aof") { out.append(p) }
        }
        guard !out.isEmpty else { throw CorpusMissing(path: root.path) }
        return out.sorted()
    }
}

struct CorpusMissing: Error, CustomStringConvertible {
    let path: String
    var description: String { "the RDB corpus is missing at \(path); tests need ../shared/rdb-corpus beside the package" }
}

/// Everything a file holds, gathered in memory for comparisons (tests only).
struct Model: RDBVisitor {
    enum Value: Equatable {
        case string([UInt8])
        case list([[UInt8]])
        case set([[UInt8]])
        case zset([ZMember])
        case hash([HField])
        case stream(StreamValue)
        case module(String)
    }
    struct ZMember: Equatable { var member: [UInt8]; var score: Double }
    struct HField: Equatable { var field: [UInt8]; var value: [UInt8]; var expireAtMs: Int64? }
    struct Group: Equatable {
        var group: RDBStreamGroup
        var pending: [StreamID] = []
        var consumers: [(RDBStreamConsumer, [StreamID])] = []
        static func == (a: Group, b: Group) -> Bool {
            a.group == b.group && a.pending == b.pending && a.consumers.map(\.0) == b.consumers.map(\.0)
                && a.consumers.map(\.1) == b.consumers.map(\.1)
        }
    }
    struct StreamValue: Equatable {
        var entries: [(StreamID, [[UInt8]])] = []
        var info: RDBStreamInfo?
        var groups: [Group] = []
        static func == (a: StreamValue, b: StreamValue) -> Bool {
            a.entries.map(\.0) == b.entries.map(\.0) && a.entries.map(\.1) == b.entries.map(\.1) && a.info == b.info && a.groups == b.groups
        }
    }
    struct Key {
        var info: RDBKeyInfo
        var value: Value
        var summary: RDBKeySummary?
    }

    var header: RDBHeader?
    var aux: [(key: [UInt8], value: [UInt8])] = []
    var functions: [[UInt8]] = []
    var functionRecords: [[UInt8]] = []
    var moduleAux: [String] = []
    var slots: [(UInt64, UInt64, UInt64)] = []
    var keys: [Key] = []
    var checksum: RDBChecksum?
    var type: RDBKeyType = .string
    var bytes: [UInt8] = []
    var items: [[UInt8]] = []
    var zitems: [ZMember] = []
    var hitems: [HField] = []
    var moduleName = ""
    var stream = StreamValue()

    mutating func header(_ header: RDBHeader) { self.header = header }
    mutating func aux(key: [UInt8], value: [UInt8]) { aux.append((key, value)) }
    mutating func function(code: [UInt8], record: [UInt8]) { functions.append(code); functionRecords.append(record) }
    mutating func moduleAux(name: String, moduleID: UInt64, when: UInt64) { moduleAux.append(name) }
    mutating func slotInfo(slot: UInt64, keys: UInt64, expires: UInt64) { slots.append((slot, keys, expires)) }

    mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery {
        type = info.type
        bytes = []
        items = []
        zitems = []
        hitems = []
        stream = StreamValue()
        return .elements
    }
    mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) {
        bytes += chunk
    }
    mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) { items.append(element) }
    mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) { items.append(member) }
    mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) {
        zitems.append(ZMember(member: member, score: score))
    }
    mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) {
        hitems.append(HField(field: field, value: value, expireAtMs: expireAtMs))
    }
    mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) {
        stream.entries.append((id, fields.flatMap { [$0.field, $0.value] }))
    }
    mutating func streamInfo(_ info: RDBKeyInfo, _ s: RDBStreamInfo) { stream.info = s }
    mutating func streamGroup(_ info: RDBKeyInfo, _ group: RDBStreamGroup) { stream.groups.append(Group(group: group)) }
    mutating func streamPending(_ info: RDBKeyInfo, group: [UInt8], id: StreamID, deliveryTimeMs: Int64, deliveryCount: UInt64) {
        stream.groups[stream.groups.count - 1].pending.append(id)
    }
    mutating func streamConsumer(_ info: RDBKeyInfo, group: [UInt8], _ consumer: RDBStreamConsumer) {
        stream.groups[stream.groups.count - 1].consumers.append((consumer, []))
    }
    mutating func streamConsumerPending(_ info: RDBKeyInfo, group: [UInt8], consumer: [UInt8], id: StreamID) {
        let g = stream.groups.count - 1
        stream.groups[g].consumers[stream.groups[g].consumers.count - 1].1.append(id)
    }
    mutating func moduleValue(_ info: RDBKeyInfo, name: String, moduleID: UInt64) { moduleName = name }
    mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) {
        let value: Value
        switch type {
        case .string: value = .string(bytes)
        case .list: value = .list(items)
        case .set: value = .set(items)
        case .zset: value = .zset(zitems)
        case .hash: value = .hash(hitems)
        case .stream: value = .stream(stream)
        case .module: value = .module(moduleName)
        }
        keys.append(Key(info: info, value: value, summary: summary))
    }
    mutating func end(checksum: RDBChecksum, offset: Int) { self.checksum = checksum }

    /// Reads `bytes` into a new model.
    static func read(_ bytes: [UInt8]) throws(RDBError) -> Model {
        var m = Model()
        do {
            try RDBReader(MemorySource(bytes)).read(into: &m)
        } catch let e as RDBError {
            throw e
        } catch {
            Issue.record("the model's callbacks do not throw, yet \(error) came out of the reader")
        }
        return m
    }

    func key(_ name: String, db: Int? = nil) -> Key? {
        keys.first { $0.info.key == Array(name.utf8) && (db == nil || $0.info.db == db) }
    }
}

extension Array where Element == UInt8 {
    var text: String { String(decoding: self, as: UTF8.self) }
}
