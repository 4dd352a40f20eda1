import Crypto
import Foundation
import MemopsRDB

/// A backup that is not what it claims to be.
public enum VerificationError: MemopsError, Equatable {
    /// A size or digest differs from the manifest.
    case mismatch(file: String, what: String, expected: String, actual: String)
    /// The compressed stream or the RDB inside it is damaged.
    case corrupt(file: String, reason: String)
    /// Nothing to verify: no backups, or the file is missing.
    case missing(String)

    public var exitStatus: ExitStatus {
        if case .missing = self { return .usage }
        return .verification
    }

    public var description: String {
        switch self {
        case .mismatch(let f, let what, let expected, let actual):
            return "\(f): \(what) does not match the manifest (expected \(expected), found \(actual)); the backup is damaged, restore an older one"
        case .corrupt(let f, let reason):
            return "\(f): \(reason)"
        case .missing(let m):
            return m
        }
    }
}

/// What verifying a backup found.
public struct VerifyReport: Sendable {
    public var path: String
    public var compressed: Bool
    public var rawBytes: UInt64
    public var storedBytes: UInt64
    public var rawSHA256: String
    public var storedSHA256: String
    public var rdb: ShallowCheck.Result
    /// Whether the manifest was there to compare sizes and digests against.
    public var checkedAgainstManifest: Bool
    /// With a deep verify: the full structural parse's figures (keys, expires, types…).
    public var summary: RDBSummary?
}

/// Passes every byte a reader pulls to `observe` on the way: one read of the file feeds the
/// digests, the shallow check and the RDB reader together.
final class TeeSource: ByteSource {
    private var inner: ByteSource
    private let observe: (UnsafeRawBufferPointer) -> Void

    init(_ inner: ByteSource, observe: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.inner = inner
        self.observe = observe
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = try inner.read(into: buffer)
        if n > 0 { observe(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) }
        return n
    }
}

/// Verification in one streaming pass with flat memory. Shallow: zstd frame integrity and
/// checksum, SHA-256 of the stored and the raw bytes against the manifest, RDB header and CRC64
/// trailer. Deep adds a full structural parse by the RDB reader (listpacks, ziplists, intsets,
/// streams…), whose error names the byte offset, database and key.
public enum Verifier {
    public static func verify(path: String, manifest: BackupManifest? = nil, deep: Bool = false, progress: ((UInt64) -> Void)? = nil) throws -> VerifyReport {
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard FileManager.default.fileExists(atPath: path) else {
            throw VerificationError.missing("\(path) does not exist; list backups with `memops backup list --dest DIR`")
        }
        let file = try FileSource(path: path)
        var stored = SHA256()
        var storedBytes: UInt64 = 0
        var source: ByteSource
        var compressed = false
        if file.isZstd {
            compressed = true
            let z = try ZstdSource(file)
            z.onCompressed = { chunk in
                stored.update(bufferPointer: chunk)
                storedBytes += UInt64(chunk.count)
            }
            source = z
        } else {
            source = file
        }
        var raw = SHA256()
        // With a deep verify the reader checks the CRC64 itself: not twice.
        var check = ShallowCheck(verifiesChecksum: !deep)
        let tee = TeeSource(source) { part in
            raw.update(bufferPointer: part)
            check.consume(part)
            if !compressed { storedBytes += UInt64(part.count) }
            progress?(check.byteCount)
        }
        var summary: RDBSummary?
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        do {
            if deep {
                summary = try RDBSummary.read(tee, now: Int64(Date().timeIntervalSince1970 * 1000))
            }
            // Read whatever is left (all of it for a shallow verify), so the digests cover every
            // byte and the zstd stream is checked to its end.
            while try buffer.withUnsafeMutableBytes({ try tee.read(into: $0) }) > 0 {}
        } catch let error as ZstdError {
            throw VerificationError.corrupt(file: name, reason: "damaged zstd stream: \(error)")
        } catch let error as RDBError {
            throw VerificationError.corrupt(file: name, reason: "the RDB inside is damaged: \(error)")
        }
        let rdb: ShallowCheck.Result
        do {
            rdb = try check.finish()
        } catch {
            throw VerificationError.corrupt(file: name, reason: "the RDB inside is damaged: \(error)")
        }
        let rawDigest = hex(raw.finalize())
        let report = VerifyReport(
            path: path, compressed: compressed, rawBytes: check.byteCount, storedBytes: storedBytes,
            // An uncompressed file is stored as it is: one digest serves both.
            rawSHA256: rawDigest, storedSHA256: compressed ? hex(stored.finalize()) : rawDigest, rdb: rdb,
            checkedAgainstManifest: manifest != nil, summary: summary)
        if let manifest {
            let pairs: [(String, String, String)] = [
                ("compressed size", String(manifest.compressed.bytes), String(report.storedBytes)),
                ("compressed SHA-256", manifest.compressed.sha256, report.storedSHA256),
                ("RDB size", String(manifest.rdb.bytes), String(report.rawBytes)),
                ("RDB SHA-256", manifest.rdb.sha256, report.rawSHA256),
            ]
            for (what, expected, actual) in pairs where expected != actual {
                throw VerificationError.mismatch(file: name, what: what, expected: expected, actual: actual)
            }
        }
        return report
    }
}

/// Lower-case hex of a digest.
func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for b in digest {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0xf)])
    }
    return String(decoding: out, as: UTF8.self)
}
