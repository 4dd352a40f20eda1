import Foundation
import MemopsRDB

/// How a Redis Cluster is backed up, beyond what every backup takes (`BackupRequest`).
public struct ClusterBackupOptions: Sendable {
    /// Save each shard on an in-sync replica instead of its primary (the fork then never
    /// touches a primary); a shard without one falls back to its primary, with a warning.
    public var preferReplica = false
    /// Save every shard at one instant: writes paused on every primary for the moment the
    /// saves fork (`CLIENT PAUSE … WRITE`).
    public var consistent = false
    /// Shards saved and streamed at the same time.
    public var parallel = 4
    /// The pause's own timeout: if memops dies while writes are paused, the servers resume
    /// by themselves after this long.
    public var pauseTimeoutMilliseconds = 10_000

    public init() {}
}

/// What a cluster backup run did.
public struct ClusterBackupResult: Sendable {
    public var name: String
    public var path: String
    public var manifest: ClusterBackupManifest
    public var retention: RetentionPlan
    public var leftoversRemoved: [String]
    public var warnings: [String]
}

/// Backs up every shard of a Redis Cluster as one set: lock the destination, read the topology
/// (refusing slots on the move), pick each shard's node, optionally pause writes so every
/// shard forks its save at one instant, save and stream the shards in parallel into a hidden
/// folder, check that the topology did not change meanwhile, write the set's manifest and
/// publish the folder with one rename; then retention. Nothing is published unless every
/// shard's file was written and verified.
public struct ClusterBackupEngine {
    public let deployment: Deployment
    public let request: BackupRequest
    public let options: ClusterBackupOptions

    public init(deployment: Deployment, request: BackupRequest, options: ClusterBackupOptions) {
        self.deployment = deployment
        self.request = request
        self.options = options
    }

    public func run() throws -> ClusterBackupResult {
        let started = Date()
        let metrics = BackupEngine(connection: deployment.base, request: request)
        let recordInterruption = Interruption.shared.onInterrupt { signal in
            try? metrics.writeMetrics(status: 128 + signal, started: started, bytes: nil)
        }
        defer { Interruption.shared.remove(recordInterruption) }
        do {
            let result = try runLocked(started: started)
            try metrics.writeMetrics(status: 0, started: started, bytes: (result.manifest.rawBytes, result.manifest.storedBytes))
            return result
        } catch {
            let status = (error as? MemopsError)?.exitStatus.rawValue ?? ExitStatus.failed.rawValue
            if status != ExitStatus.locked.rawValue { try? metrics.writeMetrics(status: status, started: started, bytes: nil) }
            throw error
        }
    }

    /// The node a shard is saved on.
    struct Source: Sendable {
        var number: Int
        var shard: ClusterTopology.Shard
        var node: ClusterTopology.Node
        var isPrimary: Bool
        var file: String
    }

