import Foundation

/// Generates seed-shaped sample data as a stream of Redis commands, never the whole dataset at
/// once: each command is built, handed to the caller and dropped.
///
/// Every entity draws its values from its own random stream (seed, namespace, index), so the
/// output depends only on the spec, and ids and faulted keys are known before anything is
/// generated. Timestamps spread evenly, with jitter, over the period ending at `spec.now`; index
/// scores are unix seconds, stream ids are the entries' milliseconds.
///
/// Sessions are all live: their creation time (`timestamp`, index scores) spreads over the period,
/// and their TTL is what is left of 7 days since their last activity, somewhere in the last week
/// (at least an hour, at most 604,800 s), so none expires while a test or demo looks at it.
public struct SampleDataGenerator: Sendable {
    public let spec: SampleDataSpec
    /// Exactly the faults this dataset holds, one entry per faulted key (or index member).
    public let faults: [SampleDataFault]
    /// How many keys each schema pattern gets, in emission order; bad names are `(bad names)`.
    public let keyCounts: [SampleDataKeyCount]
    /// Queue entries written: `counts.queue`, or fewer when `queueMaxLength` trims.
    public let queueEntries: Int
    /// Users the sessions belong to (`user:{name}:sessions`).
    public let users: [String]
    /// Node names, in order; node `i` runs `models[i]`.
    public let nodes: [String]
    /// Model names, one active per node.
    public let models: [String]

    private let pools: SampleDataPools
    /// The schema's keys by role: every key written is one of these.
    private let keys: GeneratorKeys
    private let sessionFaults: [Int: SampleDataFaultKind]
    private let embeddingFaults: [Int: SampleDataFaultKind]
    private let cacheFaults: Set<Int>
    private let staleNodes: Set<Int>

    /// The tool cache's tools and their TTL class from the schema's cache policy: read-only ops
    /// 2 h, write ops 5 min, default 1 h, expensive ops (model inference) 24 h.
    public static let cacheTools: [(tool: String, ttl: Int)] = [
        ("read", 7_200), ("grep", 7_200), ("ls", 7_200), ("cat", 7_200),
        ("edit", 300), ("write", 300), ("git_commit", 300),
        ("bash", 3_600), ("python", 3_600), ("web_fetch", 3_600),
        ("inference", 86_400), ("benchmark", 86_400),
    ]
    /// The session TTL the schema sets (`EXPIRE session:{id} 604800`).
    public static let sessionTTL = 604_800
    /// The heartbeat TTL the schema sets (`SETEX node:{name}:heartbeat 30`).
    public static let heartbeatTTL = 30
    /// The size of an embedding's vector: 768 float32s.
    public static let vectorBytes = 3_072
    /// Wrong vector sizes used by `badVectorSize` faults: one float short, one too many, and a
    /// 384-dimension model's vector.
    public static let badVectorSizes = [3_068, 3_076, 1_536]

