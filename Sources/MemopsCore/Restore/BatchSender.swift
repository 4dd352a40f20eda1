import Foundation
import MemopsRDB

/// Sends RESTORE batches from a thread of its own, so reading and building the next batch from
/// the backup overlaps the server's work on this one (as `redis-cli --pipe` overlaps writing and
/// reading). Two batches may be on the wire at once — the next is written before the replies
/// of the one before are read — so the server never waits for a round trip between batches.
/// With one waiting and one being built, memory holds four batches at most.
///
/// The connection is the sender's from `init` (the caller keeps no reference to it): the
/// caller gets it back only from `drain()`, once every batch is answered, for its own commands
/// (function libraries, spooled and rebuilt keys), and hands it back with `resume(_:)` before
/// the next `send`. It lives in the `Monitor` with the rest of the shared state, taken out by
/// whichever thread uses it, so one thread at a time holds it; a `send` while the caller holds
/// it, or a `resume` without a `drain`, stops the program. (`sending` parameters would say
/// this to the compiler too, but the connection also serves the plan pass before, in the same
/// region as the restore's closures, and region analysis cannot see that pass end.)
final class BatchSender {
    /// One pipeline: SELECT, then per key (EXISTS under --on-conflict replace and) RESTORE,
    /// already encoded.
    struct Batch {
        var queued: [RestoreVisitor.Queued] = []
        var encoded = RESPEncoder()
        /// Where each queued key's RESTORE lies in `encoded`, to send it again elsewhere when a
        /// cluster node redirects it.
        var commandRanges: [Range<Int>] = []
        var counting: Bool
        var bytes: Int { encoded.bytes.count }
    }

    /// What the caller and the sender thread share.
    private struct Shared {
        /// The connection while nobody uses it: the thread takes it for each write or read
        /// and puts it back; `drain()` takes it out for the caller until `resume(_:)`.
        var connection: RedisConnection?
        /// Whether the caller holds the connection (between `drain()` and `resume(_:)`).
        var lent = false
        var waiting: Batch?
        /// True while the thread writes a batch or has batches whose replies it has not read.
        var busy = false
        var stopped = false
        var failure: (any Error)?
        /// Counts of the batches answered so far (restored, replaced, skipped, failed, problems).
        var tally = LiveRestoreResult()

        var idle: Bool { waiting == nil && !busy }
    }

    private let shared: Monitor<Shared>
    private let worker: WorkerThread
    private var joined = false

    /// Starts the sender thread, which owns `redis` from now on.
    init(_ redis: RedisConnection, options: LiveRestoreOptions) {
        let shared = Monitor(Shared(connection: redis))
        self.shared = shared
        worker = WorkerThread(name: "memops-restore-sender") { BatchSender.loop(shared, options: options) }
    }

    deinit { stop() }

    /// Hands a batch over, waiting while another one is already waiting; throws the error that
    /// stopped an earlier batch.
    func send(_ batch: Batch) throws {
        try shared.wait(until: { $0.waiting == nil || $0.failure != nil }) { s in
            precondition(!s.lent, "a batch handed to the sender while the caller holds the connection")
            if let failure = s.failure { throw failure }
            s.waiting = batch
        }
    }

    /// Waits until every batch handed over has been answered, then gives the connection to the
    /// caller until `resume(_:)`; throws the error that stopped a batch.
    func drain() throws -> RedisConnection {
        try shared.wait(until: { ($0.idle && $0.connection != nil) || $0.failure != nil }) { s in
            if let failure = s.failure { throw failure }
            s.lent = true
            defer { s.connection = nil }
            return s.connection!
        }
    }

    /// Gives the connection back to the sender after `drain()`.
    func resume(_ redis: RedisConnection) {
        shared.withLock { s in
            precondition(s.lent && s.connection == nil, "resume without drain")
            s.connection = redis
            s.lent = false
        }
    }

