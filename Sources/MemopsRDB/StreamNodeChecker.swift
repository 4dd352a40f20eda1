
/// Checks a stream's listpack nodes on a second thread while the reader goes on to the next
/// ones. For a reader that only counts (verify, inspect, a restore's check pass), decompressing
/// and walking the nodes of a big stream is most of the work when streams are much of the file,
/// as the learning queue is.
///
/// The reader hands over each node copied into batches of about 1 MiB, every other one still
/// LZF-compressed (the reader decompresses the others itself, straight into the batch, so that
/// the two threads share the work evenly). The
/// worker checks them in file order with the same checks as the inline path (`lzfDecompress`,
/// `walkStreamNode`) and keeps the first failure with the offset the inline path would report. Memory: three batches and the worker's decompression buffer.
final class StreamNodeChecker {
    /// Nodes at least this big are not copied: the reader drains the worker and checks them
    /// itself, so memory stays bounded whatever a node's size.
    static let largestCopied = 256 << 10
    static let batchBytes = 1 << 20
    /// Per node in a batch: blob offset, LZF offset, master ms, master seq, decompressed
    /// length (-1 when stored plain), stored length; then the bytes, padded to 8.
    private static let recordHeader = 6 * MemoryLayout<Int>.stride

    struct Failure {
        var offset: Int
        var error: BlobError
    }

    /// The worker's results: valid once `drain` returned, and then writable by the reader
    /// (an inline check continues from them) until the next `add`.
    struct State {
        /// Nodes the worker checked.
        var nodes = 0
        var live: UInt64 = 0
        var previous: StreamID?
        var failure: Failure?
    }

    private final class Batch {
        let buffer = ScratchBuffer(capacity: StreamNodeChecker.batchBytes + StreamNodeChecker.largestCopied + lzfSlack + 64)
        var count = 0
    }

    /// What the worker and the reader share.
    private struct Shared {
        /// Batches not being filled or checked.
        var free: [Batch]
        /// Batches waiting for the worker, oldest first.
        var queued: [Batch] = []
        /// Whether the worker is checking a batch.
        var busy = false
        /// The worker's results, its own while batches are queued.
        var state = State()
        var stopRequested = false

        var idle: Bool { queued.isEmpty && !busy }
    }

    private let shared = Monitor(Shared(free: [Batch(), Batch()]))
    private var worker: WorkerThread?
    private var filling = Batch()

    init() {}

    deinit {
        guard let worker else { return }
        shared.withLock { $0.stopRequested = true }
        worker.join()
    }

    /// Queues one node for checking. `lzfLength` is its decompressed length when `data` is LZF.
    func add(blobOffset: Int, lzfOffset: Int, master: StreamID, data: UnsafeRawBufferPointer, lzfLength: Int?) {
        let to = record(blobOffset: blobOffset, lzfOffset: lzfOffset, master: master, lzfLength: lzfLength ?? -1, bytes: data.count)
        if let base = data.baseAddress { to.copyMemory(from: base, byteCount: data.count) }
    }

    /// Queues one LZF node, decompressed here (on the caller's thread) straight into the batch.
    func addDecompressing(blobOffset: Int, lzfOffset: Int, master: StreamID, lzf: UnsafeRawBufferPointer, outputLength: Int) throws(BlobError) {
        let to = record(blobOffset: blobOffset, lzfOffset: lzfOffset, master: master, lzfLength: -1, bytes: outputLength, slack: lzfSlack)
        do throws(BlobError) {
            try lzfDecompress(lzf, into: to.assumingMemoryBound(to: UInt8.self), outputLength: outputLength)
        } catch {
            // Not queued: the worker must not check (and report) a node that is only half there.
            filling.count = to - filling.buffer.base - StreamNodeChecker.recordHeader
            throw error
        }
    }