    /// Plans the dataset: names, fault positions and key counts. Throws when more faults are
    /// asked for than there are entities to carry them.
    public init(_ spec: SampleDataSpec) throws(SampleDataError) {
        self.spec = spec
        let c = spec.counts
        for (name, n) in [("sessions", c.sessions), ("embeddings", c.embeddings), ("queue", c.queue), ("cache", c.cache), ("nodes", c.nodes), ("events", c.events)] where n < 0 {
            throw .invalidSpec("\(name) must be 0 or more, not \(n)")
        }
        if let max = spec.queueMaxLength, max < 1 { throw .invalidSpec("the queue's maximum length must be 1 or more, not \(max)") }
        keys = try GeneratorKeys(SchemaKeys(spec.schema), counts: c, faults: spec.faults)
        pools = SampleDataPools.shared
        users = Array(SampleDataPools.userNames.prefix(min(SampleDataPools.userNames.count, c.sessions)))
        nodes = (0..<c.nodes).map { $0 < SampleDataPools.nodeNames.count ? SampleDataPools.nodeNames[$0] : "node\($0 + 1)" }
        models = (0..<c.nodes).map { $0 < SampleDataPools.modelNames.count ? SampleDataPools.modelNames[$0].name : "model-\($0 + 1)" }
        queueEntries = min(c.queue, spec.queueMaxLength ?? c.queue)

        // Fault positions: spread evenly over each namespace, disjoint between kinds.
        let f = spec.faults
        var wrongSessions = 0
        var wrongEmbeddings = 0
        for j in 0..<f[.wrongType] {
            let sessionRoom = c.sessions - f[.sessionWithoutTTL] - wrongSessions
            let embeddingRoom = c.embeddings - f[.badVectorSize] - wrongEmbeddings
            if sessionRoom > 0 && (j % 2 == 0 || embeddingRoom <= 0) {
                wrongSessions += 1
            } else if embeddingRoom > 0 {
                wrongEmbeddings += 1
            } else {
                throw .tooManyFaults(.wrongType, asked: f[.wrongType], room: j)
            }
        }
        if f[.sessionWithoutTTL] + wrongSessions > c.sessions {
            throw .tooManyFaults(.sessionWithoutTTL, asked: f[.sessionWithoutTTL], room: c.sessions - wrongSessions)
        }
        if f[.badVectorSize] + wrongEmbeddings > c.embeddings {
            throw .tooManyFaults(.badVectorSize, asked: f[.badVectorSize], room: c.embeddings - wrongEmbeddings)
        }
        if f[.cacheWithoutTTL] > c.cache { throw .tooManyFaults(.cacheWithoutTTL, asked: f[.cacheWithoutTTL], room: c.cache) }
        if f[.staleHeartbeat] > c.nodes { throw .tooManyFaults(.staleHeartbeat, asked: f[.staleHeartbeat], room: c.nodes) }

        sessionFaults = SampleDataGenerator.spread(c.sessions, [(.sessionWithoutTTL, f[.sessionWithoutTTL]), (.wrongType, wrongSessions)])
        embeddingFaults = SampleDataGenerator.spread(c.embeddings, [(.badVectorSize, f[.badVectorSize]), (.wrongType, wrongEmbeddings)])
        cacheFaults = Set(SampleDataGenerator.spread(c.cache, [(.cacheWithoutTTL, f[.cacheWithoutTTL])]).keys)
        staleNodes = Set(SampleDataGenerator.spread(c.nodes, [(.staleHeartbeat, f[.staleHeartbeat])]).keys)

        // The fault list, computed from the same pure functions the stream uses.
        var list: [SampleDataFault] = []
        let seed = spec.seed
        for (i, kind) in sessionFaults.sorted(by: { $0.key < $1.key }) {
            list.append(SampleDataFault(kind: kind, key: keys.session.key(SampleDataGenerator.sessionID(seed, i))))
        }
        for (i, kind) in embeddingFaults.sorted(by: { $0.key < $1.key }) {
            list.append(SampleDataFault(kind: kind, key: keys.embedding.key(SampleDataGenerator.embeddingHash(seed, i))))
        }
        for i in cacheFaults.sorted() {
            let tool = SampleDataGenerator.cacheTool(seed, i)
            list.append(SampleDataFault(kind: .cacheWithoutTTL, key: SampleDataGenerator.cacheKey(seed, i, tool: tool.tool, keys.cache)))
        }
        for i in staleNodes.sorted() {
            list.append(SampleDataFault(kind: .staleHeartbeat, key: keys.heartbeat.key(B.s(nodes[i]))))
        }
        for j in 0..<f[.orphanIndexMember] {
            let (index, member) = SampleDataGenerator.orphan(seed, j, counts: c, keys)
            list.append(SampleDataFault(kind: .orphanIndexMember, key: index, member: member))
        }
        for j in 0..<f[.badName] {
            list.append(SampleDataFault(kind: .badName, key: SampleDataGenerator.badName(seed, j, counts: c, keys.session)))
        }
        faults = list

        let orphanSessions = (f[.orphanIndexMember] + 1) / 2
        let orphanEmbeddings = f[.orphanIndexMember] / 2
        // Named as the schema names them, placeholders by what sample data fills them with.
        let counted: [(EntityRole, Int)] = [
            (.session, c.sessions),
            (.sessionIndex, c.sessions + orphanSessions > 0 ? 1 : 0),
            (.userSessions, users.count),
            (.embedding, c.embeddings),
            (.embeddingIndex, c.embeddings + orphanEmbeddings > 0 ? 1 : 0),
            (.sessionEmbeddings, c.sessions > 0 ? min(c.sessions, c.embeddings) : 0),
            (.queue, queueEntries > 0 ? 1 : 0),
            (.cache, c.cache),
            (.cacheStats, c.cache > 0 ? 1 : 0),
            (.activeModels, c.nodes > 0 ? 1 : 0),
            (.model, c.nodes),
            (.modelStats, c.nodes),
            (.node, c.nodes),
            (.heartbeat, c.nodes - staleNodes.count),
            (.activeNodes, c.nodes > 0 ? 1 : 0),
            (.events, c.events > 0 ? 1 : 0),
        ]
        let named = keys
        keyCounts = counted.compactMap { role, n in named.name(role).map { SampleDataKeyCount($0, n) } } + [SampleDataKeyCount("(bad names)", f[.badName])]
    }

