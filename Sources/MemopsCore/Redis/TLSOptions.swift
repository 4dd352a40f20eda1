import Foundation

/// TLS to the server, named as redis-cli names its options (`--tls`, `--sni`, `--cacert`, …).
/// A value: resolved once with the rest of the connection, checked before anything connects.
public struct TLSOptions: Sendable, Equatable {
    /// The name sent as SNI and checked against the server's certificate; the host when nil.
    public var serverName: String?
    /// PEM file of the CAs to trust; the system's store when neither this nor `caCertDir` is set.
    public var caCertFile: String?
    /// Directory of hashed CA certificates (`openssl rehash`).
    public var caCertDir: String?
    /// Client certificate (chain) for servers with `tls-auth-clients yes`.
    public var certFile: String?
    /// The client certificate's private key; refused when its group or others can read it.
    public var keyFile: String?
    /// Skip verifying the server's certificate and name (redis-cli's `--insecure`).
    public var insecure: Bool
    /// TLS 1.2 cipher list (OpenSSL syntax), as redis-cli's `--tls-ciphers`.
    public var ciphers: String?
    /// TLS 1.3 cipher suites, as redis-cli's `--tls-ciphersuites`.
    public var cipherSuites: String?

    public init(
        serverName: String? = nil, caCertFile: String? = nil, caCertDir: String? = nil, certFile: String? = nil,
        keyFile: String? = nil, insecure: Bool = false, ciphers: String? = nil, cipherSuites: String? = nil
    ) {
        self.serverName = serverName
        self.caCertFile = caCertFile
        self.caCertDir = caCertDir
        self.certFile = certFile
        self.keyFile = keyFile
        self.insecure = insecure
        self.ciphers = ciphers
        self.cipherSuites = cipherSuites
    }

    /// Checks the files before any connection: each one named exists and can be read, the
    /// certificate and key come as a pair, and the key is private to its owner.
    public func checkFiles() throws(TLSFileError) {
        if (certFile == nil) != (keyFile == nil) {
            throw .unpaired(certFile == nil ? "\(CLIFlag.cert)" : "\(CLIFlag.key)")
        }
        for (option, path) in [("\(CLIFlag.cacert)", caCertFile), ("\(CLIFlag.cert)", certFile), ("\(CLIFlag.key)", keyFile)] {
            guard let path else { continue }
            guard access(path, R_OK) == 0 else {
                throw .unreadable(option: option, path: path, reason: String(cString: strerror(errno)))
            }
        }
        if let caCertDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: caCertDir, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw .unreadable(option: "\(CLIFlag.cacertdir)", path: caCertDir, reason: "not a directory")
            }
        }
        if let keyFile {
            var st = stat()
            if stat(keyFile, &st) == 0, st.st_mode & 0o077 != 0 {
                throw .keyTooOpen(path: keyFile, mode: Int(st.st_mode & 0o777))
            }
        }
    }
}

/// A TLS file option memops will not use, and how to fix it.
public enum TLSFileError: MemopsError, Equatable {
    case unreadable(option: String, path: String, reason: String)
    case keyTooOpen(path: String, mode: Int)
    case unpaired(String)

    public var exitStatus: ExitStatus { .usage }

    public var description: String {
        switch self {
        case .unreadable(let option, let path, let reason):
            return "cannot read \(option) \(path): \(reason)"
        case .keyTooOpen(let path, let mode):
            return "TLS key \(path) has mode \(String(mode, radix: 8)), readable by others; run chmod 600 \(path)"
        case .unpaired(let missing):
            return "a client certificate needs both \(CLIFlag.cert) and \(CLIFlag.key); add \(missing)"
        }
    }
}