    /// Keys written so far (restored or replaced).
    var written: Int { shared.withLock { $0.tally.restored + $0.tally.replaced } }

    /// What the batches came to; call after `drain()`.
    var counts: LiveRestoreResult { shared.withLock { $0.tally } }

    /// Ends the thread (after the batches in flight, if any) and joins it; safe to call more
    /// than once.
    func stop() {
        guard !joined else { return }
        joined = true
        shared.withLock { $0.stopped = true }
        worker.join()
    }

    /// The sender thread: writes the waiting batch while fewer than two are on the wire, else
    /// reads the oldest one's replies, until stopped (with nothing left) or failed.
    private static func loop(_ shared: Monitor<Shared>, options: LiveRestoreOptions) {
        var inFlight: [Batch] = []  // written, replies not read yet; oldest first
        while true {
            let step = shared.wait(until: { s in
                s.failure != nil || (s.stopped && (s.lent || (s.waiting == nil && inFlight.isEmpty)))
                    || (!s.lent && (s.waiting != nil || !inFlight.isEmpty))
            }) { s -> (next: Batch?, redis: RedisConnection)? in
                if s.failure != nil || s.lent || (s.waiting == nil && inFlight.isEmpty) { return nil }
                let next = inFlight.count < 2 ? s.waiting : nil
                if next != nil { s.waiting = nil }
                s.busy = true
                defer { s.connection = nil }
                return (next, s.connection!)
            }
            guard let (next, redis) = step else { return }

            var local = LiveRestoreResult()
            var error: (any Error)?
            do {
                if let next {
                    try redis.send(next.encoded, during: "RESTORE")
                    inFlight.append(next)
                } else {
                    let batch = inFlight.removeFirst()
                    try BatchSender.count(batch, redis: redis, options: options, into: &local)
                }
            } catch let e {
                error = e
            }

            shared.withLock { s in
                s.connection = redis
                s.tally.addWrites(local, examples: options.exampleLimit)
                if let error, s.failure == nil { s.failure = error }
                s.busy = !inFlight.isEmpty
            }
        }
    }

    /// Reads and counts a batch's replies: OK is restored (replaced when EXISTS said 1), BUSYKEY
    /// under --on-conflict skip is skipped, an error no later key would escape stops the
    /// restore, any other error fails that key alone.
    static func count(_ batch: Batch, redis: RedisConnection, options: LiveRestoreOptions,
                      into result: inout LiveRestoreResult) throws(RedisError) {
        if let m = try redis.receive(during: "SELECT").errorMessage {
            throw redis.refusal(m, command: "SELECT")
        }
        for (n, q) in batch.queued.enumerated() {
            var existed = false
            if batch.counting {
                existed = try redis.receive(during: "EXISTS").integer == 1
            }
            let reply = try redis.receive(during: "RESTORE")
            if let m = reply.errorMessage {
                if n < batch.commandRanges.count, case let .moved(_, address)? = reply.replyError?.code {
                    result.redirects.append(RestoreRedirect(db: q.db, key: q.key, command: Array(batch.encoded.bytes[batch.commandRanges[n]]),
                                                            address: ClusterClient.canonical(address), ask: false))
                } else if n < batch.commandRanges.count, case let .ask(_, address)? = reply.replyError?.code {
                    result.redirects.append(RestoreRedirect(db: q.db, key: q.key, command: Array(batch.encoded.bytes[batch.commandRanges[n]]),
                                                            address: ClusterClient.canonical(address), ask: true))
                } else if m.hasPrefix("BUSYKEY") && options.onConflict == .skip {
                    result.skippedExisting += 1
                } else if LiveRestore.isFatal(m) {
                    throw redis.refusal(m, command: "RESTORE")
                } else {
                    result.failed += 1
                    result.problems.append(RestoreProblem(db: q.db, key: RDBError.printable(q.key), reason: m))
                }
            } else if existed {
                result.replaced += 1
            } else {
                result.restored += 1
            }
        }
    }
}
