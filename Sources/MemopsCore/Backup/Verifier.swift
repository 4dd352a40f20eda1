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
    /// The manifest beside the backup is unreadable or describes another file.
    case badManifest(file: String, reason: String)

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
        case .badManifest(let f, let reason):
            return "\(f): \(reason); the backup cannot be checked against it, so it does not count as verified (verify the file alone with a copy outside the folder, or restore an older backup)"
        }
    }
}

/// What verifying a backup found.
public struct VerifyReport: Sendable {
    public var path: String
    public var compressed: Bool
    public var rawBytes: UInt64
    public var storedBytes: UInt64
    /// The digests, when asked for (`digests: true`); nil otherwise.
    public var rawSHA256: String?
    public var storedSHA256: String?
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
    /// Verifies the file at `path`. `digests` computes the SHA-256 of the raw and stored bytes
    /// (about a third of a deep verify's CPU); it is implied by a `manifest`, whose digests are
    /// compared, and worth nothing without one unless the caller compares them itself.
    public static func verify(path: String, manifest: BackupManifest? = nil, deep: Bool = false, digests: Bool = false, progress: ((UInt64) -> Void)? = nil) throws -> VerifyReport {
        let digests = digests || manifest != nil
        let name = URL(fileURLWithPath: path).lastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw VerificationError.missing("\(path) does not exist; list backups with `memops backup list \(CLIFlag.dest) DIR`")
        }
        guard !isDirectory.boolValue else {
            throw VerificationError.missing("\(path) is a directory; verify its backups with `memops verify \(CLIFlag.dest) \(path) \(CLIFlag.latest)` (or \(CLIFlag.all))")
        }
        let file = try FileSource(path: path)
        let stored = MessageDigest()
        var storedBytes: UInt64 = 0
        var source: ByteSource
        var compressed = false
        if file.isZstd {
            compressed = true
            let z = try ZstdSource(file)
            z.onCompressed = { chunk in
                if digests { stored.update(bufferPointer: chunk) }
                storedBytes += UInt64(chunk.count)
            }
            source = z
        } else {
            source = file
        }
        let raw = MessageDigest()
        // With a deep verify the reader checks the CRC64 itself: not twice.
        var check = ShallowCheck(verifiesChecksum: !deep)
        let tee = TeeSource(source) { part in
            if digests { raw.update(bufferPointer: part) }
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
        let rawDigest = digests ? hex(raw.finalize()) : nil
        let report = VerifyReport(
            path: path, compressed: compressed, rawBytes: check.byteCount, storedBytes: storedBytes,
            // An uncompressed file is stored as it is: one digest serves both.
            rawSHA256: rawDigest, storedSHA256: compressed && digests ? hex(stored.finalize()) : rawDigest, rdb: rdb,
            checkedAgainstManifest: manifest != nil, summary: summary)
        if let manifest {
            let pairs: [(String, String, String)] = [
                ("compressed size", String(manifest.compressed.bytes), String(report.storedBytes)),
                ("compressed SHA-256", manifest.compressed.sha256, report.storedSHA256 ?? ""),
                ("RDB size", String(manifest.rdb.bytes), String(report.rawBytes)),
                ("RDB SHA-256", manifest.rdb.sha256, report.rawSHA256 ?? ""),
            ]
            for (what, expected, actual) in pairs where expected != actual {
                throw VerificationError.mismatch(file: name, what: what, expected: expected, actual: actual)
            }
        }
        return report
    }
}

extension Verifier {
    /// The files to verify for a backup path: the file with its manifest, or for a cluster set's
    /// folder every shard file with its entry in the set's manifest. A set whose manifest or any
    /// shard file is missing fails here: it is not a smaller backup.
    public static func targets(for path: String) throws(VerificationError) -> [(path: String, manifest: BackupManifest?)] {
        guard ClusterBackupManifest.isSetFolder(path) else { return [(path, try manifest(for: path))] }
        switch ClusterBackupManifest.shardFiles(in: path) {
        case .success(let files):
            return files.map { ($0.path, $0.manifest) }
        case .failure(let problem):
            throw .corrupt(file: URL(fileURLWithPath: path).lastPathComponent,
                           reason: "this cluster backup set is incomplete (\(problem)), so it cannot be restored whole; restore an older set")
        }
    }

    /// The manifest a backup file must be checked against: the one beside it, nil when there is
    /// none (a plain copy), and an error when one is there but unreadable or another backup's:
    /// such a backup must not pass as verified.
    public static func manifest(for path: String) throws(VerificationError) -> BackupManifest? {
        let name = URL(fileURLWithPath: path).lastPathComponent
        switch BackupManifest.lookup(for: path) {
        case .found(let manifest): return manifest
        case .missing: return nil
        case .unreadable(let manifestPath, let reason):
            throw .badManifest(file: name, reason: "its manifest \(manifestPath) is unreadable (\(reason))")
        case .mismatched(let manifestPath, let other):
            throw .badManifest(file: name, reason: "its manifest \(manifestPath) describes \(other), not this file")
        }
    }

    /// The stored file's size and SHA-256 against its manifest, read as it is (no
    /// decompression): the cheap proof that a backup is the file the backup run wrote.
    public static func checkStoredDigest(path: String, manifest: BackupManifest) throws {
        let file = try FileSource(path: path)
        let name = URL(fileURLWithPath: path).lastPathComponent
        let digest = MessageDigest()
        var bytes: UInt64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = try file.read(into: buffer)
            if n == 0 { break }
            digest.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            bytes += UInt64(n)
        }
        if bytes != manifest.compressed.bytes {
            throw VerificationError.mismatch(file: name, what: "compressed size", expected: String(manifest.compressed.bytes), actual: String(bytes))
        }
        let actual = hex(digest.finalize())
        if actual != manifest.compressed.sha256 {
            throw VerificationError.mismatch(file: name, what: "compressed SHA-256", expected: manifest.compressed.sha256, actual: actual)
        }
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