    private func runLocked(started: Date) throws -> ClusterBackupResult {
        if options.consistent, case .replication = request.source {
            throw TopologyError.unsupported(
                what: "\(CLIFlag.consistent) saves every shard with BGSAVE under one pause, which a replication stream cannot join",
                fix: "use \(CLIFlag.source) bgsave with \(CLIFlag.consistent), or leave \(CLIFlag.consistent) out")
        }
        let dest = request.destination
        try request.checkDestination()
        let single = BackupEngine(connection: deployment.base, request: request)
        let lock = try DestinationLock(directory: dest, wait: request.lockWait)
        defer { withExtendedLifetime(lock) {} }
        let leftovers = BackupCatalog.removeLeftovers(dest)

        let client = ClusterClient(deployment)
        try client.refresh()
        try ClusterBackupEngine.checkWhole(client.topology, seed: deployment.base.description)
        try client.checkNoSlotsMoving()
        let topology = client.topology
        let epoch = try ClusterBackupEngine.currentEpoch(client)
        var warnings: [String] = []
        let sources = try chooseSources(client, topology, warnings: &warnings)
        if case .bgsave = request.source { try checkDumpsAreTheNodesOwn(sources, client) }

        let seed = try client.connection(to: topology.shards[0].primary.address)
        let name = single.freeName(for: try ClusterBackupEngine.serverTime(seed), suffix: ClusterBackupManifest.suffix)
        let partial = URL(fileURLWithPath: dest).appendingPathComponent("." + name + ".partial").path
        guard mkdir(partial, 0o700) == 0 else { throw FileError("create", partial) }
        let cleanup = Interruption.shared.onInterrupt { _ in BackupCatalog.removeSetFolder(partial) }
        var published = false
        defer {
            Interruption.shared.remove(cleanup)
            if !published { BackupCatalog.removeSetFolder(partial) }
        }

        var tickets: [SaveWaiter.Ticket?] = Array(repeating: nil, count: sources.count)
        var consistency: ClusterBackupManifest.Consistency?
        var offsets: [Int64?] = Array(repeating: nil, count: sources.count)
        if options.consistent {
            (tickets, offsets, consistency) = try saveAtOneInstant(client, sources)
        }
        let shards = try captureAll(sources, tickets: tickets, into: partial)
        Fault.point("backup.shards-written")

        // The topology must still be the one the shards were saved under.
        try ClusterBackupEngine.checkUnchanged(client, topology: topology, epoch: epoch)

        let finished = Date()
        var entries: [ClusterBackupManifest.Shard] = []
        for (i, source) in sources.enumerated() {
            let (manifest, offset) = shards[i]
            entries.append(.init(primaryID: source.shard.primary.id, primaryAddress: source.shard.primary.address,
                                 slots: source.shard.slots.map { [$0.lowerBound, $0.upperBound] },
                                 nodeID: source.node.id, nodeAddress: source.node.address, role: source.isPrimary ? "primary" : "replica",
                                 replicationOffset: offsets[i] ?? offset, manifest: manifest))
        }
        var parameters = request.parameters
        parameters["prefer-replica"] = options.preferReplica ? "yes" : "no"
        parameters["consistent"] = options.consistent ? "yes" : "no"
        parameters["parallel"] = String(options.parallel)
        let manifest = ClusterBackupManifest(
            name: name, startedAt: started, savedAt: consistency?.pausedAt ?? entries.map(\.manifest.savedAt).min() ?? started,
            finishedAt: finished, durationSeconds: finished.timeIntervalSince(started),
            source: request.source == .replication ? "replication" : "bgsave",
            cluster: .init(seed: deployment.base.description, currentEpoch: epoch, slotsCovered: HashSlot.count - topology.unassignedSlots),
            consistency: consistency, shards: entries, memopsVersion: memopsVersion, parameters: parameters)
        let file = try AtomicFile(path: URL(fileURLWithPath: partial).appendingPathComponent(ClusterBackupManifest.fileName).path)
        try file.write(manifest.encoded())
        try file.sync()
        try file.rename()
        try syncDirectory(of: file.finalPath)
        let final = URL(fileURLWithPath: dest).appendingPathComponent(name).path
        try Interruption.shared.critical { () throws(FileError) in
            guard rename(partial, final) == 0 else { throw FileError("publish", final, hint: "nothing was published and older backups were kept") }
            published = true
        }
        try syncDirectory(of: final)
        Fault.point("backup.published")

        let plan = request.retention.plan(try BackupCatalog.list(dest, prefix: request.prefix), protected: name)
        if !request.retentionDryRun { try plan.apply(in: dest) }
        return ClusterBackupResult(name: name, path: final, manifest: manifest, retention: plan, leftoversRemoved: leftovers, warnings: warnings)
    }

    /// Every slot owned, by at least one shard: a map read again may have lost a shard whose
    /// primary is now flagged failed.
    static func checkWhole(_ topology: ClusterTopology, seed: String) throws {
        if topology.shards.isEmpty || topology.unassignedSlots > 0 {
            throw TopologyError.clusterNotOK(server: seed, reason: "\(topology.unassignedSlots) slots have no healthy primary")
        }
    }

