import Foundation
import MemopsRDB

/// What can go wrong generating or loading sample data.
public enum SampleDataError: MemopsError, Equatable {
    /// A count or option the generator cannot use.
    case invalidSpec(String)
    /// More faults of a kind than there are entities to carry them.
    case tooManyFaults(SampleDataFaultKind, asked: Int, room: Int)
    /// The target database already holds keys and neither flush nor merge was asked for.
    case databaseNotEmpty(server: String, keys: Int)
    /// The server answered some commands with errors; the first one is named.
    case errorReplies(server: String, count: Int, firstCommand: String, firstKey: String, firstMessage: String)
    /// Writing RESP to the output failed (a closed pipe, a full disk).
    case writeFailed(String)

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidSpec, .tooManyFaults: return .usage
        case .databaseNotEmpty, .errorReplies, .writeFailed: return .failed
        }
    }

    public var description: String {
        switch self {
        case .invalidSpec(let why):
            return "cannot generate sample data: \(why)"
        case .tooManyFaults(let kind, let asked, let room):
            return "cannot inject \(asked) \(kind.rawValue) faults: the dataset has room for \(room); generate more entities"
        case .databaseNotEmpty(let server, let keys):
            return "the database at \(server) already holds \(keys) keys; pass \(CLIFlag.flush) to empty it first or \(CLIFlag.merge) to add to it"
        case .errorReplies(let server, let count, let command, let key, let message):
            return "Redis at \(server) refused \(count) sample-data commands; the first: \(command) \(key): \(message)"
        case .writeFailed(let why):
            return "cannot write sample data: \(why)"
        }
    }
}

/// What a load did.
public struct SampleDataLoadResult: Sendable, Equatable {
    /// Commands sent.
    public var commands: Int
    /// Keys the dataset creates (from the plan; the server's DBSIZE after a load into an empty
    /// database equals it).
    public var keys: Int
    /// Bytes of RESP the commands amount to (what `--resp` would write).
    public var bytes: Int
    /// Wall-clock seconds.
    public var seconds: Double
}

/// Puts a generated dataset somewhere: into a server over pipelined batches, or as RESP into a
/// file descriptor for `redis-cli --pipe`.
public enum SampleDataLoader {
    /// Loads the dataset into `connection` (a server, or a cluster: each command goes to the
    /// shard of its key) in pipelined batches of `batchSize` commands. Every command is sent
    /// even when some fail; then the first error reply is thrown with its key. `progress` is
    /// called after each batch with the commands sent so far.
    public static func load(
        _ generator: SampleDataGenerator, into connection: KeyRouter, batchSize: Int = 1_000,
        progress: ((Int) -> Void)? = nil
    ) throws -> SampleDataLoadResult {
        let started = Date()
        var batch: [[[UInt8]]] = []
        batch.reserveCapacity(batchSize)
        var sent = 0
        var bytes = 0
        var errorCount = 0
        var firstError: (command: String, key: String, message: String)?
        func flush() throws {
            let replies = try connection.routed(batch, keys: batch.map(RoutingKey.of))
            for (command, reply) in zip(batch, replies) {
                guard let message = reply.errorMessage else { continue }
                errorCount += 1
                if firstError == nil {
                    firstError = (String(decoding: command[0], as: UTF8.self),
                                  command.count > 1 ? KeyText.escaped(command[1]) : "", message)
                }
            }
            sent += batch.count
            batch.removeAll(keepingCapacity: true)
            progress?(sent)
        }
        try generator.forEachCommand { command in
            bytes += RESPEncoder.encodedLength(command)
            batch.append(command)
            if batch.count >= batchSize { try flush() }
        }
        if !batch.isEmpty { try flush() }
        if let firstError {
            throw SampleDataError.errorReplies(
                server: connection.serverDescription, count: errorCount, firstCommand: firstError.command,
                firstKey: firstError.key, firstMessage: firstError.message)
        }
        return SampleDataLoadResult(commands: sent, keys: generator.totalKeys, bytes: bytes, seconds: Date().timeIntervalSince(started))
    }

