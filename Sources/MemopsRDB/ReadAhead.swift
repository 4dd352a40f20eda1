/// Who computes the CRC64 of read-ahead chunks: the worker unless the reader waits for it
/// (`adaptive`), or always one of them (tests).
enum ReadAheadCRC { case adaptive, worker, reader }

#if canImport(Glibc)
import Glibc

/// Reads a `ByteSource` ahead on a second thread, a chunk at a time, and computes the CRC64 of
/// each chunk when the reader is busy (when the reader is waiting for input it takes the
/// chunk sooner and computes the CRC itself), so that the source's own work (read(2), zstd, the
/// digests a verify tees off) and the checksum overlap with the parse on the reader's thread.
///
/// The source is used by one thread at a time: by the worker from `start()` until `stop()`
/// returns, by its owner (through `readSource`) after. Memory stays flat: `depth` chunks in all.
///
/// The reader parses in the chunks themselves (no copy): each has `headroom` bytes before its
/// data, where the reader moves the unread tail of the previous chunk, and 64 bytes of slack
/// after it.
final class ReadAhead: @unchecked Sendable {
    /// A chunk of input and, if the worker computed it, the CRC64 of its bytes alone (from 0);
    /// the data is at `memory + headroom`.
    struct Chunk {
        var memory: UnsafeMutableRawPointer
        var count: Int
        var crc0: UInt64?
    }

    var policy = ReadAheadCRC.adaptive
    private var consumerWaiting = false

    let chunkSize: Int
    let headroom: Int
    /// Bytes of each chunk's memory: headroom, data and slack.
    var chunkBytes: Int { headroom + chunkSize + 64 }
    /// Owned by the worker while it runs.
    private var source: any ByteSource
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var thread = pthread_t()
    private var running = false
    // Shared, under `mutex`.
    private var free: [UnsafeMutableRawPointer] = []
    private var ready: [Chunk] = []
    private var readyHead = 0
    private var failure: (any Error)?
    private var finished = false
    private var stopRequested = false
    private var all: [UnsafeMutableRawPointer] = []

    init(_ source: any ByteSource, chunkSize: Int, headroom: Int, depth: Int = 4) {
        self.source = source
        self.chunkSize = chunkSize
        self.headroom = headroom
        for _ in 0..<max(3, depth) {
            let m = UnsafeMutableRawPointer.allocate(byteCount: headroom + chunkSize + 64, alignment: 16)
            all.append(m)
            free.append(m)
        }
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        stop()
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
        for m in all { m.deallocate() }
    }

    /// Starts the worker; false if the thread could not be created (the caller then reads the
    /// source itself).
    func start() -> Bool {
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { context in
            let me = Unmanaged<ReadAhead>.fromOpaque(context!).takeRetainedValue()
            me.work()
            return nil
        }, context)
        if rc != 0 {
            Unmanaged<ReadAhead>.fromOpaque(context).release()
            return false
        }
        running = true
        return true
    }

    private func lock() { pthread_mutex_lock(mutex) }
    private func unlock() { pthread_mutex_unlock(mutex) }

    private func work() {
        while true {
            lock()
            while free.isEmpty && !stopRequested { pthread_cond_wait(cond, mutex) }
            if stopRequested {
                unlock()
                return
            }
            let memory = free.removeLast()
            unlock()
            var n = 0
            var error: (any Error)? = nil
            var ended = false
            while n < chunkSize {
                do {
                    let got = try source.read(into: UnsafeMutableRawBufferPointer(start: memory + headroom + n, count: chunkSize - n))
                    if got == 0 {
                        ended = true
                        break
                    }
                    n += got
                } catch let e {
                    error = e
                    break
                }
            }
            lock()
            let computeCRC = policy == .worker || (policy == .adaptive && !consumerWaiting)
            unlock()
            let crc0 = computeCRC ? CRC64.update(0, UnsafeRawBufferPointer(start: memory + headroom, count: n)) : nil
            lock()
            if n > 0 {
                ready.append(Chunk(memory: memory, count: n, crc0: crc0))
            } else {
                free.append(memory)
            }
            if let error { failure = error }
            if error != nil || ended { finished = true }
            pthread_cond_broadcast(cond)
            unlock()
            if error != nil || ended { return }
        }
    }

    /// Takes the next chunk, waiting for the worker; nil at the end of the input (or after
    /// `stop()` once what was read ahead is used up). Throws the source's error once the
    /// bytes before it are used up.
    func next() throws -> Chunk? {
        lock()
        defer { unlock() }
        while readyHead == ready.count && !finished && running {
            consumerWaiting = true
            pthread_cond_wait(cond, mutex)
        }
        consumerWaiting = false
        if readyHead < ready.count {
            let c = ready[readyHead]
            readyHead += 1
            if readyHead == ready.count {
                ready.removeAll(keepingCapacity: true)
                readyHead = 0
            }
            return c
        }
        if let failure {
            self.failure = nil
            throw failure
        }
        return nil
    }

    /// Gives a chunk's memory back to the worker (ignored once it is stopped: the memory is
    /// freed with this object).
    func recycle(_ memory: UnsafeMutableRawPointer) {
        guard running else { return }
        lock()
        free.append(memory)
        pthread_cond_broadcast(cond)
        unlock()
    }

    /// Reads the source directly, once the worker is stopped and what it read is used up.
    func readSource(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        precondition(!running, "the source belongs to the read-ahead worker")
        return sourceLeft ? try source.read(into: buffer) : 0
    }

    /// Stops the worker (after the read it may be in) and joins it; the source is the
    /// caller's again, and `read` first hands out what was read ahead.
    func stop() {
        guard running else { return }
        lock()
        stopRequested = true
        pthread_cond_broadcast(cond)
        unlock()
        pthread_join(thread, nil)
        running = false
        // An end or error the worker saw is kept: `read` reports it after the pending chunks.
        if !finished {
            finished = true
            sourceLeft = true
        }
    }

    /// Whether the source still has bytes the worker did not read (it was stopped early).
    private(set) var sourceLeft = false
}
#endif
