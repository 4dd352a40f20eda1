internal import CSSL
import Foundation

/// The byte stream to one server: a TCP or unix socket, with TLS (OpenSSL) over it when asked.
///
/// Blocking I/O with the socket's own timeouts (`SO_RCVTIMEO`/`SO_SNDTIMEO`), so a read or
/// write that waits too long fails with `timeout`, over TLS too: OpenSSL then reports
/// "want read/write" on a blocking socket, which only a timeout produces. Every failure is
/// thrown as the `RedisError` a person reads; nothing here retries.
final class Transport {
    let server: String
    private let fd: Int32
    private var tls: TLSSession?
    private var timeout: Double

    /// Connects within `connectTimeout` seconds and, with `tls`, completes the handshake and
    /// verifies the server's certificate within the same time.
    init(address: ConnectionConfig.Address, tls options: TLSOptions?, connectTimeout: Double, server: String) throws(RedisError) {
        self.server = server
        timeout = connectTimeout
        switch address {
        case .tcp(let host, let port):
            fd = try Transport.connectTCP(host: host, port: port, timeout: connectTimeout, server: server)
        case .unix(let path):
            fd = try Transport.connectUnix(path: path, timeout: connectTimeout, server: server)
        }
        setTimeout(connectTimeout)
        if let options {
            var host: String?
            if case .tcp(let h, _) = address { host = h }
            do {
                tls = try TLSSession(fd: fd, options: options, host: host, server: server, timeout: connectTimeout)
            } catch {
                close(fd)
                throw error
            }
        }
    }

    deinit {
        tls = nil  // its close_notify goes out before the socket closes
        close(fd)
    }

    var isTLS: Bool { tls != nil }

