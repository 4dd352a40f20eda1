internal import CHiredis
import Foundation

/// One blocking connection to a Redis server: commands, pipelines, INFO and SCAN, over a
/// `Transport` (TCP, unix socket or TLS) with hiredis' reader parsing the replies.
///
/// memops writes every command with its own encoder and does its own socket I/O, so TLS, the
/// replication stream and pipelining all take the same path. After any I/O or protocol error
/// the connection is dead: the error is thrown and every later call fails with `connectionLost`.
public final class RedisConnection {
    public let config: ConnectionConfig
    private let transport: Transport
    private let reader: UnsafeMutablePointer<redisReader>
    private let readBuffer: UnsafeMutableRawBufferPointer
    private var dead: RedisError?

    /// Connects, authenticates, selects the database and checks that the peer is Redis.
    public init(_ config: ConnectionConfig) throws(RedisError) {
        self.config = config
        let server = config.description
        transport = try Transport(address: config.address, tls: config.tls, connectTimeout: config.connectTimeout, server: server)
        // Allocation failure is the only way this fails; it is not recoverable.
        guard let reader = redisReaderCreate() else { fatalError("redisReaderCreate: out of memory") }
        self.reader = reader
        readBuffer = .allocate(byteCount: 16 * 1024, alignment: 16)
        transport.setTimeout(config.commandTimeout)

        do throws(RedisError) {
            try handshake(server: server)
        } catch .connectionLost(_, let reason) where config.tls == nil {
            // A TLS port drops a plain client at its first bytes, so the first reply never comes.
            throw .connectionLost(server: server, reason: "\(reason) before answering; is this a TLS port? try \(CLIFlag.tls)")
        } catch .connectionLost(_, let reason) where config.tls?.certFile == nil {
            // With TLS 1.3 the server checks the client's certificate after the handshake has
            // completed here; it then closes, often before its alert can be read.
            throw .tls(server: server, reason: "the server closed the connection after the handshake (\(reason)); it may require a client certificate (tls-auth-clients): pass \(CLIFlag.cert) FILE and \(CLIFlag.key) FILE")
        }
    }

    private func handshake(server: String) throws(RedisError) {
        if let password = config.password {
            var args: [[UInt8]] = [Array("AUTH".utf8)]
            if let user = config.user { args.append(Array(user.utf8)) }
            args.append(Array(password.utf8))
            let reply = try roundTrip(args, name: "AUTH")
            if let message = reply.errorMessage {
                throw .authentication(server: server, message: RedisConnection.firstWord(message))
            }
        }
        let pong = try roundTrip([Array("PING".utf8)], name: "PING")
        if pong != .status("PONG") {
            switch pong.replyError?.code {
            case .noauth?:
                throw .authentication(server: server, message: "NOAUTH: a password is required")
            case .noperm?:
                throw .permission(server: server, command: "PING", message: pong.errorMessage ?? "", user: config.user)
            case .loading?:
                throw .unreachable(server: server, reason: "it is still loading its dataset into memory; retry when it has finished")
            default:
                throw .wrongServer(server: server, reason: "PING was answered with \(pong), not PONG")
            }
        }
        // Before SELECT: a Sentinel has no databases, and its "unknown command" would read as an
        // ACL problem.
        if config.scope == .dataset { try refuseIfPartial(server: server) }
        if config.db != 0 {
            let reply = try roundTrip([Array("SELECT".utf8), Array(String(config.db).utf8)], name: "SELECT")
            if let m = reply.errorMessage {
                throw refusal(m, command: "SELECT")
            }
        }
    }