    /// The queue's key (`learning:queue` in the seed), nil when the schema has none.
    public var queueName: String? { SchemaKeys(spec.schema)[.queue]?.name }

    /// The length the schema's producers trim its queue to (`XTRIM MAXLEN ~`), if it says.
    public static func queueMaxLength(_ schema: Schema) -> Int? { schema.pattern(role: .queue)?.stream?.maxLength }

    /// The number of keys the dataset creates.
    public var totalKeys: Int { keyCounts.reduce(0) { $0 + $1.keys } }

    /// Calls `body` with every command of the dataset, in order: nodes and models, sessions,
    /// embeddings, the learning queue and its consumer groups, the tool cache, the event log,
    /// the extra keys of injected faults, and last the heartbeats.
    public func forEachCommand(_ body: ([[UInt8]]) throws -> Void) rethrows {
        try emitNodes(body)
        try emitSessions(body)
        try emitEmbeddings(body)
        try emitQueue(body)
        try emitCache(body)
        try emitEvents(body)
        try emitFaultExtras(body)
        try forEachHeartbeat(body)
    }

    /// Calls `body` with the nodes' heartbeats (`SETEX node:{name}:heartbeat 30 {json}`), but
    /// not the stale ones. They come last in the stream so they are fresh when a load ends, and
    /// they expire 30 s later as they would with no node beating: send them again to keep the
    /// data clean for longer.
    public func forEachHeartbeat(_ body: ([[UInt8]]) throws -> Void) rethrows {
        for (i, name) in nodes.enumerated() where !staleNodes.contains(i) {
            var r = rng(.node, i)
            let json = "{\"cpu\": \(r.below(100)), \"gpu\": \(r.below(100)), \"mem\": \(r.below(100))}"
            try body([Word.setex, keys.heartbeat.key(B.s(name)), B.d(SampleDataGenerator.heartbeatTTL), B.s(json)])
        }
    }

    // MARK: Namespaces

    /// Node hashes, `nodes:active`, `models:active`, and each model's hash and stats.
    private func emitNodes(_ body: ([[UInt8]]) throws -> Void) rethrows {
        guard !nodes.isEmpty else { return }
        for (i, name) in nodes.enumerated() {
            let hw = SampleDataPools.hardware[i % SampleDataPools.hardware.count]
            let key = keys.node.key(B.s(name))
            try body([Word.hset, key, B.f("gpu"), B.s(hw.gpu), B.f("vram_gb"), B.d(hw.vram), B.f("ram_gb"), B.d(hw.ram),
                      B.f("compute_tflops"), B.d(hw.tflops), B.f("role"), B.s(hw.role), B.f("status"), B.f("online")])
        }
        try body([Word.sadd, keys.activeNodes.key] + nodes.map { B.s($0) })
        var active: [[UInt8]] = [Word.hset, keys.activeModels.key]
        for (node, model) in zip(nodes, models) { active += [B.s(node), B.s(model)] }
        try body(active)
        for (i, model) in models.enumerated() {
            var r = rng(.model, i)
            let info = SampleDataPools.modelNames[i % SampleDataPools.modelNames.count]
            let name = B.s(model)
            let updated = spec.now - Int64(r.below(Int(min(spec.periodSeconds, 30 * 86_400))))
            let speed = Double(200 + r.below(1_200)) / 10
            try body([Word.hset, keys.model.key(name), B.f("node"), B.s(nodes[i]), B.f("size_gb"), B.s(info.size), B.f("quantization"), B.s(info.quant),
                      B.f("context_length"), B.d(info.context), B.f("last_updated"), UTCTime.iso8601(seconds: updated), B.f("performance"), B.s("\(speed) tok/s")])
            let requests = 100 + r.below(100_000)
            try body([Word.hset, keys.modelStats.key(name), B.f("requests"), B.d(requests), B.f("tokens_generated"), B.d(requests * (50 + r.below(900)))])
        }
    }