    /// Seconds any one read or write may wait from now on.
    func setTimeout(_ seconds: Double) {
        timeout = seconds
        let whole = Int(seconds)
        var tv = timeval(tv_sec: whole, tv_usec: Int((seconds - Double(whole)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes every byte, or throws why it could not.
    func write(_ bytes: UnsafeRawBufferPointer, during name: () -> String) throws(RedisError) {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let n: Int
            if let tls {
                n = try tls.write(rest, during: name, timeout: timeout)
            } else {
                n = Foundation.send(fd, rest.baseAddress, rest.count, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw socketError(errno, during: name())
                }
            }
            offset += n
        }
    }

    /// Reads what is there, up to `buffer.count` bytes; 0 means the server closed the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer, during name: () -> String) throws(RedisError) -> Int {
        if let tls { return try tls.read(into: buffer, during: name, timeout: timeout) }
        while true {
            let n = Foundation.recv(fd, buffer.baseAddress, buffer.count, 0)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw socketError(errno, during: name())
        }
    }

    private func socketError(_ code: Int32, during: String) -> RedisError {
        if code == EAGAIN || code == EWOULDBLOCK {
            return .timeout(server: server, during: during, seconds: timeout)
        }
        return .connectionLost(server: server, reason: String(cString: strerror(code)))
    }

    // MARK: Connecting

    private static func connectTCP(host: String, port: Int, timeout: Double, server: String) throws(RedisError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let list else {
            throw .unreachable(server: server, reason: "cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        var lastError: RedisError = .unreachable(server: server, reason: "no address for \(host)")
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            do {
                try connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, timeout: timeout, server: server)
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            } catch {
                close(fd)
                lastError = error
            }
        }
        throw lastError
    }

    private static func connectUnix(path: String, timeout: Double, server: String) throws(RedisError) -> Int32 {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else {
            throw .unreachable(server: server, reason: "the socket path is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .unreachable(server: server, reason: String(cString: strerror(errno))) }
        do {
            try withUnsafePointer(to: &addr) { pointer throws(RedisError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa throws(RedisError) in
                    try connect(fd, sa, socklen_t(MemoryLayout<sockaddr_un>.size), timeout: timeout, server: server)
                }
            }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// A non-blocking connect() waited for with poll(), then the socket made blocking again.
    private static func connect(
        _ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, timeout: Double, server: String
    ) throws(RedisError) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        if Foundation.connect(fd, address, length) != 0 {
            guard errno == EINPROGRESS else {
                throw .unreachable(server: server, reason: String(cString: strerror(errno)))
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            var ready: Int32
            repeat {
                ready = poll(&pfd, 1, Int32(min(timeout * 1000, Double(Int32.max))))
            } while ready < 0 && errno == EINTR
            guard ready > 0 else { throw .timeout(server: server, during: "to connect", seconds: timeout) }
            var code: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &size)
            guard code == 0 else { throw .unreachable(server: server, reason: String(cString: strerror(code))) }
        }
        _ = fcntl(fd, F_SETFL, flags)
    }
}

/// One TLS session over a connected socket: the handshake, certificate and name checks, reads
/// and writes. OpenSSL's pointers stay inside this type.
private final class TLSSession {
    private let context: OpaquePointer
    private let ssl: OpaquePointer
    private let server: String
    private let clientCertificate: Bool

    init(fd: Int32, options: TLSOptions, host: String?, server: String, timeout: Double) throws(RedisError) {
        self.server = server
        clientCertificate = options.certFile != nil
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw .tls(server: server, reason: "OpenSSL could not create a TLS context (\(TLSSession.queuedError()))")
        }
        // The session copies the context's settings when it is made, so they come first.
        do throws(RedisError) {
            try TLSSession.configure(context, options: options, server: server)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        self.context = context
        guard let ssl = SSL_new(context) else {
            SSL_CTX_free(context)
            throw .tls(server: server, reason: "OpenSSL could not create a TLS session (\(TLSSession.queuedError()))")
        }
        self.ssl = ssl
        // From here deinit frees both.
        try setName(options: options, host: host)
        SSL_set_fd(ssl, fd)
        ERR_clear_error()
        let rc = SSL_connect(ssl)
        if rc != 1 { throw handshakeError(rc, options: options, timeout: timeout) }
    }

    deinit {
        ERR_clear_error()
        SSL_shutdown(ssl)
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    private static func configure(_ context: OpaquePointer, options: TLSOptions, server: String) throws(RedisError) {
        _ = memops_ssl_ctx_set_min_tls12(context)
        if options.insecure {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            if options.caCertFile != nil || options.caCertDir != nil {
                guard SSL_CTX_load_verify_locations(context, options.caCertFile, options.caCertDir) == 1 else {
                    throw .tls(server: server, reason: "cannot load the CA certificates from \(options.caCertFile ?? options.caCertDir!) (\(TLSSession.queuedError())); pass a PEM file to \(CLIFlag.cacert)")
                }
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                throw .tls(server: server, reason: "cannot load the system's CA certificates; pass \(CLIFlag.cacert) FILE")
            }
        }
        if let cert = options.certFile, let key = options.keyFile {
            guard SSL_CTX_use_certificate_chain_file(context, cert) == 1 else {
                throw .tls(server: server, reason: "cannot load the client certificate \(cert) (\(TLSSession.queuedError())); \(CLIFlag.cert) takes a PEM file")
            }
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                throw .tls(server: server, reason: "cannot load the client key \(key) (\(TLSSession.queuedError())); \(CLIFlag.key) takes an unencrypted PEM key")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw .tls(server: server, reason: "the key \(key) does not belong to the certificate \(cert)")
            }
        }
        if let ciphers = options.ciphers, SSL_CTX_set_cipher_list(context, ciphers) != 1 {
            throw .tls(server: server, reason: "\(CLIFlag.tlsCiphers) \"\(ciphers)\" names no cipher OpenSSL knows")
        }
        if let suites = options.cipherSuites, SSL_CTX_set_ciphersuites(context, suites) != 1 {
            throw .tls(server: server, reason: "\(CLIFlag.tlsCiphersuites) \"\(suites)\" names no TLS 1.3 suite OpenSSL knows")
        }
    }

    /// SNI, and the name (or address) the certificate must hold.
    private func setName(options: TLSOptions, host: String?) throws(RedisError) {
        if let name = options.serverName ?? host {
            // SNI carries names only; an IP address is checked against the certificate's IP SANs.
            let isAddress = TLSSession.isIPAddress(name)
            if !isAddress { _ = memops_ssl_set_sni(ssl, name) }
            if !options.insecure {
                let ok = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) : SSL_set1_host(ssl, name)
                guard ok == 1 else { throw .tls(server: server, reason: "cannot check the certificate against \"\(name)\"") }
            }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, during name: () -> String, timeout: Double) throws(RedisError) -> Int {
        ERR_clear_error()
        let n = SSL_write(ssl, bytes.baseAddress, Int32(min(bytes.count, Int(Int32.max))))
        if n > 0 { return Int(n) }
        throw ioError(n, during: name(), timeout: timeout)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, during name: () -> String, timeout: Double) throws(RedisError) -> Int {
        ERR_clear_error()
        let n = SSL_read(ssl, buffer.baseAddress, Int32(min(buffer.count, Int(Int32.max))))
        if n > 0 { return Int(n) }
        if SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN { return 0 }
        throw ioError(n, during: name(), timeout: timeout)
    }

    private func ioError(_ rc: Int32, during: String, timeout: Double) -> RedisError {
        let savedErrno = errno
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .timeout(server: server, during: during, seconds: timeout)
        case SSL_ERROR_SYSCALL:
            if savedErrno == EAGAIN || savedErrno == EWOULDBLOCK {
                return .timeout(server: server, during: during, seconds: timeout)
            }
            let reason = savedErrno == 0 ? "the server closed the TLS connection" : String(cString: strerror(savedErrno))
            return .connectionLost(server: server, reason: reason)
        default:
            let code = ERR_peek_error()
            let reason = ERR_GET_REASON(code)
            if reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED && !clientCertificate {
                return .tls(server: server, reason: "the server requires a client certificate (tls-auth-clients); pass \(CLIFlag.cert) FILE and \(CLIFlag.key) FILE")
            }
            if reason == SSL_R_UNEXPECTED_EOF_WHILE_READING {
                return .connectionLost(server: server, reason: "the server closed the TLS connection")
            }
            return .tls(server: server, reason: "TLS failed \(during): \(TLSSession.queuedError())")
        }
    }

    private func handshakeError(_ rc: Int32, options: TLSOptions, timeout: Double) -> RedisError {
        let savedErrno = errno
        let kind = SSL_get_error(ssl, rc)
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            let what = String(cString: X509_verify_cert_error_string(verify))
            let fix: String
            switch Int32(verify) {
            case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
                fix = "connect by a name the certificate holds, or name it with \(CLIFlag.sni)"
            case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
                fix = "renew the server's certificate (tls-cert-file), or check this machine's clock"
            default:
                fix = options.caCertFile == nil && options.caCertDir == nil
                    ? "pass the CA that signed it with \(CLIFlag.cacert) FILE"
                    : "check that \(CLIFlag.cacert) holds the CA that signed the server's certificate"
            }
            return .tls(server: server, reason: "the server's certificate was not accepted: \(what); \(fix) (or \(CLIFlag.insecure) to skip the check)")
        }
        // A plain Redis port takes the ClientHello for the start of an inline command and waits
        // for its end, so the handshake gets no answer at all.
        let silent = RedisError.tls(server: server, reason: "no answer to the TLS handshake within \(timeout) s; is this a plain port? drop \(CLIFlag.tls) (or raise \(CLIFlag.connectTimeout))")
        switch kind {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return silent
        case SSL_ERROR_SYSCALL:
            if savedErrno == EAGAIN || savedErrno == EWOULDBLOCK { return silent }
            return .tls(server: server, reason: "the server closed the connection during the TLS handshake; is this a plain port? drop \(CLIFlag.tls)")
        default:
            let reason = ERR_GET_REASON(ERR_peek_error())
            switch reason {
            case SSL_R_WRONG_VERSION_NUMBER, SSL_R_PACKET_LENGTH_TOO_LONG, SSL_R_HTTP_REQUEST, SSL_R_UNEXPECTED_EOF_WHILE_READING:
                return .tls(server: server, reason: "the server did not answer the TLS handshake; is this a plain port? drop \(CLIFlag.tls)")
            case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE where !clientCertificate, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED where !clientCertificate:
                return .tls(server: server, reason: "the server requires a client certificate (tls-auth-clients); pass \(CLIFlag.cert) FILE and \(CLIFlag.key) FILE")
            case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
                return .tls(server: server, reason: "the server refused the client certificate \(options.certFile ?? ""); it must be signed by the server's tls-ca-cert-file")
            default:
                return .tls(server: server, reason: "the TLS handshake failed: \(TLSSession.queuedError())")
            }
        }
    }

    /// OpenSSL's oldest queued error as text, e.g. "certificate verify failed".
    private static func queuedError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "no detail from OpenSSL" }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func isIPAddress(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }
}
