internal import CZstd
import Foundation
import MemopsRDB

/// A zstd failure: the library's own message, and what it means for the file at hand.
public enum ZstdError: MemopsError, Equatable {
    /// The compressor or decompressor reported an error (zstd's message).
    case library(String)
    /// The stream ended inside a frame: a truncated `.zst` file.
    case truncated
    /// Bytes that are not a zstd frame at all.
    case notZstd(String)

    public var exitStatus: ExitStatus { .verification }

    public var description: String {
        switch self {
        case .library(let m): return "zstd: \(m)"
        case .truncated: return "the zstd stream ends inside a frame: the file is truncated"
        case .notZstd(let m): return "not a zstd stream (\(m))"
        }
    }
}

/// Streaming zstd compression with the frame checksum on, multithreaded when asked.
/// Memory stays flat: input is consumed in whatever chunks the caller has.
public final class ZstdCompressor {
    private let cctx: OpaquePointer
    private var output: [UInt8]

    /// - Parameters:
    ///   - level: compression level (zstd's CLI default is 3).
    ///   - workers: worker threads; 0 compresses on the calling thread.
    ///   - pledgedSize: the exact input size when known; written into the frame header.
    public init(level: Int32 = 3, workers: Int32 = 0, pledgedSize: UInt64? = nil, jobSize: Int = 2 << 20) throws(ZstdError) {
        guard let ctx = ZSTD_createCCtx() else { throw .library("cannot allocate a compression context") }
        cctx = ctx
        output = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        do {
            try check(ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level))
            // Off by default in the library; without it a damaged frame can decode "successfully".
            try check(ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, 1))
            if workers > 0 {
                // Fails on a libzstd built without threads; fall back to one thread then.
                if ZSTD_isError(ZSTD_CCtx_setParameter(ctx, ZSTD_c_nbWorkers, workers)) == 0 {
                    // zstd's default job is 4 windows (8 MiB at level 3) per worker, with input and
                    // output buffers for each: ~60 MB with two workers, most of the 64 MB budget.
                    // Smaller jobs cost ratio; at 2 MiB the cost is small and the speed the same,
                    // below that both suffer.
                    _ = ZSTD_CCtx_setParameter(ctx, ZSTD_c_jobSize, Int32(jobSize))
                }
            }
            if let pledgedSize {
                try check(ZSTD_CCtx_setPledgedSrcSize(ctx, pledgedSize))
            }
        } catch {
            ZSTD_freeCCtx(ctx)
            throw error
        }
    }

    deinit { ZSTD_freeCCtx(cctx) }

    /// Compresses `input`, handing each finished piece of the frame to `sink`.
    public func compress(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while inBuffer.pos < inBuffer.size {
            try step(&inBuffer, ZSTD_e_continue, sink: sink)
        }
    }

    /// Ends the frame (flushing everything the workers still hold) into `sink`.
    public func finish(sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var inBuffer = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&inBuffer, ZSTD_e_end, sink: sink) != 0 {}
    }

    @discardableResult
    private func step(_ inBuffer: inout ZSTD_inBuffer, _ mode: ZSTD_EndDirective, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        try output.withUnsafeMutableBytes { out in
            var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
            let remaining = ZSTD_compressStream2(cctx, &outBuffer, &inBuffer, mode)
            try check(remaining)
            if outBuffer.pos > 0 {
                try sink(UnsafeRawBufferPointer(rebasing: out[0..<outBuffer.pos]))
            }
            return remaining
        }
    }
}

/// Streaming zstd decompression that insists on complete frames: a stream that stops inside a
/// frame is an error, which a plain decode loop would miss (the last `ZSTD_decompressStream`
/// must have returned 0).
public final class ZstdDecompressor {
    private let dctx: OpaquePointer
    private var output: [UInt8]
    private var lastHint = 0
    private var sawInput = false

    public init() throws(ZstdError) {
        guard let ctx = ZSTD_createDCtx() else { throw .library("cannot allocate a decompression context") }
        dctx = ctx
        output = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
    }

    deinit { ZSTD_freeDCtx(dctx) }

    /// Decompresses `input`, handing decoded bytes to `sink` as they come.
    public func decompress(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        if !input.isEmpty { sawInput = true }
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        // Loop until the input is used up and the output buffer was not filled (no data held).
        while true {
            var filled = false
            try output.withUnsafeMutableBytes { out in
                var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: 0)
                let hint = ZSTD_decompressStream(dctx, &outBuffer, &inBuffer)
                if ZSTD_isError(hint) != 0 {
                    let code = ZSTD_getErrorCode(hint)
                    let name = String(cString: ZSTD_getErrorName(hint))
                    if code == ZSTD_error_prefix_unknown { throw ZstdError.notZstd(name) }
                    throw ZstdError.library(name)
                }
                lastHint = hint
                filled = outBuffer.pos == outBuffer.size
                if outBuffer.pos > 0 {
                    try sink(UnsafeRawBufferPointer(rebasing: out[0..<outBuffer.pos]))
                }
            }
            if inBuffer.pos == inBuffer.size && !filled { break }
        }
    }

    /// Confirms the stream ended on a frame boundary; throws `truncated` otherwise.
    public func finish() throws(ZstdError) {
        if !sawInput { throw .notZstd("empty input") }
        if lastHint != 0 { throw .truncated }
    }
}

private func check(_ code: Int) throws(ZstdError) {
    if ZSTD_isError(code) != 0 {
        throw .library(String(cString: ZSTD_getErrorName(code)))
    }
}

/// The zstd frame magic number, little-endian on disk: 28 B5 2F FD.
public let zstdMagic: [UInt8] = [0x28, 0xb5, 0x2f, 0xfd]
