import Foundation
import MemopsRDB

/// Which slots a stopped cluster node's data directory serves, from the cluster config file in
/// it (`nodes.conf`, or whatever file holds a `myself` line): a primary's own slots, a
/// replica's primary's.
public struct NodeDirectory: Sendable, Equatable {
    public var directory: String
    public var nodeID: String
    public var isPrimary: Bool
    public var slots: [ClosedRange<Int>]

    /// Reads the directory's cluster config file: `configFile` (cluster-config-file) when
    /// given, else the one `.conf` file in it with a `myself` line (two are refused: a shared
    /// directory or a stale copy would give another node's slots).
    public static func read(_ directory: String, configFile: String? = nil) throws -> NodeDirectory {
        let names = configFile.map { [$0] } ?? ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".conf") }.sorted()
        var found: [(name: String, node: NodeDirectory)] = []
        for name in names {
            let path = name.hasPrefix("/") ? name : URL(fileURLWithPath: directory).appendingPathComponent(name).path
            guard let data = try? readSmallFile(path, limit: 16 << 20),
                  let node = parse(String(decoding: data, as: UTF8.self), directory: directory) else { continue }
            found.append((name, node))
        }
        if found.count > 1 {
            throw RestoreError.invalid("\(directory) holds several cluster config files (\(found.map(\.name).joined(separator: ", "))); name the node's own with its cluster-config-file in \(CLIFlag.config)")
        }
        guard let node = found.first?.node else {
            throw RestoreError.invalid("\(directory) holds no cluster config file (nodes.conf with a \"myself\" line); a cluster restore needs each node's data directory, where redis-server --cluster-enabled yes keeps it")
        }
        return node
    }

    /// Parses CLUSTER NODES' format: `id addr flags master ping pong epoch link slot…`.
    static func parse(_ text: String, directory: String) -> NodeDirectory? {
        var slotsOf: [String: [ClosedRange<Int>]] = [:]
        var myself: (id: String, primary: String?)?
        for line in text.split(whereSeparator: \.isNewline) {
            let f = line.split(separator: " ").map(String.init)
            guard f.count >= 8, f[0].count == 40 else { continue }
            var slots: [ClosedRange<Int>] = []
            for s in f.dropFirst(8) where !s.hasPrefix("[") {
                let bounds = s.split(separator: "-").compactMap { Int($0) }
                if bounds.count == 1 { slots.append(bounds[0]...bounds[0]) } else if bounds.count == 2, bounds[0] <= bounds[1] { slots.append(bounds[0]...bounds[1]) }
            }
            slotsOf[f[0]] = slots
            let flags = f[2].split(separator: ",")
            if flags.contains("myself") { myself = (f[0], flags.contains("slave") || flags.contains("replica") ? f[3] : nil) }
        }
        guard let myself else { return nil }
        return NodeDirectory(directory: directory, nodeID: myself.id, isPrimary: myself.primary == nil,
                             slots: slotsOf[myself.primary ?? myself.id] ?? [])
    }
}

/// Installs a backup (a cluster set, or a single server's file) into the stopped nodes of a
/// cluster: the keys are split by the slot map read from each node's data directory, so each
/// directory gets a dump of exactly the slots its node serves (a replica's: its primary's),
/// and each is then installed as `OfflineRestore` installs one file (verified, the old files
/// quarantined, an AOF base when the node runs with appendonly).
public struct ClusterOfflineRestore {
    public var backup: String
    public var directories: [String]
    /// Settings for every node's install (server version, force, dry run); the backup and
    /// directory are set per node.
    public var template: OfflineRestoreOptions

    public init(backup: String, directories: [String], template: OfflineRestoreOptions) {
        self.backup = backup
        self.directories = directories
        self.template = template
    }

    /// One node's part of the restore.
    public struct NodeResult: Sendable {
        public var node: NodeDirectory
        public var keys: Int
        public var result: OfflineRestoreResult
    }

    /// The cluster-config-file that `--config` names, if it names one.
    private var clusterConfigFile: String? {
        guard let config = template.configFile, let data = try? readSmallFile(config) else { return nil }
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "cluster-config-file" { return String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
        }
        return nil
    }

    public func run() throws -> [NodeResult] {
        let configFile = clusterConfigFile
        let nodes = try directories.map { try NodeDirectory.read($0, configFile: configFile) }
        var owner = [Int](repeating: -1, count: HashSlot.count)
        for (i, node) in nodes.enumerated() where node.isPrimary {
            for range in node.slots { for slot in range { owner[slot] = i } }
        }
        let uncovered = owner.filter { $0 < 0 }.count
        if uncovered > 0 {
            throw RestoreError.invalid("the primaries' data directories given serve \(HashSlot.count - uncovered) of \(HashSlot.count) slots; give every primary's (\(CLIFlag.dataDir) once for each), or the keys of the others would be lost")
        }
        let scratch = URL(fileURLWithPath: template.dataDirectory).deletingLastPathComponent().path
        let work = try SpoolDirectory.make(near: scratch)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let primaries = nodes.indices.filter { nodes[$0].isPrimary }
        var splitter = try RDBSplitter(outputs: primaries.map { work + "/node-\($0).rdb" })
        let slotOutput = owner.map { primaries.firstIndex(of: $0)! }
        for part in try LiveRestore.parts(of: backup) {
            splitter.route = { key in slotOutput[HashSlot.of(key)] }
            do {
                try RDBReader(try openRDB(path: part.path)).read(into: &splitter)
            } catch let error as RDBError {
                throw RestoreError.corruptBackup(path: part.path, reason: error.description)
            }
        }
        let counts = try splitter.finish()
        // Every node's install is planned (and its checks run: no server running there, the
        // version reads the file) before any is made, so a refusal leaves every node as it was.
        var plans: [(NodeDirectory, Int, OfflineRestoreOptions)] = []
        for (i, node) in nodes.enumerated() {
            // A replica's directory gets its primary's slots.
            let output = node.isPrimary ? primaries.firstIndex(of: i)! : slotOutput[node.slots.first?.lowerBound ?? 0]
            var options = template
            options.backup = work + "/node-\(primaries[output]).rdb"
            options.dataDirectory = node.directory
            var dry = options
            dry.dryRun = true
            _ = try OfflineRestore(options: dry).run()
            plans.append((node, counts[output], options))
        }
        return try plans.map { NodeResult(node: $0.0, keys: $0.1, result: try OfflineRestore(options: $0.2).run()) }
    }
}

