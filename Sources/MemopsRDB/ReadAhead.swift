/// Who computes the CRC64 of read-ahead chunks: the worker unless the reader waits for it
/// (`adaptive`), or always one of them (tests).
enum ReadAheadCRC { case adaptive, worker, reader }

/// Reads a `ByteSource` ahead on a second thread, a chunk at a time, and computes the CRC64 of
/// each chunk when the reader is busy (when the reader is waiting for input it takes the
/// chunk sooner and computes the CRC itself), so that the source's own work (read(2), zstd, the
/// digests a verify tees off) and the checksum overlap with the parse on the reader's thread.
///
/// The source changes hands through the monitor: the worker takes it when it starts and puts it
/// back when it ends, and `readSource` (after `stop()`) uses it from there. Memory stays flat:
/// `depth` chunks in all.
///
/// The reader parses in the chunks themselves (no copy): each has `headroom` bytes before its
/// data, where the reader moves the unread tail of the previous chunk, and 64 bytes of slack
/// after it.
final class ReadAhead {
    /// A chunk of input and, if the worker computed it, the CRC64 of its bytes alone (from 0);
    /// the data is at `memory + headroom`.
    struct Chunk {
        var memory: UnsafeMutableRawPointer
        var count: Int
        var crc0: UInt64?
    }

    /// What the worker and the reader share.
    private struct Shared {
        /// The source, when no worker holds it.
        var source: (any ByteSource)?
        var free: [UnsafeMutableRawPointer] = []
        var ready: [Chunk] = []
        var readyHead = 0
        var failure: (any Error)?
        var finished = false
        var stopRequested = false
        var consumerWaiting = false

        var hasReady: Bool { readyHead < ready.count }

        mutating func takeReady() -> Chunk {
            let c = ready[readyHead]
            readyHead += 1
            if readyHead == ready.count {
                ready.removeAll(keepingCapacity: true)
                readyHead = 0
            }
            return c
        }
    }

    var policy = ReadAheadCRC.adaptive

    let chunkSize: Int
    let headroom: Int
    /// Bytes of each chunk's memory: headroom, data and slack.
    var chunkBytes: Int { headroom + chunkSize + 64 }
    private let shared: Monitor<Shared>
    private var worker: WorkerThread?
    private var all: [UnsafeMutableRawPointer] = []

    init(_ source: any ByteSource, chunkSize: Int, headroom: Int, depth: Int = 4) {
        self.chunkSize = chunkSize
        self.headroom = headroom
        var state = Shared(source: source)
        for _ in 0..<max(3, depth) {
            let m = UnsafeMutableRawPointer.allocate(byteCount: headroom + chunkSize + 64, alignment: 16)
            all.append(m)
            state.free.append(m)
        }
        shared = Monitor(state)
    }

    deinit {
        stop()
        for m in all { m.deallocate() }
    }

    /// Starts the worker.
    func start() -> Bool {
        let (shared, chunkSize, headroom, policy) = (shared, chunkSize, headroom, policy)
        worker = WorkerThread(name: "memops-read-ahead") {
            ReadAhead.work(shared, chunkSize: chunkSize, headroom: headroom, policy: policy)
        }
        return true
    }

    /// The worker: fills free chunks until the source ends, fails, or a stop is requested.
    private static func work(_ shared: Monitor<Shared>, chunkSize: Int, headroom: Int, policy: ReadAheadCRC) {
        guard var source = shared.withLock({ s in defer { s.source = nil }; return s.source }) else { return }
        defer { shared.withLock { $0.source = source } }
        while true {
            guard let memory = shared.wait(until: { !$0.free.isEmpty || $0.stopRequested }, then: { s in
                s.stopRequested ? nil : s.free.removeLast()
            }) else { return }
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
            let computeCRC = policy == .worker || (policy == .adaptive && !shared.withLock { $0.consumerWaiting })
            let crc0 = computeCRC ? CRC64.update(0, UnsafeRawBufferPointer(start: memory + headroom, count: n)) : nil
            shared.withLock { s in
                if n > 0 {
                    s.ready.append(Chunk(memory: memory, count: n, crc0: crc0))
                } else {
                    s.free.append(memory)
                }
                if let error { s.failure = error }
                if error != nil || ended { s.finished = true }
            }
            if error != nil || ended { return }
        }
    }

    /// Takes the next chunk, waiting for the worker; nil at the end of the input (or after
    /// `stop()` once what was read ahead is used up). Throws the source's error once the
    /// bytes before it are used up.
    func next() throws -> Chunk? {
        let running = worker != nil
        // Tells the worker that the reader waits, so it hands the chunk over before its CRC.
        shared.withLock { s in
            if !s.hasReady && !s.finished && running { s.consumerWaiting = true }
        }
        return try shared.wait(until: { $0.hasReady || $0.finished || !running }) { s -> Chunk? in
            s.consumerWaiting = false
            if s.hasReady { return s.takeReady() }
            if let failure = s.failure {
                s.failure = nil
                throw failure
            }
            return nil
        }
    }

    /// Gives a chunk's memory back to the worker (ignored once it is stopped: the memory is
    /// freed with this object).
    func recycle(_ memory: UnsafeMutableRawPointer) {
        guard worker != nil else { return }
        shared.withLock { $0.free.append(memory) }
    }

    /// Reads the source directly, once the worker is stopped and what it read is used up.
    func readSource(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        precondition(worker == nil, "the source belongs to the read-ahead worker")
        guard sourceLeft, var source = returnedSource else { return 0 }
        defer { returnedSource = source }
        return try source.read(into: buffer)
    }

    /// The source, given back by the stopped worker.
    private var returnedSource: (any ByteSource)?

    /// Stops the worker (after the read it may be in) and joins it; the source is the
    /// caller's again, and `read` first hands out what was read ahead.
    func stop() {
        guard let worker else { return }
        shared.withLock { $0.stopRequested = true }
        worker.join()
        self.worker = nil
        // An end or error the worker saw is kept: `read` reports it after the pending chunks.
        shared.withLock { s in
            if !s.finished {
                s.finished = true
                sourceLeft = true
            }
            returnedSource = s.source
            s.source = nil
        }
    }

    /// Whether the source still has bytes the worker did not read (it was stopped early).
    private(set) var sourceLeft = false
}