    /// From the nodes' own files (BGSAVE), each node's dump must be a file of this host that no
    /// other node names: a node on another host names a path that here is another server's
    /// file (or this host's own), which would be saved in its place and pass every check.
    private func checkDumpsAreTheNodesOwn(_ sources: [Source], _ client: ClusterClient) throws {
        if case .bgsave(let path?) = request.source {
            throw TopologyError.unsupported(what: "\(CLIFlag.rdbPath) \(path) names one file, and a cluster has one per node",
                                            fix: "leave it out (each node's CONFIG GET dir and dbfilename are used) or use \(CLIFlag.source) replication")
        }
        let local = Set(ClusterBackupEngine.localAddresses())
        var seen: [String: String] = [:]
        for source in sources {
            guard local.contains(source.node.host) else {
                throw TopologyError.unsupported(
                    what: "\(source.node.address) is not on this host, so its dump file cannot be read here",
                    fix: "use \(CLIFlag.source) replication (each shard is streamed over the network)")
            }
            let redis = try client.connection(to: source.node.address)
            guard let dir = try redis.configGet("dir"), let file = try redis.configGet("dbfilename") else { continue }
            let path = URL(fileURLWithPath: dir).appendingPathComponent(file).standardizedFileURL.path
            if let other = seen[path] {
                throw TopologyError.unsupported(what: "\(other) and \(source.node.address) both save to \(path)",
                                                fix: "give each node its own dir or dbfilename, or use \(CLIFlag.source) replication")
            }
            seen[path] = source.node.address
        }
    }