    /// Session hashes with their TTL and both indexes.
    private func emitSessions(_ body: ([[UInt8]]) throws -> Void) rethrows {
        let n = spec.counts.sessions
        for i in 0..<n {
            var r = rng(.session, i)
            let id = SampleDataGenerator.sessionID(spec.seed, i)
            let key = keys.session.key(id)
            let created = timeMillis(.session, i, of: n) / 1000
            let task = SampleDataPools.tasks[r.below(SampleDataPools.tasks.count)]
            let model = SampleDataPools.modelNames[r.below(SampleDataPools.modelNames.count)].name
            let context = B.s("Working on \(task) with \(model). ") + pools.text(&r, 850 + r.below(300))
            var files: [String] = []
            for _ in 0..<(1 + r.below(4)) { files.append(SampleDataPools.files[r.below(SampleDataPools.files.count)]) }
            let tool = SampleDataGenerator.cacheTools[r.below(SampleDataGenerator.cacheTools.count)].tool
            let node = nodeName(r.below(max(1, nodes.count)))
            let ttl = 3_600 + r.below(SampleDataGenerator.sessionTTL - 3_600 + 1)
            let fault = sessionFaults[i]
            if fault == .wrongType {
                // A client that serialised the session to JSON instead of writing a hash.
                try body([Word.set, key, B.s("{\"timestamp\": \"\(String(decoding: UTCTime.iso8601(seconds: created), as: UTF8.self))\", \"current_task\": \"\(task)\"}")])
            } else {
                try body([Word.hset, key, B.f("timestamp"), UTCTime.iso8601(seconds: created), B.f("context"), context, B.f("files"), B.s(files.joined(separator: ",")),
                          B.f("current_task"), B.s(task), B.f("last_tool"), B.s(tool), B.f("node"), B.s(node)])
            }
            if fault != .sessionWithoutTTL {
                try body([Word.expire, key, B.d(ttl)])
            }
            let score = B.d(created)
            try body([Word.zadd, keys.sessionIndex.key, score, id])
            try body([Word.zadd, keys.userSessions.key(B.s(users[i % users.count])), score, id])
        }
    }

    /// Embedding hashes with their vector and both indexes.
    private func emitEmbeddings(_ body: ([[UInt8]]) throws -> Void) rethrows {
        let n = spec.counts.embeddings
        let sessions = spec.counts.sessions
        var badVector = 0
        for i in 0..<n {
            var r = rng(.embedding, i)
            let sha = SampleDataGenerator.embeddingHash(spec.seed, i)
            let key = keys.embedding.key(sha)
            let time = timeMillis(.embedding, i, of: n) / 1000
            let text = pools.text(&r, 100 + r.below(500))
            let tool = SampleDataGenerator.cacheTools[r.below(SampleDataGenerator.cacheTools.count)].tool
            let success = r.below(10) < 9
            let fault = embeddingFaults[i]
            var length = SampleDataGenerator.vectorBytes
            if fault == .badVectorSize {
                length = SampleDataGenerator.badVectorSizes[badVector % SampleDataGenerator.badVectorSizes.count]
                badVector += 1
            }
            let vector = pools.vector(&r, length)
            // Embeddings come from sessions in time order: embedding i belongs to the session
            // created closest before it.
            let session = sessions > 0 ? SampleDataGenerator.sessionID(spec.seed, min(sessions - 1, i * sessions / n)) : nil
            if fault == .wrongType {
                // The raw vector stored as a plain string, without its metadata.
                try body([Word.set, key, vector])
            } else {
                try body([Word.hset, key, B.f("vector"), vector, B.f("text"), text, B.f("timestamp"), UTCTime.iso8601(seconds: time),
                          B.f("source"), session.map { keys.session.key($0) } ?? B.f("import:docs"),
                          B.f("tool_context"), B.s(tool), B.f("success"), success ? B.f("true") : B.f("false")])
            }
            let score = B.d(time)
            try body([Word.zadd, keys.embeddingIndex.key, score, sha])
            if let session {
                try body([Word.zadd, keys.sessionEmbeddings.key(session), score, sha])
            }
        }
    }

