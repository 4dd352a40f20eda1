import Foundation
import MemopsRDB

/// Sends RESTORE batches from a thread of its own, so reading and building the next batch from
/// the backup overlaps the server's work on this one (as `redis-cli --pipe` overlaps writing and
/// reading). Two batches may be on the wire at once — the next is written before the replies
/// of the one before are read — so the server never waits for a round trip between batches.
/// With one waiting and one being built, memory holds four batches at most.
///
/// The connection is shared with the reading thread, never at the same time: the reader uses it
/// (function libraries, rebuilt keys) only after `drain()`.
final class BatchSender: @unchecked Sendable {
    /// One pipeline: SELECT, then per key (EXISTS under --on-conflict replace and) RESTORE,
    /// already encoded.
    struct Batch {
        var queued: [RestoreVisitor.Queued] = []
        var encoded = RESPEncoder()
        var counting: Bool
        var bytes: Int { encoded.bytes.count }
    }

    private let redis: RedisConnection
    private let options: LiveRestoreOptions
    private let condition = NSCondition()
    private var waiting: Batch?
    /// True while the thread writes a batch or has batches whose replies it has not read.
    private var busy = false
    private var finished = false
    private var stopped = false
    private var failure: (any Error)?
    /// Counts of the batches answered so far (restored, replaced, skipped, failed, problems).
    private var tally = LiveRestoreResult()
    private let exited = DispatchSemaphore(value: 0)

    init(redis: RedisConnection, options: LiveRestoreOptions) {
        self.redis = redis
        self.options = options
        let thread = Thread { [self] in loop() }
        thread.name = "memops-restore-sender"
        thread.start()
    }

    /// Hands a batch over, waiting while another one is already waiting; throws the error that
    /// stopped an earlier batch.
    func send(_ batch: Batch) throws {
        condition.lock()
        defer { condition.unlock() }
        while waiting != nil && failure == nil { condition.wait() }
        if let failure { throw failure }
        waiting = batch
        condition.broadcast()
    }

    /// Waits until every batch handed over has been answered; throws the error that stopped one.
    func drain() throws {
        condition.lock()
        defer { condition.unlock() }
        while (waiting != nil || busy) && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Keys written so far (restored or replaced).
    var written: Int {
        condition.lock()
        defer { condition.unlock() }
        return tally.restored + tally.replaced
    }

    /// What the batches came to; call after `drain()`.
    var counts: LiveRestoreResult {
        condition.lock()
        defer { condition.unlock() }
        return tally
    }

    /// Ends the thread (after the batches in flight, if any); safe to call more than once.
    func stop() {
        condition.lock()
        let wasStopped = stopped
        stopped = true
        finished = true
        condition.broadcast()
        condition.unlock()
        if !wasStopped { exited.wait() }
    }

    private func loop() {
        var inFlight: [Batch] = []  // written, replies not read yet; oldest first
        while true {
            condition.lock()
            while waiting == nil && inFlight.isEmpty && !finished && failure == nil { condition.wait() }
            if failure != nil || (waiting == nil && inFlight.isEmpty) {
                condition.unlock()
                exited.signal()
                return
            }
            // Write the next batch while fewer than two are on the wire; else read the oldest.
            let next = inFlight.count < 2 ? waiting : nil
            if next != nil {
                waiting = nil
                condition.broadcast()
            }
            busy = true
            condition.unlock()

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

            condition.lock()
            tally.restored += local.restored
            tally.replaced += local.replaced
            tally.skippedExisting += local.skippedExisting
            tally.failed += local.failed
            tally.problems += local.problems.prefix(max(0, max(options.exampleLimit, 100) - tally.problems.count))
            if let error, failure == nil { failure = error }
            busy = !inFlight.isEmpty
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Reads and counts a batch's replies: OK is restored (replaced when EXISTS said 1), BUSYKEY
    /// under --on-conflict skip is skipped, an error no later key would escape stops the
    /// restore, any other error fails that key alone.
    static func count(_ batch: Batch, redis: RedisConnection, options: LiveRestoreOptions,
                      into result: inout LiveRestoreResult) throws(RedisError) {
        let server = redis.config.description
        if let m = try redis.receive(during: "SELECT").errorMessage {
            throw RedisConnection.classify(m, server: server, command: "SELECT \(batch.queued[0].db)")
        }
        for q in batch.queued {
            var existed = false
            if batch.counting {
                existed = try redis.receive(during: "EXISTS").integer == 1
            }
            let reply = try redis.receive(during: "RESTORE")
            if let m = reply.errorMessage {
                if m.hasPrefix("BUSYKEY") && options.onConflict == .skip {
                    result.skippedExisting += 1
                } else if LiveRestore.isFatal(m) {
                    throw RedisConnection.classify(m, server: server, command: "RESTORE")
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
