internal import CHiredis
import Foundation

/// One blocking connection to a Redis server over hiredis: commands, pipelines, INFO and SCAN.
///
/// It owns its `redisContext` and frees it in `deinit`. hiredis marks a context dead after any
/// I/O or protocol error, so this type never retries on it: the error is thrown and every later
/// call fails with `connectionLost`.
public final class RedisConnection {
    public let config: ConnectionConfig
    private var context: UnsafeMutablePointer<redisContext>
    private var dead: RedisError?

    /// Connects, authenticates, selects the database and checks that the peer is Redis.
    public init(_ config: ConnectionConfig) throws(RedisError) {
        self.config = config
        let server = config.description
        var tv = RedisConnection.timeval(config.connectTimeout)
        let ctx: UnsafeMutablePointer<redisContext>?
        switch config.address {
        case .tcp(let host, let port): ctx = redisConnectWithTimeout(host, Int32(port), tv)
        case .unix(let path): ctx = redisConnectUnixWithTimeout(path, tv)
        }
        guard let ctx else {
            throw .unreachable(server: server, reason: "out of memory allocating a hiredis context")
        }
        if ctx.pointee.err != 0 {
            let error = RedisConnection.connectError(ctx, server: server, timeout: config.connectTimeout)
            redisFree(ctx)
            throw error
        }
        context = ctx
        // redisConnectWithTimeout covers only connect(); reads and writes need their own timeout.
        tv = RedisConnection.timeval(config.commandTimeout)
        _ = redisSetTimeout(ctx, tv)

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
        switch pong {
        case .status("PONG"): break
        case .error(let m) where m.hasPrefix("NOAUTH"):
            throw .authentication(server: server, message: "NOAUTH: a password is required")
        case .error(let m) where m.hasPrefix("NOPERM"):
            throw .permission(server: server, command: "PING", message: m)
        case .error(let m) where m.hasPrefix("LOADING"):
            throw .unreachable(server: server, reason: "it is still loading its dataset into memory; retry when it has finished")
        default:
            throw .wrongServer(server: server, reason: "PING was answered with \(pong), not PONG")
        }
        if config.db != 0 {
            let reply = try roundTrip([Array("SELECT".utf8), Array(String(config.db).utf8)], name: "SELECT")
            if let m = reply.errorMessage {
                throw RedisConnection.classify(m, server: server, command: "SELECT \(config.db)")
            }
        }
    }

