import Foundation
import MemopsRDB

/// Sends RESTORE batches from a thread of its own, so reading and building the next batch from
/// the backup overlaps the server's work on this one (as `redis-cli --pipe` overlaps writing and
/// reading). At most one batch waits while one is in flight: with the one being built, memory
/// holds three batches at most.
///
/// The connection is shared with the reading thread, never at the same time: the reader uses it
/// (function libraries, rebuilt keys) only after `drain()`.
final class BatchSender: @unchecked Sendable {
    /// One pipeline: SELECT, then per key (EXISTS under --on-conflict replace and) RESTORE.
    struct Batch {
        var queued: [RestoreVisitor.Queued]
        var commands: [[[UInt8]]]
        var counting: Bool
    }

    private let redis: RedisConnection
    private let options: LiveRestoreOptions
    private let condition = NSCondition()
    private var waiting: Batch?
    private var busy = false
    private var finished = false
    private var stopped = false
    private var failure: (any Error)?
    /// Counts of the batches sent so far (restored, replaced, skipped, failed, problems).
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

    /// Ends the thread (after the batch in flight, if any); safe to call more than once.
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
        while true {
            condition.lock()
            while waiting == nil && !finished { condition.wait() }
            guard let batch = waiting, failure == nil else {
                condition.unlock()
                exited.signal()
                return
            }
            waiting = nil
            busy = true
            condition.broadcast()
            condition.unlock()

            var local = LiveRestoreResult()
            var error: (any Error)?
            do {
                let replies = try redis.pipeline(batch.commands)
                try BatchSender.count(batch, replies, options: options, server: redis.config.description, into: &local)
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
            busy = false
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Counts a batch's replies: OK is restored (replaced when EXISTS said 1), BUSYKEY under
    /// --on-conflict skip is skipped, an error no later key would escape stops the restore, any
    /// other error fails that key alone.
    static func count(_ batch: Batch, _ replies: [RedisReply], options: LiveRestoreOptions, server: String,
                      into result: inout LiveRestoreResult) throws {
        if let m = replies[0].errorMessage {
            throw RedisConnection.classify(m, server: server, command: "SELECT \(batch.queued[0].db)")
        }
        var index = 1
        for q in batch.queued {
            var existed = false
            if batch.counting {
                existed = replies[index].integer == 1
                index += 1
            }
            let reply = replies[index]
            index += 1
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