    /// This host's addresses (loopback included), as cluster replies write them.
    static func localAddresses() -> [String] {
        var out = ["127.0.0.1", "::1", "localhost"]
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return out }
        defer { freeifaddrs(list) }
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let addr = entry.pointee.ifa_addr else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let length = addr.pointee.sa_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
            guard [sa_family_t(AF_INET), sa_family_t(AF_INET6)].contains(addr.pointee.sa_family),
                  getnameinfo(addr, socklen_t(length), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            out.append(text.split(separator: "%").first.map(String.init) ?? "")
        }
        return out
    }

    /// Each shard's node: its primary, or with `preferReplica` the replica with its link up
    /// that is furthest along (a shard without one is saved on its primary, with a warning).
    private func chooseSources(_ client: ClusterClient, _ topology: ClusterTopology, warnings: inout [String]) throws -> [Source] {
        var sources: [Source] = []
        for (i, shard) in topology.shards.enumerated() {
            let file = "shard-\(i + 1)-\(shard.primary.id.prefix(8)).rdb.zst"
            var chosen: (node: ClusterTopology.Node, offset: Int64)?
            if options.preferReplica {
                for replica in shard.replicas {
                    guard let info = try? client.connection(to: replica.address).info("replication"),
                          info["master_link_status"] == "up", let offset = info["slave_repl_offset"].flatMap({ Int64($0) }) else { continue }
                    if offset > chosen?.offset ?? -1 { chosen = (replica, offset) }
                }
                if chosen == nil {
                    warnings.append("shard \(i + 1) (\(shard.primary.address)) has no replica with its link up: saved on its primary")
                }
            }
            sources.append(Source(number: i + 1, shard: shard, node: chosen?.node ?? shard.primary, isPrimary: chosen == nil, file: file))
        }
        return sources
    }

    /// Pauses writes on every primary, checks that their replication offsets stand still (and
    /// that each chosen replica has reached its primary's), forks a save on every chosen node
    /// at once, and lifts the pause: every shard's save holds the same instant. Returns the
    /// save tickets, the offsets and the measured pause.
    private func saveAtOneInstant(_ client: ClusterClient, _ sources: [Source]) throws
        -> ([SaveWaiter.Ticket?], [Int64?], ClusterBackupManifest.Consistency)
    {
        let waiter = SaveWaiter(timeout: request.saveTimeout)
        // Before the pause: a save or rewrite already running would not be of the instant.
        var nodes: [RedisConnection] = []
        for source in sources {
            let redis = try RedisConnection(deployment.config(for: source.node))
            try ClusterBackupEngine.waitForNoSave(redis, timeout: request.saveTimeout)
            nodes.append(redis)
        }
        var tickets: [SaveWaiter.Ticket?] = []
        for redis in nodes { tickets.append(try waiter.prepare(on: redis)) }
        let primaries = try sources.map { try client.connection(to: $0.shard.primary.address) }
        // CLIENT UNPAUSE while nothing is paused changes nothing: it proves the pause can be
        // lifted before writes are paused (else they would stay paused until its timeout).
        for p in primaries { try p.command([Word.client, Word.unpause]) }

        let pausedAt = Date()
        let clock = ContinuousClock()
        let start = clock.now
        let pause = [Word.client, Word.pause, Array(String(options.pauseTimeoutMilliseconds).utf8), Word.write]
        // Every primary a pause went to is unpaused, whatever happens, a signal included (each
        // on a connection of its own: the one that paused may be the one that broke).
        var paused: [RedisConnection] = []
        let unpauseOnSignal = Interruption.shared.onInterrupt { [deployment] _ in
            for source in sources {
                _ = try? RedisConnection(deployment.config(for: source.shard.primary)).command([Word.client, Word.unpause])
            }
        }
        defer { Interruption.shared.remove(unpauseOnSignal) }
        var failure: (any Error)?
        for p in primaries {
            do {
                paused.append(p)
                try p.send(RESPEncoder(commands: [pause]), during: "CLIENT PAUSE")
            } catch {
                failure = failure ?? error
                break
            }
        }
        for p in paused where failure == nil {
            do {
                let reply = try p.receive(during: "CLIENT PAUSE")
                if let m = reply.errorMessage { throw p.refusal(m, command: "CLIENT PAUSE") }
            } catch {
                failure = failure ?? error
            }
        }
        var offsets: [Int64?] = Array(repeating: nil, count: sources.count)
        if failure == nil {
            do {
                offsets = try ClusterBackupEngine.settledOffsets(primaries: primaries, sources: sources, nodes: nodes)
                try SaveWaiter.forkNow(nodes)
            } catch {
                failure = error
            }
        }
        // Unpause whatever happened: every primary a pause was sent to, on a fresh connection
        // where its own broke.
        let elapsed = clock.now - start
        for (p, source) in zip(paused, sources) {
            do {
                let reply = try p.command([Word.client, Word.unpause])
                if let m = reply.errorMessage { throw p.refusal(m, command: "CLIENT UNPAUSE") }
            } catch {
                if (try? RedisConnection(deployment.config(for: source.shard.primary)).command([Word.client, Word.unpause])) == nil {
                    // Writes there resume by themselves when the pause's timeout ends.
                    failure = failure ?? error
                }
            }
        }
        if let failure { throw failure }
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        if ms >= Double(options.pauseTimeoutMilliseconds) {
            throw TopologyError.changed(during: "the pause", reason: "the saves took \(Int(ms)) ms to fork, longer than the pause's \(options.pauseTimeoutMilliseconds) ms: writes resumed before every shard had forked, so the set would not be of one instant")
        }
        Fault.point("backup.paused")
        return (tickets, offsets, .init(pausedMilliseconds: (ms * 1000).rounded() / 1000, pausedAt: pausedAt))
    }

    /// With writes paused: each primary's master_repl_offset read twice must be the same, and
    /// each chosen replica must have reached it (waiting up to a second). Returns each
    /// source's offset.
    static func settledOffsets(primaries: [RedisConnection], sources: [Source], nodes: [RedisConnection]) throws -> [Int64?] {
        func offset(_ redis: RedisConnection, _ field: String) throws -> Int64? { try redis.info("replication")[field].flatMap { Int64($0) } }
        var offsets: [Int64?] = []
        let deadline = Date().addingTimeInterval(1)
        for (i, source) in sources.enumerated() {
            let first = try offset(primaries[i], "master_repl_offset")
            usleep(2_000)
            let second = try offset(primaries[i], "master_repl_offset")
            guard first == second else {
                throw TopologyError.changed(during: "the pause", reason: "\(source.shard.primary.address) kept writing (offset \(first ?? 0) → \(second ?? 0)) while paused")
            }
            if !source.isPrimary {
                while try offset(nodes[i], "slave_repl_offset") != second {
                    guard Date() < deadline else {
                        throw TopologyError.changed(during: "the pause", reason: "the replica \(source.node.address) did not reach its primary's offset \(second ?? 0) within a second")
                    }
                    usleep(1_000)
                }
            }
            offsets.append(second)
        }
        return offsets
    }

    /// Saves and streams every shard, `parallel` at a time, each on its own thread and
    /// connection; the first failure stops the set (the other shards finish their file first).
    private func captureAll(_ sources: [Source], tickets: [SaveWaiter.Ticket?], into folder: String) throws -> [(BackupManifest, Int64?)] {
        struct Shared {
            var next = 0
            var results: [Int: (BackupManifest, Int64?)] = [:]
            var failure: (any Error)?
            var running = 0
        }
        let shared = Monitor(Shared())
        var shardRequest = request
        let parallel = max(1, min(options.parallel, sources.count))
        shardRequest.workers = max(1, request.workers / Int32(parallel))
        let deployment = self.deployment
        let started = Date()
        let workers = (0..<parallel).map { n in
            WorkerThread(name: "memops-shard-\(n)") { [shardRequest] in
                while true {
                    let index: Int? = shared.withLock { s in
                        guard s.failure == nil, s.next < sources.count else { return nil }
                        defer { s.next += 1 }
                        return s.next
                    }
                    guard let index else { return }
                    let source = sources[index]
                    do {
                        let config = deployment.config(for: source.node)
                        let engine = BackupEngine(connection: config, request: shardRequest)
                        let redis = try RedisConnection(config)
                        let captured = try engine.capture(redis, in: folder, started: started, ticket: tickets[index]) { _ in source.file }
                        try captured.output.rename()
                        let field = source.isPrimary ? "master_repl_offset" : "slave_repl_offset"
                        let offset = (try? redis.info("replication"))?[field].flatMap { Int64($0) }
                        shared.withLock { $0.results[index] = (captured.manifest, offset) }
                    } catch {
                        shared.withLock { if $0.failure == nil { $0.failure = ShardFailure(shard: source.number, node: source.node.address, error: error) } }
                    }
                }
            }
        }
        workers.forEach { $0.join() }
        return try shared.withLock { s in
            if let failure = s.failure { throw failure }
            return sources.indices.map { s.results[$0]! }
        }
    }

    /// Waits until `redis` runs no background save and no AOF rewrite.
    static func waitForNoSave(_ redis: RedisConnection, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let p = try redis.info("persistence")
            if p["rdb_bgsave_in_progress"] != "1" && p["aof_rewrite_in_progress"] != "1" { return }
            guard Date() < deadline else { throw BackupError.saveTimeout(server: redis.config.description, seconds: timeout) }
            usleep(50_000)
        }
    }

    /// CLUSTER INFO's cluster_current_epoch.
    static func currentEpoch(_ client: ClusterClient) throws -> Int64? {
        guard let first = client.topology.shards.first else { return nil }
        let text = try client.connection(to: first.primary.address).command([Word.cluster, Word.info]).string ?? ""
        return text.split(whereSeparator: \.isNewline).first { $0.hasPrefix("cluster_current_epoch:") }
            .flatMap { Int64($0.dropFirst("cluster_current_epoch:".count).trimmingCharacters(in: .whitespaces)) }
    }

    /// Reads the topology again: the same primaries with the same slots, and the same epoch
    /// (a failover or a slot moved raises it), else the set is not published.
    static func checkUnchanged(_ client: ClusterClient, topology: ClusterTopology, epoch: Int64?) throws {
        do {
            try client.refresh()
        } catch {
            throw TopologyError.changed(during: "the backup", reason: "the topology could not be read again (\(error))")
        }
        let before = topology.shards.map { "\($0.primary.id) \(ClusterTopology.describe($0.slots))" }
        let after = client.topology.shards.map { "\($0.primary.id) \(ClusterTopology.describe($0.slots))" }
        if before != after {
            let gone = Set(before).subtracting(after).sorted().first ?? ""
            throw TopologyError.changed(during: "the backup", reason: "shard \(gone) is not what it was (a failover or a resharding)")
        }
        try checkWhole(client.topology, seed: topology.shards.first?.primary.address ?? "")
        let now = try currentEpoch(client)
        if now != epoch {
            throw TopologyError.changed(during: "the backup", reason: "the cluster's epoch moved from \(epoch ?? 0) to \(now ?? 0) (a failover or a resharding)")
        }
        try client.checkNoSlotsMoving()
    }

    static func serverTime(_ redis: RedisConnection) throws -> Date {
        let parts = try redis.command("TIME").elements ?? []
        guard parts.count == 2, let s = parts[0].integer, let us = parts[1].integer else { return Date() }
        return Date(timeIntervalSince1970: Double(s) + Double(us) / 1e6)
    }
}

/// A shard's backup failed: which shard, on which node, and why; the set is not published.
public struct ShardFailure: MemopsError {
    public var shard: Int
    public var node: String
    public var error: any Error

    public var exitStatus: ExitStatus { (error as? MemopsError)?.exitStatus ?? .failed }
    public var description: String { "shard \(shard) (\(node)): \(error); nothing was published" }
}