    /// The queue's entries (the newest `queueEntries`), then its consumer groups with some
    /// entries pending: the first group keeps up, the others lag.
    private func emitQueue(_ body: ([[UInt8]]) throws -> Void) rethrows {
        let n = spec.counts.queue
        let kept = queueEntries
        guard kept > 0 else { return }
        let queue = keys.queue.key
        let first = n - kept
        let sessions = spec.counts.sessions
        // The first group (training_pipeline in the seed) keeps up: everything but the newest
        // 5% delivered, 10 of those in flight. The others (analytics) lag half the stream
        // behind, with 3 in flight.
        let groups = keys.queueGroups.enumerated().map { i, name in
            i == 0 ? (name: B.s(name), consumer: B.f("worker1"), lag: max(1, kept / 20), inFlight: 10)
                : (name: B.s(name), consumer: B.s("\(name)-1"), lag: max(1, kept / 2), inFlight: 3)
        }
        var starts = [(id: [UInt8], read: Int)](repeating: (B.f("0"), 0), count: groups.count)
        var clock = StreamClock()
        for q in first..<n {
            var r = rng(.queue, q)
            let ms = timeMillis(.queue, q, of: n)
            let id = clock.id(ms)
            let k = q - first
            for (g, group) in groups.enumerated() where k == kept - 1 - group.lag { starts[g] = (id, k + 1) }
            let session = sessions > 0 ? SampleDataGenerator.sessionID(spec.seed, min(sessions - 1, q * sessions / n)) : B.f("none")
            let tool = SampleDataGenerator.cacheTools[r.below(SampleDataGenerator.cacheTools.count)].tool
            let task = SampleDataPools.tasks[r.below(SampleDataPools.tasks.count)]
            try body([Word.xadd, queue, id,
                      B.f("timestamp"), UTCTime.iso8601(seconds: ms / 1000), B.f("session_id"), session,
                      B.f("user_query"), B.s(task.prefix(1).uppercased() + task.dropFirst() + ": ") + pools.text(&r, 60 + r.below(160)),
                      B.f("tool_used"), B.s(tool), B.f("tool_args"), pools.text(&r, 40 + r.below(200)),
                      B.f("result"), pools.text(&r, 1_300 + r.below(500)),
                      B.f("success"), r.below(10) < 9 ? B.f("true") : B.f("false"),
                      B.f("duration_ms"), B.d(20 + r.below(30_000)), B.f("node"), B.s(nodeName(r.below(max(1, nodes.count))))])
        }
        // ENTRIESREAD (Redis 7.0+) lets XINFO GROUPS report each group's lag.
        for (group, start) in zip(groups, starts) {
            try body([Word.xgroup, Word.create, queue, group.name, start.id, Word.entriesread, B.d(start.read)])
            try body([Word.xreadgroup, Word.group, group.name, group.consumer, Word.count, B.d(min(group.inFlight, group.lag)),
                      Word.streams, queue, B.f(">")])
        }
    }

    /// Tool-cache strings with their class TTL, then the cache's counters (`tool:stats`).
    private func emitCache(_ body: ([[UInt8]]) throws -> Void) rethrows {
        let n = spec.counts.cache
        guard n > 0 else { return }
        var hits = [Int](repeating: 0, count: SampleDataGenerator.cacheTools.count)
        var misses = hits
        for i in 0..<n {
            let (t, tool, classTTL) = SampleDataGenerator.cacheTool(spec.seed, i)
            var r = rng(.cache, i)
            let key = SampleDataGenerator.cacheKey(spec.seed, i, tool: tool, keys.cache)
            // Most outputs are small, a few approach the schema's 10 KB.
            let u = r.unit()
            let value = pools.text(&r, 200 + Int(u * u * u * 7_800))
            let ttl = classTTL / 2 + r.below(classTTL / 2 + 1)
            hits[t] += 1 + r.below(20)
            misses[t] += 1
            if cacheFaults.contains(i) {
                try body([Word.set, key, value])
            } else {
                try body([Word.set, key, value, Word.ex, B.d(ttl)])
            }
        }
        var stats: [[UInt8]] = [Word.hset, keys.cacheStats.key]
        for (t, entry) in SampleDataGenerator.cacheTools.enumerated() where misses[t] > 0 {
            stats += [B.s("\(entry.tool):hits"), B.d(hits[t]), B.s("\(entry.tool):misses"), B.d(misses[t])]
        }
        try body(stats)
    }

