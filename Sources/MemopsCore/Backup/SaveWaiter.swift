import Foundation

/// What the server said about itself when a save was confirmed.
public struct SaveReport: Sendable {
    public var runID: String
    public var redisVersion: String
    /// The server's clock when memops asked for the save.
    public var requestedAt: Date
    /// `rdb_last_save_time`: when the confirmed save finished.
    public var savedAt: Date
    /// Keys and expires per database from INFO keyspace, right after the save.
    public var keyspace: [KeyspaceCount]
}

/// Keys and keys-with-TTL in one database.
public struct KeyspaceCount: Codable, Sendable, Equatable {
    public var db: Int
    public var keys: Int
    public var expires: Int

    public init(db: Int, keys: Int, expires: Int) {
        self.db = db
        self.keys = keys
        self.expires = expires
    }
}

/// Asks Redis for a background save and waits for it correctly — never with a sleep and a hope.
///
/// Redis counts `rdb_saves` when a background save *starts* (rdb.c `rdbSaveBackground`), so a
/// save that began after our request has finished exactly when `rdb_saves` has grown past the
/// value read before the request and no save is in progress. A save already running when we
/// ask started before our request: wait it out and ask again. A restart resets the counters and
/// changes `run_id`; it is detected and reported rather than mistaken for success.
public struct SaveWaiter {
    public var timeout: Double
    /// How often to poll INFO persistence while waiting (grows to `maxPoll`).
    public var poll: Double = 0.05
    public var maxPoll: Double = 0.5
    /// How long a lost connection is retried before the backup fails. A server that went away
    /// took its save with it (a restart is a new run_id and fails at once): retrying only covers
    /// a connection dropped in between, and must not hold the destination's lock for the rest
    /// of `timeout` while every later cron run exits "locked".
    public var reconnectWindow: Double = 10

    public init(timeout: Double) {
        self.timeout = timeout
    }

    /// What a save was asked for with: the counters to compare against when waiting for it.
    public struct Ticket: Sendable {
        public var runID: String
        public var version: String
        public var requestedAt: Date
        public var savesBefore: Int64
    }

    /// Runs BGSAVE SCHEDULE on `redis` and returns once the save is on disk.
    /// `reconnect` opens a fresh connection when the old one breaks mid-wait.
    public func save(on connection: RedisConnection, reconnect: () throws -> RedisConnection) throws -> SaveReport {
        try wait(for: start(on: connection), on: connection, reconnect: reconnect)
    }

    /// Reads the counters a save will be confirmed against (before asking for it).
    public func prepare(on redis: RedisConnection) throws -> Ticket {
        let server = redis.config.description
        let start = try redis.info("server")
        guard let runID = start["run_id"] else {
            throw RedisError.wrongServer(server: server, reason: "INFO server has no run_id")
        }
        let version = start["redis_version"] ?? "unknown"
        let requestedAt = try serverTime(redis)
        return Ticket(runID: runID, version: version, requestedAt: requestedAt, savesBefore: try savesSoFar(redis))
    }

    private func savesSoFar(_ redis: RedisConnection) throws -> Int64 {
        guard let saves = try redis.info("persistence")["rdb_saves"].flatMap({ Int64($0) }) else {
            throw RedisError.wrongServer(server: redis.config.description, reason: "INFO persistence has no rdb_saves (Redis 7.0 or newer is needed to confirm a save)")
        }
        return saves
    }

    /// Asks for a save that starts after the request: BGSAVE SCHEDULE, waiting out a save
    /// already running.
    public func start(on redis: RedisConnection) throws -> Ticket {
        var ticket = try prepare(on: redis)
        let server = redis.config.description
        let deadline = Date().addingTimeInterval(timeout)
        var delay = poll
        while true {
            ticket.savesBefore = try savesSoFar(redis)
            // BGSAVE's error replies are answers here, not failures: read it raw.
            let reply = try redis.pipeline([["BGSAVE", "SCHEDULE"].map { Array($0.utf8) }])[0]
            if let message = reply.errorMessage, message.contains("already in progress") {
                try sleep(&delay, until: deadline, server: server)
                continue
            }
            try SaveWaiter.check(reply, redis: redis)
            return ticket
        }
    }

    /// Sends a plain BGSAVE on each connection at once (pipelined: each answers once its fork
    /// is done) and checks every reply; for a snapshot of several servers at one instant. The
    /// saves are then waited for with `wait(for:)`, each with the ticket `prepare` read before
    /// the instant.
    public static func forkNow(_ nodes: [RedisConnection]) throws {
        var encoder = RESPEncoder()
        encoder.append(["BGSAVE"].map { Array($0.utf8) })
        for redis in nodes { try redis.send(encoder, during: "BGSAVE") }
        for redis in nodes {
            let reply = try redis.receive(during: "BGSAVE")
            if let m = reply.errorMessage, m.contains("already in progress") || m.contains("scheduled") {
                throw BackupError.bgsaveRefused(server: redis.config.description, message: "\(m) (a save started before the pause: it would not be of the same instant)")
            }
            try check(reply, redis: redis)
        }
    }