    /// Appends a node's header to the batch being filled (submitting the batch first when the
    /// node does not fit) and returns where its `bytes` bytes go; `slack` more may be written.
    private func record(blobOffset: Int, lzfOffset: Int, master: StreamID, lzfLength: Int, bytes: Int, slack: Int = 0) -> UnsafeMutableRawPointer {
        let header = StreamNodeChecker.recordHeader
        let padded = (bytes + 7) & ~7
        if filling.count > 0 && filling.count + header + padded > StreamNodeChecker.batchBytes { submit() }
        let batch = filling
        batch.buffer.reserve(batch.count + header + padded + slack, keeping: batch.count)
        let h = batch.buffer.base + batch.count
        let w = MemoryLayout<Int>.stride
        h.storeBytes(of: blobOffset, as: Int.self)
        h.storeBytes(of: lzfOffset, toByteOffset: w, as: Int.self)
        h.storeBytes(of: Int(bitPattern: UInt(master.ms)), toByteOffset: 2 * w, as: Int.self)
        h.storeBytes(of: Int(bitPattern: UInt(master.seq)), toByteOffset: 3 * w, as: Int.self)
        h.storeBytes(of: lzfLength, toByteOffset: 4 * w, as: Int.self)
        h.storeBytes(of: bytes, toByteOffset: 5 * w, as: Int.self)
        batch.count += header + padded
        return h + header
    }

    /// Checks everything queued and returns the results (the reader may then change them).
    func drain() -> State {
        if filling.count > 0 { submit() }
        return shared.wait(until: { $0.idle }) { $0.state }
    }

    /// Continues from `state` (after the reader checked a node itself).
    func resume(_ state: State) {
        shared.wait(until: { $0.idle }) { $0.state = state }
    }

    private func submit() {
        if worker == nil {
            let shared = shared
            worker = WorkerThread(name: "memops-stream-nodes") { StreamNodeChecker.work(shared) }
        }
        let batch = filling
        filling = shared.wait(until: { !$0.free.isEmpty }) { s in
            s.queued.append(batch)
            return s.free.removeLast()
        }
        filling.count = 0
    }

    /// The worker: checks queued batches in order until asked to stop.
    private static func work(_ shared: Monitor<Shared>) {
        let scratch = ScratchBuffer()
        while true {
            guard let (batch, before) = shared.wait(until: { !$0.queued.isEmpty || $0.stopRequested }, then: { s -> (Batch, State)? in
                if s.queued.isEmpty { return nil }
                s.busy = true
                return (s.queued.removeFirst(), s.state)
            }) else { return }
            var state = before
            check(batch, state: &state, scratch: scratch)
            shared.withLock { s in
                s.state = state
                s.free.append(batch)
                s.busy = false
            }
        }
    }

    /// On the worker: checks a batch's nodes in order, stopping at the first failure.
    private static func check(_ batch: Batch, state: inout State, scratch: ScratchBuffer) {
        guard state.failure == nil else { return }
        let header = StreamNodeChecker.recordHeader
        var at = 0
        while at < batch.count {
            let h = batch.buffer.base + at
            func field(_ i: Int) -> Int { h.load(fromByteOffset: i * MemoryLayout<Int>.stride, as: Int.self) }
            let master = StreamID(ms: UInt64(UInt(bitPattern: field(2))), seq: UInt64(UInt(bitPattern: field(3))))
            let lzfLength = field(4)
            let stored = UnsafeRawBufferPointer(start: h + header, count: field(5))
            var node = stored
            if lzfLength >= 0 {
                scratch.reserve(lzfLength + lzfSlack)
                do throws(BlobError) {
                    try lzfDecompress(stored, into: scratch.base.assumingMemoryBound(to: UInt8.self), outputLength: lzfLength)
                } catch {
                    state.failure = Failure(offset: field(1), error: error)
                    return
                }
                node = UnsafeRawBufferPointer(start: scratch.base, count: lzfLength)
            }
            do throws(BlobError) {
                state.live += UInt64(try walkStreamNode(node, master: master, previous: &state.previous, materialize: false) { _, _ in })
                state.nodes += 1
            } catch {
                state.failure = Failure(offset: field(0), error: error)
                return
            }
            at += header + ((field(5) + 7) & ~7)
        }
        scratch.shrink()
    }
}