    /// The event log's entries (`events:log`).
    private func emitEvents(_ body: ([[UInt8]]) throws -> Void) rethrows {
        let n = spec.counts.events
        var clock = StreamClock()
        for i in 0..<n {
            var r = rng(.event, i)
            let ms = timeMillis(.event, i, of: n)
            let node = B.s(nodeName(r.below(max(1, nodes.count))))
            let model = B.s(SampleDataPools.modelNames[r.below(SampleDataPools.modelNames.count)].name)
            var command = [Word.xadd, keys.events.key, clock.id(ms)]
            switch r.below(3) {
            case 0:
                command += [B.f("type"), B.f("model_updated"), B.f("node"), node, B.f("model"), model]
            case 1:
                command += [B.f("type"), B.f("training_complete"), B.f("model"), model, B.f("accuracy"), B.s("0.\(80 + r.below(19))")]
            default:
                command += [B.f("type"), B.f("node_status"), B.f("node"), node, B.f("status"), r.below(4) == 0 ? B.f("offline") : B.f("online")]
            }
            try body(command + [B.f("timestamp"), UTCTime.iso8601(seconds: ms / 1000)])
        }
    }

    /// Keys and members that exist only as faults: orphan index members and bad names.
    private func emitFaultExtras(_ body: ([[UInt8]]) throws -> Void) rethrows {
        for fault in faults {
            switch fault.kind {
            case .orphanIndexMember:
                try body([Word.zadd, fault.key, B.d(spec.now - 3_600), fault.member ?? []])
            case .badName:
                try body([Word.hset, fault.key, B.f("timestamp"), UTCTime.iso8601(seconds: spec.now - 600), B.f("context"), B.f("written under a bad name"),
                          B.f("current_task"), B.f("none"), B.f("last_tool"), B.f("bash"), B.f("node"), B.s(nodeName(0))])
                try body([Word.expire, fault.key, B.d(86_400)])
            default:
                break
            }
        }
    }

    // MARK: Pure functions of (seed, index)

    /// Random streams are separated by namespace so one entity's values never depend on another's.
    private enum Stream: UInt64 {
        case node = 0x6e6f6465, model = 0x6d6f64656c, session = 0x73657373, embedding = 0x656d6265
        case queue = 0x71756575, cache = 0x63616368, event = 0x6576656e, time = 0x74696d65
    }

    private func rng(_ stream: Stream, _ i: Int) -> SampleRandom {
        SampleRandom(seed: SampleRandom.mix(spec.seed ^ stream.rawValue) &+ UInt64(i) &* 0xD1B5_4A32_D192_ED03)
    }

    /// Entity `i` of `n`: milliseconds in the i-th of n equal slots of the period, jittered
    /// within its slot, so times rise with `i` and every window holds its share.
    private func timeMillis(_ stream: Stream, _ i: Int, of n: Int) -> Int64 {
        var r = SampleRandom(seed: SampleRandom.mix(spec.seed ^ stream.rawValue ^ Stream.time.rawValue) &+ UInt64(i) &* 0xD1B5_4A32_D192_ED03)
        let periodMs = Double(spec.periodSeconds) * 1_000
        let start = (spec.now - spec.periodSeconds) * 1_000
        let offset = Int64((Double(i) + r.unit()) * periodMs / Double(n))
        return min(start + offset, spec.now * 1_000 - 1)
    }

    private func nodeName(_ i: Int) -> String {
        nodes.isEmpty ? SampleDataPools.nodeNames[0] : nodes[i % nodes.count]
    }

    /// Session ids are 16 hex digits of a bijective mix of the index, so they never collide.
    static func sessionID(_ seed: UInt64, _ i: Int) -> [UInt8] {
        B.hex64(SampleRandom.mix(SampleRandom.mix(seed ^ 0x5e55_1011) &+ UInt64(i)))
    }