    deinit {
        redisFree(context)
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
            throw RedisConnection.classify(m, server: config.description, command: RedisConnection.name(args))
        }
        return reply
    }

    /// Sends all commands at once and reads all replies in order. Error replies are returned,
    /// not thrown, so one failing command does not hide the others' results.
    public func pipeline(_ commands: [[[UInt8]]]) throws(RedisError) -> [RedisReply] {
        var encoder = RESPEncoder()
        for args in commands { encoder.append(args) }
        try send(encoder, during: RedisConnection.name(commands.first ?? []))
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for args in commands {
            replies.append(try receive(during: RedisConnection.name(args)))
        }
        return replies
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
        // Anything hiredis still holds would otherwise be sent after these bytes.
        if context.pointee.obuf != nil && sdslen(context.pointee.obuf) > 0 {
            var done: Int32 = 0
            repeat {
                if redisBufferWrite(context, &done) != REDIS_OK { throw fail(during: name()) }
            } while done == 0
        }
        if let error = writeAll(bytes, during: name) { throw error }
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

    /// Writes bytes straight to the socket (after everything hiredis queued has been sent).
    /// Used by replication, whose RDB payload must be streamed rather than parsed as one reply.
    func writeRaw(_ bytes: [UInt8]) throws(RedisError) {
        try ensureAlive()
        if let error = bytes.withUnsafeBytes({ writeAll($0, during: { "while writing" }) }) { throw error }
    }

    /// Writes every byte to the socket, or returns why it could not (the connection is then dead).
    private func writeAll(_ bytes: UnsafeRawBufferPointer, during name: () -> String) -> RedisError? {
        var offset = 0
        while offset < bytes.count {
            let n = write(context.pointee.fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    return markDead(.timeout(server: config.description, during: "to \(name())", seconds: config.commandTimeout))
                }
                return markDead(.connectionLost(server: config.description, reason: String(cString: strerror(errno))))
            }
            offset += n
        }
        return nil
    }

    /// Reads up to `buffer.count` bytes from the socket; 0 means the server closed it.
    /// A read that times out (the command timeout) throws `timeout`.
    func readRaw(into buffer: UnsafeMutableRawBufferPointer, during: String) throws(RedisError) -> Int {
        try ensureAlive()
        while true {
            let n = read(context.pointee.fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                throw markDead(.timeout(server: config.description, during: during, seconds: config.commandTimeout))
            }
            throw markDead(.connectionLost(server: config.description, reason: String(cString: strerror(errno))))
        }
    }

    /// Bytes hiredis has already read from the socket but not parsed (none after a complete reply
    /// in practice; replication checks so that no payload byte is lost).
    var bufferedByteCount: Int {
        guard let reader = context.pointee.reader else { return 0 }
        return reader.pointee.len - reader.pointee.pos
    }

    // MARK: Internals

    private func roundTrip(_ args: [[UInt8]], name: String) throws(RedisError) -> RedisReply {
        try ensureAlive()
        let rc = RedisConnection.withArgv(args) { argc, argv, lens in
            redisAppendCommandArgv(context, argc, argv, lens)
        }
        if rc != REDIS_OK { throw fail(during: name) }
        return try readReply(during: { name })
    }

    private func readReply(during name: () -> String) throws(RedisError) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        if redisGetReply(context, &raw) != REDIS_OK || raw == nil {
            throw fail(during: name())
        }
        // Copy out at once; free the top-level reply only (it owns its elements).
        let reply = raw!.withMemoryRebound(to: redisReply.self, capacity: 1) { RedisConnection.copy($0) }
        freeReplyObject(raw)
        return reply
    }

    private func ensureAlive() throws(RedisError) {
        if let dead {
            throw .connectionLost(server: config.description, reason: "an earlier error closed it (\(dead))")
        }
    }

    private func markDead(_ error: RedisError) -> RedisError {
        dead = error
        return error
    }

    private func fail(during name: String) -> RedisError {
        let server = config.description
        let err = context.pointee.err
        let message = RedisConnection.errstr(context)
        let savedErrno = errno
        let error: RedisError
        if err == REDIS_ERR_IO && (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK || message.contains("temporarily unavailable")) {
            error = .timeout(server: server, during: "to \(name)", seconds: config.commandTimeout)
        } else if err == REDIS_ERR_PROTOCOL {
            error = .wrongServer(server: server, reason: "it does not speak the Redis protocol (\(message))")
        } else if err == REDIS_ERR_EOF {
            error = .connectionLost(server: server, reason: "the server closed the connection during \(name)")
        } else {
            error = .connectionLost(server: server, reason: message.isEmpty ? "error \(err) during \(name)" : message)
        }
        return markDead(error)
    }

    private static func connectError(_ ctx: UnsafeMutablePointer<redisContext>, server: String, timeout: Double) -> RedisError {
        let message = errstr(ctx)
        if message.localizedCaseInsensitiveContains("timed out") || message.contains("temporarily unavailable") {
            return .timeout(server: server, during: "to connect", seconds: timeout)
        }
        return .unreachable(server: server, reason: message)
    }

    /// Maps an error reply to the matching error: auth and ACL failures get their own kinds.
    static func classify(_ message: String, server: String, command: String) -> RedisError {
        if message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") {
            return .authentication(server: server, message: firstWord(message))
        }
        if message.hasPrefix("NOPERM") {
            return .permission(server: server, command: command, message: message)
        }
        if message.hasPrefix("ERR unknown command") {
            return .permission(server: server, command: command, message: "unknown command: renamed or disabled (rename-command)")
        }
        return .command(server: server, command: command, message: message)
    }

    private static func firstWord(_ message: String) -> String {
        let word = message.split(separator: " ").first.map(String.init) ?? message
        return word == "ERR" ? message : word
    }

    private static func errstr(_ ctx: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: &ctx.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
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

    private static func timeval(_ seconds: Double) -> Foundation.timeval {
        let whole = Int(seconds)
        return Foundation.timeval(tv_sec: whole, tv_usec: Int((seconds - Double(whole)) * 1_000_000))
    }

    /// Lays the arguments out as hiredis' argv/argvlen arrays for the duration of `body`.
    private static func withArgv<R>(
        _ args: [[UInt8]], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        var flat: [UInt8] = []
        flat.reserveCapacity(args.reduce(0) { $0 + $1.count } + 1)
        var offsets: [Int] = []
        var lengths: [Int] = []
        for a in args {
            offsets.append(flat.count)
            lengths.append(a.count)
            flat.append(contentsOf: a)
        }
        flat.append(0)  // a valid address even when every argument is empty
        return flat.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return argv.withUnsafeMutableBufferPointer { argvBuffer in
                lengths.withUnsafeBufferPointer { lens in
                    body(Int32(args.count), argvBuffer.baseAddress!, lens.baseAddress!)
                }
            }
        }
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