/// A temporary folder for the split files, beside the data directories when possible.
enum SpoolDirectory {
    static func make(near directory: String) throws -> String {
        for base in [directory, ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"] {
            let path = base + "/.memops-split-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            if mkdir(path, 0o700) == 0 { return path }
        }
        throw FileError("create", directory + "/.memops-split-…")
    }
}

/// Writes the keys an RDB reader passes to one of several new RDB files, chosen per key by
/// `route`: the header and function libraries go to every file, each key (with its expiry and
/// LRU/LFU) to its file, byte for byte as stored; `finish` ends every file with its CRC64.
/// Memory: one key's bytes at a time.
struct RDBSplitter: RDBVisitor {
    private struct Output {
        var handle: FileHandle
        var path: String
        var crc = CRC64()
        var db: Int?
        var keys = 0
        var buffer: [UInt8] = []
    }

    private var outputs: [Output]
    var route: ([UInt8]) -> Int = { _ in 0 }
    private var started = false
    /// Files read so far (a set's shards): only the first one's libraries are written.
    private var files = 0
    private var current: Int?

    init(outputs paths: [String]) throws {
        outputs = try paths.map { path in
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                  let handle = FileHandle(forWritingAtPath: path) else { throw FileError("create", path) }
            return Output(handle: handle, path: path)
        }
    }

    private mutating func write(_ bytes: [UInt8], to i: Int) throws {
        outputs[i].crc.update(bytes)
        outputs[i].buffer += bytes
        if outputs[i].buffer.count >= 1 << 20 { try flush(i) }
    }

    private mutating func flush(_ i: Int) throws {
        guard !outputs[i].buffer.isEmpty else { return }
        do { try outputs[i].handle.write(contentsOf: outputs[i].buffer) } catch { throw FileError("write", outputs[i].path) }
        outputs[i].buffer.removeAll(keepingCapacity: true)
    }

    mutating func header(_ header: RDBHeader) throws {
        files += 1
        // The first file's header starts every output; a set's shards share one version.
        guard !started else { return }
        started = true
        for i in outputs.indices { try write(Array(header.text.utf8), to: i) }
    }

    mutating func function(code: [UInt8], record: [UInt8]) throws {
        // Every shard file of a set holds the libraries: the first file's go to every node.
        guard files == 1 else { return }
        for i in outputs.indices { try write(record, to: i) }
    }

    mutating func beginKey(_ info: RDBKeyInfo) throws -> RDBDelivery {
        guard info.db == 0 else { throw RestoreError.databasesBeyondCluster(databases: [info.db], offline: true) }
        let i = route(info.key)
        current = i
        var head: [UInt8] = []
        if outputs[i].db != info.db {
            head.append(RDBOpcode.selectDB)
            head += RDBSplitter.length(UInt64(info.db))
            outputs[i].db = info.db
        }
        if let at = info.expireAtMs {
            head.append(RDBOpcode.expireTimeMs)
            withUnsafeBytes(of: at.littleEndian) { head += $0 }
        }
        if let idle = info.lruIdle {
            head.append(RDBOpcode.idle)
            head += RDBSplitter.length(idle)
        } else if let freq = info.lfuFreq {
            head += [RDBOpcode.freq, freq]
        }
        head.append(info.typeCode)
        head += RDBSplitter.length(UInt64(info.key.count)) + info.key
        try write(head, to: i)
        outputs[i].keys += 1
        return .raw
    }

    mutating func rawValue(_ info: RDBKeyInfo, _ bytes: [UInt8]) throws {
        if let current { try write(bytes, to: current) }
    }

    mutating func endKey(_ info: RDBKeyInfo, _ summary: RDBKeySummary) throws {
        current = nil
    }

    /// Ends every file (EOF and CRC64), closes it, and returns each one's key count.
    mutating func finish() throws -> [Int] {
        for i in outputs.indices {
            try write([RDBOpcode.eof], to: i)
            var tail: [UInt8] = []
            withUnsafeBytes(of: outputs[i].crc.value.littleEndian) { tail += $0 }
            outputs[i].buffer += tail
            try flush(i)
            do {
                try outputs[i].handle.synchronize()
                try outputs[i].handle.close()
            } catch {
                throw FileError("write", outputs[i].path)
            }
        }
        return outputs.map(\.keys)
    }

    /// RDB's length encoding (rdbSaveLen): 6 bits, 14 bits, 32 or 64 bits big-endian.
    static func length(_ n: UInt64) -> [UInt8] {
        switch n {
        case ..<64: return [UInt8(n)]
        case ..<16384: return [0x40 | UInt8(n >> 8), UInt8(n & 0xff)]
        case ...UInt64(UInt32.max): return [0x80] + withUnsafeBytes(of: UInt32(n).bigEndian) { Array($0) }
        default: return [0x81] + withUnsafeBytes(of: n.bigEndian) { Array($0) }
        }
    }
}