    /// An embedding's key: the SHA-256 of (seed, index), 64 hex digits.
    static func embeddingHash(_ seed: UInt64, _ i: Int) -> [UInt8] {
        sha256Hex(seed, UInt64(i), salt: 0x656d_6265)
    }

    /// The tool of cache entry `i`: its index in `cacheTools`, its name, its class TTL.
    static func cacheTool(_ seed: UInt64, _ i: Int) -> (index: Int, tool: String, ttl: Int) {
        var r = SampleRandom(seed: SampleRandom.mix(seed ^ 0x746f_6f6c) &+ UInt64(i) &* 0xD1B5_4A32_D192_ED03)
        let t = r.below(cacheTools.count)
        return (t, cacheTools[t].tool, cacheTools[t].ttl)
    }

    static func cacheKey(_ seed: UInt64, _ i: Int, tool: String, _ cache: RoleKey) -> [UInt8] {
        cache.key(B.s(tool), sha256Hex(seed, UInt64(i), salt: 0x6361_6368))
    }

    /// Orphan `j`: alternately a session index member and an embedding index member, each the
    /// id an entity past the last one would have had, so no key exists for it.
    static func orphan(_ seed: UInt64, _ j: Int, counts: SampleDataCounts, _ keys: GeneratorKeys) -> (index: [UInt8], member: [UInt8]) {
        if j % 2 == 0 {
            return (keys.sessionIndex.key, sessionID(seed, counts.sessions + j / 2))
        }
        return (keys.embeddingIndex.key, embeddingHash(seed, counts.embeddings + j / 2))
    }

    /// Bad name `j`: a session key spelt wrong in one of four ways, in turn: its first letter
    /// capitalised (`Session:`), an empty segment (`session::`), a trailing space, a control byte.
    static func badName(_ seed: UInt64, _ j: Int, counts: SampleDataCounts, _ session: RoleKey) -> [UInt8] {
        let id = sessionID(seed, counts.sessions + 1_000_000 + j)
        switch j % 4 {
        case 0: return B.s(String(decoding: session.prefix, as: UTF8.self).prefix(1).uppercased()) + session.prefix.dropFirst() + id + session.suffix
        case 1: return session.prefix + [UInt8(ascii: ":")] + id + session.suffix
        case 2: return session.key(id) + B.f(" ")
        default: return session.key([0x01] + id)
        }
    }

    private static func sha256Hex(_ seed: UInt64, _ i: UInt64, salt: UInt64) -> [UInt8] {
        var input = [UInt8]()
        input.reserveCapacity(24)
        for v in [seed, salt, i] { withUnsafeBytes(of: v.littleEndian) { input.append(contentsOf: $0) } }
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in MessageDigest.hash(input) {
            hex.append(B.hexDigits[Int(byte >> 4)])
            hex.append(B.hexDigits[Int(byte & 15)])
        }
        return hex
    }

    /// Positions for each kind, spread evenly over `n` entities, disjoint. The caller has
    /// checked that the kinds' total fits in `n`.
    private static func spread(_ n: Int, _ kinds: [(SampleDataFaultKind, Int)]) -> [Int: SampleDataFaultKind] {
        let total = kinds.reduce(0) { $0 + $1.1 }
        guard total > 0, n >= total else { return [:] }
        var positions: [Int: SampleDataFaultKind] = [:]
        var j = 0
        for (kind, count) in kinds {
            for _ in 0..<count {
                positions[j * n / total + (n / total) / 2] = kind
                j += 1
            }
        }
        return positions
    }
}

/// The schema's keys the generator writes, by role. Only the roles the counts and faults ask
/// for must exist: a schema without an event log generates everything else.
struct GeneratorKeys: Sendable {
    private let keys: SchemaKeys
    /// Consumer groups created on the queue: its stream policy's required groups.
    let queueGroups: [String]