    /// Refuses a server whose keys are not the whole dataset: a Redis Cluster node holds only
    /// its slots' keys (an audit there would report "0 findings" while missing every other
    /// shard), and a Sentinel holds none.
    private func refuseIfPartial(server: String) throws(RedisError) {
        let reply = try roundTrip([Array("INFO".utf8), Array("server".utf8)], name: "INFO")
        if let m = reply.errorMessage { throw refusal(m, command: "INFO") }
        // redis_mode, or server_mode from Valkey 8 on.
        let mode = (reply.string ?? "").split(whereSeparator: \.isNewline).first { $0.hasPrefix("redis_mode:") || $0.hasPrefix("server_mode:") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
        switch mode {
        case "cluster":
            throw .partialDataset(server: server, reason: "it is a node of a Redis Cluster and holds only its own slots' keys, so this command would miss every other shard; pass \(CLIFlag.nodeOnly) to work on this node alone")
        case "sentinel":
            let masters = SentinelResolver.masterNames(self)
            throw .wrongServer(server: server, reason: "it is " + TopologyError.sentinelAdvice(server, masters: masters))
        default:
            break
        }
    }

    deinit {
        redisReaderFree(reader)
        readBuffer.deallocate()
    }

    /// Sends one command and returns its reply; an error reply becomes a thrown `RedisError`.
    @discardableResult
    public func command(_ args: String...) throws(RedisError) -> RedisReply {
        try command(args.map { Array($0.utf8) })
    }

    /// Sends one command given as raw byte arguments; an error reply is thrown.
    @discardableResult
    public func command(_ args: [[UInt8]]) throws(RedisError) -> RedisReply {
        let reply = try roundTrip(args, name: RedisConnection.name(args))
        if let m = reply.errorMessage {
            throw refusal(m, command: RedisConnection.name(args))
        }
        return reply
    }

    /// Sends all commands at once and reads all replies in order. Error replies are returned,
    /// not thrown, so one failing command does not hide the others' results; the exception is
    /// a refusal of access (NOAUTH, NOPERM), which no caller can take for an answer about a key:
    /// it is thrown once every reply has been read.
    public func pipeline(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        var encoder = RESPEncoder()
        for args in commands { encoder.append(args) }
        try send(encoder, during: RedisConnection.name(commands.first ?? []))
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for args in commands {
            replies.append(try receive(during: RedisConnection.name(args)))
        }
        for (args, reply) in zip(commands, replies) {
            if let error = reply.replyError, error.isAccessDenied { throw refusal(error.message, command: RedisConnection.name(args)) }
        }
        return replies
    }

    /// Throws the first refusal of access among replies read with `receive`, naming the command
    /// Redis names in it (a pipelined batch does not keep its commands' names).
    func throwIfDenied(_ replies: some Collection<RedisReply>) throws(RedisError) {
        for reply in replies {
            guard let error = reply.replyError, error.isAccessDenied else { continue }
            let named = ACLRule.named(in: error.message)?.uppercased().replacingOccurrences(of: "|", with: " ")
            throw refusal(error.message, command: named ?? "a pipelined command")
        }
    }

    /// Writes encoded commands to the socket; their replies are read with `receive` (one each,
    /// in order). Several sends may go out before their replies are read.
    func send(_ encoded: RESPEncoder, during name: @autoclosure () -> String) throws(RedisError) {
        let failure: RedisError? = encoded.bytes.withUnsafeBytes { raw in
            do throws(RedisError) { try send(raw, during: name()) } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Writes already encoded protocol bytes, which may be a piece of a command (a big bulk
    /// string goes out in pieces: its `$len` header, then its bytes as they are read).
    func send(_ bytes: UnsafeRawBufferPointer, during name: @autoclosure () -> String) throws(RedisError) {
        try ensureAlive()
        do throws(RedisError) {
            try transport.write(bytes, during: { "to \(name())" })
        } catch {
            throw markDead(error)
        }
    }

    /// Reads the next reply; an error reply is returned, not thrown.
    func receive(during name: @autoclosure () -> String) throws(RedisError) -> RedisReply {
        try readReply(during: name)
    }

    /// `INFO section…` parsed into its `field:value` lines (several sections need Redis 7).
    public func info(_ sections: String...) throws(RedisError) -> [String: String] {
        let text = try command((["INFO"] + (sections.isEmpty ? ["default"] : sections)).map { Array($0.utf8) }).string ?? ""
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return fields
    }

    /// One SCAN step: the next cursor (0 when done) and the keys of this batch.
    public func scan(cursor: UInt64, match: String? = nil, count: Int = 1000, type: String? = nil)
        throws(RedisError) -> (cursor: UInt64, keys: [[UInt8]])
    {
        try scanStep(command(RedisConnection.scanCommand(cursor: cursor, match: match, count: count, type: type)))
    }

    /// `SCAN cursor [MATCH glob] COUNT n [TYPE t]`, for a pipeline.
    static func scanCommand(cursor: UInt64, match: String? = nil, count: Int, type: String? = nil) -> [[UInt8]] {
        var args = ["SCAN", String(cursor)]
        if let match { args += ["MATCH", match] }
        args += ["COUNT", String(count)]
        if let type { args += ["TYPE", type] }
        return args.map { Array($0.utf8) }
    }

    /// The cursor and keys of a SCAN reply.
    func scanStep(_ reply: RedisReply) throws(RedisError) -> (cursor: UInt64, keys: [[UInt8]]) {
        guard let parts = reply.elements, parts.count == 2, let next = parts[0].string.flatMap({ UInt64($0) }),
            let keys = parts[1].elements
        else {
            throw .wrongServer(server: config.description, reason: "SCAN returned \(reply)")
        }
        return (next, keys.compactMap(\.bytes))
    }

    /// `CONFIG GET name`, or nil when the server has no such parameter.
    public func configGet(_ name: String) throws(RedisError) -> String? {
        let reply = try command("CONFIG", "GET", name)
        guard let pairs = reply.elements, pairs.count >= 2 else { return nil }
        return pairs[1].string
    }

    // MARK: Raw socket access, for the replication protocol

    /// Writes bytes straight to the socket. Used by replication, whose RDB payload must be
    /// streamed rather than parsed as one reply.
    func writeRaw(_ bytes: [UInt8]) throws(RedisError) {
        let failure: RedisError? = bytes.withUnsafeBytes { raw in
            do throws(RedisError) { try send(raw, during: "while writing") } catch { return error }
            return nil
        }
        if let failure { throw failure }
    }

    /// Reads up to `buffer.count` bytes from the socket, past the reply parser; 0 means the
    /// server closed it. A read that times out (the command timeout) throws `timeout`.
    func readRaw(into buffer: UnsafeMutableRawBufferPointer, during: String) throws(RedisError) -> Int {
        try ensureAlive()
        do throws(RedisError) {
            return try transport.read(into: buffer, during: { during })
        } catch {
            throw markDead(error)
        }
    }

    /// Bytes read from the socket but not yet parsed (none after a complete reply in practice;
    /// replication checks so that no payload byte is lost).
    var bufferedByteCount: Int {
        reader.pointee.len - reader.pointee.pos
    }

    // MARK: Internals

    private func roundTrip(_ args: [[UInt8]], name: String) throws(RedisError) -> RedisReply {
        var encoder = RESPEncoder()
        encoder.append(args)
        try send(encoder, during: name)
        return try readReply(during: { name })
    }

    /// Parses the next reply, reading from the socket until hiredis' reader has a whole one.
    private func readReply(during name: () -> String) throws(RedisError) -> RedisReply {
        try ensureAlive()
        while true {
            var raw: UnsafeMutableRawPointer?
            if redisReaderGetReply(reader, &raw) != REDIS_OK {
                let message = withUnsafeBytes(of: &reader.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                throw markDead(.wrongServer(server: config.description, reason: "it does not speak the Redis protocol (\(message))"))
            }
            if let raw {
                // Copy out at once; free the top-level reply only (it owns its elements).
                let reply = raw.withMemoryRebound(to: redisReply.self, capacity: 1) { RedisConnection.copy($0) }
                freeReplyObject(raw)
                return reply
            }
            let count: Int
            do throws(RedisError) {
                count = try transport.read(into: readBuffer, during: { "to \(name())" })
            } catch {
                throw markDead(error)
            }
            guard count > 0 else {
                throw markDead(.connectionLost(server: config.description, reason: "the server closed the connection during \(name())"))
            }
            let fed = redisReaderFeed(reader, readBuffer.baseAddress!.assumingMemoryBound(to: CChar.self), count)
            if fed != REDIS_OK {
                throw markDead(.connectionLost(server: config.description, reason: "out of memory buffering a reply"))
            }
        }
    }

    private func ensureAlive() throws(RedisError) {
        if let dead {
            throw .connectionLost(server: config.description, reason: "an earlier error closed it (\(dead))")
        }
    }

    private func markDead(_ error: RedisError) -> RedisError {
        if dead == nil { dead = error }
        return error
    }

    /// The error an error reply to `command` on this connection becomes (a NOPERM names the
    /// ACL user this connection logged in as).
    func refusal(_ message: String, command: String, grant: String? = nil) -> RedisError {
        RedisError(ReplyError(message), server: config.description, command: command, user: config.user, grant: grant)
    }

    private static func firstWord(_ message: String) -> String {
        let word = message.split(separator: " ").first.map(String.init) ?? message
        return word == "ERR" ? message : word
    }

    private static func name(_ args: [[UInt8]]) -> String {
        guard let first = args.first else { return "(empty command)" }
        var name = String(decoding: first, as: UTF8.self).uppercased()
        // Two-word commands read better in messages: CONFIG GET, XINFO STREAM, …
        if ["CONFIG", "XINFO", "XGROUP", "MEMORY", "CLIENT", "FUNCTION", "ACL", "OBJECT"].contains(name), args.count > 1 {
            name += " " + String(decoding: args[1], as: UTF8.self).uppercased()
        }
        return name
    }

    private static func copy(_ r: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let reply = r.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            return .bulk(bytes(reply.str, reply.len))
        case REDIS_REPLY_STATUS:
            return .status(String(decoding: bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(reply.str, reply.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(reply.integer)
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(reply.elements)
            for i in 0..<reply.elements {
                if let element = reply.element[i] { items.append(copy(element)) }
            }
            return .array(items)
        default:
            return .null
        }
    }

    private static func bytes(_ str: UnsafeMutablePointer<CChar>?, _ len: Int) -> [UInt8] {
        guard let str, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: str, count: len))
    }
}
