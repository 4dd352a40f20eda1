internal import CSSL

/// SHA-256 and SHA-1 from OpenSSL's libcrypto, the library the TLS transport links too: one
/// crypto library in the project, at hardware speed (SHA-NI where the CPU has it).
public final class MessageDigest {
    public enum Algorithm: Sendable {
        case sha256, sha1
    }

    private let context: OpaquePointer
    private var finished = false

    public init(_ algorithm: Algorithm = .sha256) {
        // Allocation failure is the only way these fail; it is not recoverable.
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        self.context = context
        let md = switch algorithm {
        case .sha256: EVP_sha256()
        case .sha1: EVP_sha1()
        }
        guard EVP_DigestInit_ex(context, md, nil) == 1 else { fatalError("EVP_DigestInit_ex failed") }
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(bufferPointer bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "a digest updated after finalize()")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        _ = EVP_DigestUpdate(context, base, bytes.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update(bufferPointer: $0) }
    }

    /// The digest; the object cannot be updated after this.
    public func finalize() -> [UInt8] {
        precondition(!finished, "finalize() called twice")
        finished = true
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        return Array(out.prefix(Int(length)))
    }

    /// The digest of `bytes` in one call.
    public static func hash(_ bytes: [UInt8], _ algorithm: Algorithm = .sha256) -> [UInt8] {
        let d = MessageDigest(algorithm)
        d.update(bytes)
        return d.finalize()
    }
}