    init(_ keys: SchemaKeys, counts c: SampleDataCounts, faults f: SampleDataFaults) throws(SampleDataError) {
        var needed: [(what: String, roles: [EntityRole])] = [
            ("sessions", c.sessions > 0 ? [.session, .sessionIndex, .userSessions] : []),
            ("embeddings", c.embeddings > 0 ? [.embedding, .embeddingIndex] + (c.sessions > 0 ? [.session, .sessionEmbeddings] : []) : []),
            ("queue entries", c.queue > 0 ? [.queue] : []),
            ("cache entries", c.cache > 0 ? [.cache, .cacheStats] : []),
            ("nodes", c.nodes > 0 ? [.node, .heartbeat, .activeNodes, .activeModels, .model, .modelStats] : []),
            ("events", c.events > 0 ? [.events] : []),
        ]
        needed.append(("orphan-index-member faults", f[.orphanIndexMember] > 0 ? [.sessionIndex] + (f[.orphanIndexMember] > 1 ? [.embeddingIndex] : []) : []))
        needed.append(("bad-name faults", f[.badName] > 0 ? [.session] : []))
        for (what, roles) in needed {
            let missing = keys.missing(roles)
            if !missing.isEmpty {
                throw .invalidSpec("the schema has no pattern with role \(missing.map(\.rawValue).joined(separator: ", ")), which \(what) need")
            }
        }
        self.keys = keys
        queueGroups = keys[.queue]?.pattern.stream?.requiredGroups ?? []
    }

    // The roles the init checked for the counts that use them.
    var session: RoleKey { keys[.session]! }
    var sessionIndex: RoleKey { keys[.sessionIndex]! }
    var userSessions: RoleKey { keys[.userSessions]! }
    var embedding: RoleKey { keys[.embedding]! }
    var embeddingIndex: RoleKey { keys[.embeddingIndex]! }
    var sessionEmbeddings: RoleKey { keys[.sessionEmbeddings]! }
    var queue: RoleKey { keys[.queue]! }
    var cache: RoleKey { keys[.cache]! }
    var cacheStats: RoleKey { keys[.cacheStats]! }
    var node: RoleKey { keys[.node]! }
    var heartbeat: RoleKey { keys[.heartbeat]! }
    var activeNodes: RoleKey { keys[.activeNodes]! }
    var model: RoleKey { keys[.model]! }
    var modelStats: RoleKey { keys[.modelStats]! }
    var activeModels: RoleKey { keys[.activeModels]! }
    var events: RoleKey { keys[.events]! }

    /// The role's pattern with its placeholders named by what the generator fills them with
    /// (`session:{id}`, `tool:{tool}:{hash}`), for the per-pattern key counts; nil without one.
    func name(_ role: EntityRole) -> String? {
        let fills: [EntityRole: [String]] = [
            .session: ["id"], .sessionEmbeddings: ["id"], .userSessions: ["name"], .embedding: ["sha256"], .cache: ["tool", "hash"],
            .model: ["name"], .modelStats: ["name"], .node: ["name"], .heartbeat: ["name"],
        ]
        return keys[role].map { $0.text(placeholders: fills[role] ?? []) }
    }
}

/// How many keys one schema pattern gets.
public struct SampleDataKeyCount: Sendable, Equatable {
    public let pattern: String
    public let keys: Int
    public init(_ pattern: String, _ keys: Int) {
        self.pattern = pattern
        self.keys = keys
    }
}

/// Stream ids from millisecond times that may repeat: `ms-0`, `ms-1`, … so ids stay increasing.
private struct StreamClock {
    var lastMs: Int64 = -1
    var sequence = 0

    mutating func id(_ ms: Int64) -> [UInt8] {
        if ms > lastMs {
            lastMs = ms
            sequence = 0
        } else {
            sequence += 1
        }
        return Array("\(lastMs)-\(sequence)".utf8)
    }
}

/// SplitMix64: small, fast, and good enough for sample data; `mix` is a bijection on UInt64.
struct SampleRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SampleRandom.mix(state)
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<n (the modulo bias is irrelevant here).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// A number in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Byte constants and small encoders shared by the generator.
enum B {
    static let hexDigits = f("0123456789abcdef")

    static func f(_ s: StaticString) -> [UInt8] {
        Array(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    static func s(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func d(_ n: Int) -> [UInt8] { Array(String(n).utf8) }

    static func d(_ n: Int64) -> [UInt8] { Array(String(n).utf8) }

    static func hex64(_ v: UInt64) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        for k in 0..<16 { out[k] = hexDigits[Int((v >> UInt64(60 - 4 * k)) & 15)] }
        return out
    }
}