    /// A BGSAVE reply: "Background saving started" (or scheduled), else the refusal.
    private static func check(_ reply: RedisReply, redis: RedisConnection) throws {
        let server = redis.config.description
        if let message = reply.errorMessage {
            let classified = redis.refusal(message, command: "BGSAVE")
            if case .command = classified { throw BackupError.bgsaveRefused(server: server, message: message) }
            throw classified
        }
        guard let status = reply.string, status.hasPrefix("Background saving") else {
            throw RedisError.wrongServer(server: server, reason: "BGSAVE answered \(reply)")
        }
    }

    /// Waits for the save `ticket` asked for to be on disk.
    public func wait(for ticket: Ticket, on connection: RedisConnection, reconnect: () throws -> RedisConnection) throws -> SaveReport {
        var redis = connection
        let server = redis.config.description
        let deadline = Date().addingTimeInterval(timeout)
        let (runID, version, requestedAt, savesBefore) = (ticket.runID, ticket.version, ticket.requestedAt, ticket.savesBefore)
        var delay = poll
        // Wait for a save that started after the request to finish.
        while true {
            var polled: [String: String]?
            var broken: RedisError?
            // One round trip per poll: the counters and the run_id that says they are comparable.
            do throws(RedisError) { polled = try redis.info("persistence", "server") } catch { broken = error }
            if let broken {
                guard broken.exitStatus == .connection || broken.exitStatus == .timeout else { throw broken }
                // The connection broke: reconnect to find out whether the server restarted.
                redis = try reconnectUntil(min(deadline, Date().addingTimeInterval(reconnectWindow)), reconnect: reconnect, server: server, original: broken)
                let now = try redis.info("server")["run_id"] ?? ""
                if now != runID { throw BackupError.serverRestarted(server: server, before: runID, after: now) }
                continue
            }
            guard let persistence = polled else { continue }
            let serverNow = persistence["run_id"] ?? ""
            if serverNow != runID { throw BackupError.serverRestarted(server: server, before: runID, after: serverNow) }
            let saves = Int64(persistence["rdb_saves"] ?? "") ?? 0
            let inProgress = persistence["rdb_bgsave_in_progress"] == "1"
            if saves > savesBefore && !inProgress {
                guard persistence["rdb_last_bgsave_status"] == "ok" else { throw BackupError.saveFailed(server: server) }
                let lastSave = Date(timeIntervalSince1970: Double(persistence["rdb_last_save_time"] ?? "") ?? 0)
                // Whole seconds on both sides: the save ended at or after the request.
                guard lastSave.timeIntervalSince1970 >= requestedAt.timeIntervalSince1970.rounded(.down) else {
                    throw BackupError.saveFailed(server: server)
                }
                let keyspace = try KeyspaceCount.parse(redis.info("keyspace"))
                return SaveReport(runID: runID, redisVersion: version, requestedAt: requestedAt, savedAt: lastSave, keyspace: keyspace)
            }
            try sleep(&delay, until: deadline, server: server)
        }
    }

    private func serverTime(_ redis: RedisConnection) throws -> Date {
        let reply = try redis.command("TIME")
        guard let parts = reply.elements, parts.count == 2, let s = parts[0].integer, let us = parts[1].integer else {
            throw RedisError.wrongServer(server: redis.config.description, reason: "TIME answered \(reply)")
        }
        return Date(timeIntervalSince1970: Double(s) + Double(us) / 1e6)
    }

    private func sleep(_ delay: inout Double, until deadline: Date, server: String) throws {
        if Date().addingTimeInterval(delay) > deadline {
            throw BackupError.saveTimeout(server: server, seconds: timeout)
        }
        usleep(useconds_t(delay * 1_000_000))
        delay = min(delay * 1.5, maxPoll)
    }

    private func reconnectUntil(_ deadline: Date, reconnect: () throws -> RedisConnection, server: String, original: Error) throws -> RedisConnection {
        var lastError = original
        while Date() < deadline {
            do { return try reconnect() } catch { lastError = error }
            usleep(200_000)
        }
        throw BackupError.serverLost(server: server, seconds: reconnectWindow, reason: "\(lastError)")
    }
}

extension KeyspaceCount {
    /// Parses INFO keyspace lines `db0:keys=1,expires=0,avg_ttl=0`.
    static func parse(_ info: [String: String]) -> [KeyspaceCount] {
        info.compactMap { name, value -> KeyspaceCount? in
            guard name.hasPrefix("db"), let db = Int(name.dropFirst(2)) else { return nil }
            var fields: [String: Int] = [:]
            for part in value.split(separator: ",") {
                let kv = part.split(separator: "=")
                if kv.count == 2 { fields[String(kv[0])] = Int(kv[1]) }
            }
            return KeyspaceCount(db: db, keys: fields["keys"] ?? 0, expires: fields["expires"] ?? 0)
        }.sorted { $0.db < $1.db }
    }
}
