/// The seed schema (`redis-data-schema.md`) as data: memops' built-in default.
extension Schema {
    /// Every key pattern of the seed schema, its TTL policy, fields, streams and references.
    public static let seed = Schema(
        patterns: [
            KeyPattern("session:{session_id}", type: .hash, ttl: TTLPolicy(.required, maxSeconds: 604_800),
                       requiredFields: ["timestamp", "context", "current_task"], summary: "session context; EXPIRE 7 days", role: .session),
            KeyPattern("sessions:recent", type: .zset, ttl: .forbidden, summary: "session index: score unix time, member session id", role: .sessionIndex),
            KeyPattern("user:{username}:sessions", type: .zset, ttl: .forbidden, summary: "per-user session index", role: .userSessions),
            KeyPattern("embedding:{sha256}", type: .hash, ttl: .optional, requiredFields: ["vector", "text", "timestamp", "source"],
                       fieldSizes: ["vector": 3_072], summary: "embedding: 768 float32s (3,072 bytes) and metadata", role: .embedding),
            KeyPattern("embeddings:recent", type: .zset, ttl: .forbidden, summary: "embedding index: score unix time, member sha256", role: .embeddingIndex),
            KeyPattern("embeddings:session:{session_id}", type: .zset, ttl: .forbidden, summary: "embeddings by source session", role: .sessionEmbeddings),
            KeyPattern("learning:queue", type: .stream, ttl: .forbidden,
                       stream: StreamPolicy(maxLength: 100_000, slack: 1_000, maxAgeDays: nil, requiredGroups: ["training_pipeline", "analytics"],
                                            maxPending: 10_000, maxIdleSeconds: 3_600),
                       summary: "training interactions; XTRIM MAXLEN ~ 100000", role: .queue),
            KeyPattern("tool:stats", type: .hash, ttl: .forbidden, summary: "cache hits and misses per tool", role: .cacheStats),
            KeyPattern("tool:{tool}:{input_hash...}", type: .string,
                       ttl: TTLPolicy(.required, byValue: TTLByValue(placeholder: "tool", classes: [
                           TTLClass(name: "write", seconds: 300, values: ["edit", "write", "git_commit"]),
                           TTLClass(name: "read-only", seconds: 7_200, values: ["read", "grep", "ls", "cat"]),
                           TTLClass(name: "expensive", seconds: 86_400, values: ["inference", "benchmark"]),
                       ], defaultSeconds: 3_600)),
                       summary: "tool output cache; TTL by tool class", role: .cache),
            KeyPattern("models:active", type: .hash, ttl: .forbidden, summary: "node -> active model", role: .activeModels),
            KeyPattern("model:{name}", type: .hash, ttl: .forbidden, requiredFields: ["node"], summary: "model metadata", role: .model),
            KeyPattern("model:{name}:stats", type: .hash, ttl: .forbidden, summary: "model usage counters", role: .modelStats),
            KeyPattern("node:{name}:heartbeat", type: .string, ttl: TTLPolicy(.required, maxSeconds: 30), summary: "SETEX 30 heartbeat", role: .heartbeat),
            KeyPattern("node:{name}", type: .hash, ttl: .forbidden, requiredFields: ["role", "status"], summary: "node capabilities", role: .node),
            KeyPattern("nodes:active", type: .set, ttl: .forbidden, summary: "active node names", role: .activeNodes),
            KeyPattern("events:log", type: .stream, ttl: .forbidden,
                       stream: StreamPolicy(maxLength: nil, slack: nil, maxAgeDays: 30, requiredGroups: nil, maxPending: nil, maxIdleSeconds: nil),
                       summary: "event log for missed pub/sub messages; trim by MINID", role: .events),
        ],
        references: [
            Reference(from: "sessions:recent", via: .zsetMembers, to: "session:{member}", reverse: true),
            Reference(from: "user:{username}:sessions", via: .zsetMembers, to: "session:{member}"),
            Reference(from: "embeddings:recent", via: .zsetMembers, to: "embedding:{member}", reverse: true),
            Reference(from: "embeddings:session:{session_id}", via: .zsetMembers, to: "embedding:{member}", ownerField: "source", ownerPrefix: "session:"),
            Reference(from: "models:active", via: .hashValues, to: "model:{member}"),
            Reference(from: "nodes:active", via: .setMembers, to: "node:{member}"),
            Reference(from: "nodes:active", via: .setMembers, to: "node:{member}:heartbeat", heartbeat: true),
        ])
}