    /// Connects to `config` and loads the dataset; refuses a database that already holds keys
    /// unless `flush` (FLUSHDB first) or `merge` (add to what is there) is set.
    public static func load(
        _ spec: SampleDataSpec, into config: ConnectionConfig, flush: Bool = false, merge: Bool = false
    ) throws -> SampleDataLoadResult {
        let generator = try SampleDataGenerator(spec)
        let connection = try RedisConnection(config)
        try prepare(connection, flush: flush, merge: merge)
        return try load(generator, into: connection)
    }

    /// Empties every primary of a cluster when `flush`; otherwise refuses a cluster that
    /// holds keys unless `merge`.
    public static func prepare(_ cluster: ClusterClient, flush: Bool, merge: Bool) throws {
        var keys: Int64 = 0
        for shard in cluster.topology.shards {
            let node = try cluster.connection(to: shard.primary.address)
            if flush { try node.command("FLUSHDB") } else { keys += try node.command("DBSIZE").integer ?? 0 }
        }
        if keys > 0 && !merge {
            throw SampleDataError.databaseNotEmpty(server: cluster.topology.shards.map(\.primary.address).joined(separator: ","), keys: Int(keys))
        }
    }

    /// Empties the database when `flush`; otherwise refuses a non-empty one unless `merge`.
    public static func prepare(_ connection: RedisConnection, flush: Bool, merge: Bool) throws {
        if flush {
            try connection.command("FLUSHDB")
            return
        }
        let keys = try connection.command("DBSIZE").integer ?? 0
        if keys > 0 && !merge {
            throw SampleDataError.databaseNotEmpty(server: connection.config.description, keys: Int(keys))
        }
    }

    /// Sends only the nodes' heartbeats again, so loaded data keeps live nodes past 30 s.
    public static func beat(_ generator: SampleDataGenerator, into connection: KeyRouter) throws {
        var commands: [[[UInt8]]] = []
        generator.forEachHeartbeat { commands.append($0) }
        for (command, reply) in zip(commands, try connection.routed(commands, keys: commands.map(RoutingKey.of))) {
            if let message = reply.errorMessage {
                throw SampleDataError.errorReplies(
                    server: connection.serverDescription, count: 1, firstCommand: "SETEX",
                    firstKey: KeyText.escaped(command[1]), firstMessage: message)
            }
        }
    }

    /// Writes the dataset (or with `heartbeatsOnly`, only its heartbeats) as RESP to `fd` in
    /// chunks of about 1 MiB; returns commands and bytes written.
    @discardableResult
    public static func writeRESP(_ generator: SampleDataGenerator, to fd: Int32, heartbeatsOnly: Bool = false)
        throws(SampleDataError) -> (commands: Int, bytes: Int)
    {
        var encoder = RESPEncoder(capacity: 1 << 21)
        var commands = 0
        var bytes = 0
        var failure: SampleDataError?
        func drain() -> Bool {
            let ok = encoder.bytes.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count {
                    let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        // The reader went away (`… | head`): stop quietly, as a pipe reader expects.
                        if errno == EPIPE { Interruption.shared.exit(status: 128 + SIGPIPE) }
                        failure = .writeFailed(String(cString: strerror(errno)))
                        return false
                    }
                    offset += n
                }
                return true
            }
            bytes += encoder.bytes.count
            encoder.removeAll()
            return ok
        }
        struct Stop: Error {}
        do {
            let each: ([[UInt8]]) throws -> Void = { command in
                encoder.append(command)
                commands += 1
                if encoder.bytes.count >= 1 << 20, !drain() { throw Stop() }
            }
            if heartbeatsOnly {
                try generator.forEachHeartbeat(each)
            } else {
                try generator.forEachCommand(each)
            }
        } catch {}
        if failure == nil && !encoder.bytes.isEmpty { _ = drain() }
        if let failure { throw failure }
        return (commands, bytes)
    }

    /// The whole dataset as RESP bytes in memory: for tests and small datasets only.
    public static func resp(_ generator: SampleDataGenerator) -> [UInt8] {
        var encoder = RESPEncoder()
        generator.forEachCommand { encoder.append($0) }
        return encoder.bytes
    }
}
