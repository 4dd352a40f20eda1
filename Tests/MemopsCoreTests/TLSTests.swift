import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// memops' own transport against Debian's redis-server listening only on a TLS port, with a CA
/// the test makes: what works, and each way it can fail with its exit code and one clear line.
@Suite struct TLSTests {
    private func config(_ server: RedisServerProcess, _ tls: TLSOptions?, host: String = "127.0.0.1") -> ConnectionConfig {
        ConnectionConfig(address: .tcp(host: host, port: server.port), connectTimeout: 5, commandTimeout: 5, tls: tls)
    }

    private func failure(_ config: ConnectionConfig) -> RedisError? {
        do {
            _ = try RedisConnection(config)
            return nil
        } catch {
            return error
        }
    }

    @Test func commandsPipelinesAndBigRepliesOverTLS() throws {
        let certificates = try TestCertificates.shared()
        let server = try RedisServerProcess(tls: .init(certificates))
        let redis = try RedisConnection(config(server, TLSOptions(caCertFile: certificates.caCert)))
        let big = [UInt8](repeating: 0x61, count: 3 << 20)  // many TLS records each way
        let replies = try redis.pipeline([
            [Array("SET".utf8), Array("big".utf8), big],
            [Array("GET".utf8), Array("big".utf8)],
            [Array("PING".utf8)],
        ])
        #expect(replies[0] == .status("OK") && replies[1] == .bulk(big) && replies[2] == .status("PONG"))
        #expect(try redis.info("server")["redis_version"] != nil)
        // localhost is in the certificate too, and names go out as SNI.
        _ = try RedisConnection(config(server, TLSOptions(caCertFile: certificates.caCert), host: "localhost"))
    }

    @Test func clientCertificateWhenTheServerRequiresOne() throws {
        let certificates = try TestCertificates.shared()
        let server = try RedisServerProcess(tls: .init(certificates, requireClientCertificate: true))
        let with = TLSOptions(caCertFile: certificates.caCert, certFile: certificates.clientCert, keyFile: certificates.clientKey)
        #expect(try RedisConnection(config(server, with)).command("PING") == .status("PONG"))
        let without = try #require(failure(config(server, TLSOptions(caCertFile: certificates.caCert))))
        #expect(without.exitStatus == .tls, "\(without)")
        #expect(without.description.contains("client certificate") && without.description.contains("--cert"), "\(without)")
    }

    @Test func untrustedExpiredAndWrongHostCertificatesAreRefused() throws {
        let certificates = try TestCertificates.shared()
        let server = try RedisServerProcess(tls: .init(certificates))
        let unknownCA = try #require(failure(config(server, TLSOptions(caCertFile: certificates.otherCACert))))
        #expect(unknownCA.exitStatus == .tls && unknownCA.description.contains("--cacert"), "\(unknownCA)")
        // The system's store does not hold the test CA either.
        let system = try #require(failure(config(server, TLSOptions())))
        #expect(system.exitStatus == .tls && system.description.contains("not accepted"), "\(system)")
        // --insecure skips the check (and only the check: the session is still TLS).
        #expect(try RedisConnection(config(server, TLSOptions(caCertFile: certificates.otherCACert, insecure: true))).command("PING") == .status("PONG"))

        let expiredServer = try RedisServerProcess(tls: .init(certificates, serverCert: certificates.expiredCert))
        let expired = try #require(failure(config(expiredServer, TLSOptions(caCertFile: certificates.caCert))))
        #expect(expired.exitStatus == .tls && expired.description.contains("expired"), "\(expired)")

        let otherHost = try RedisServerProcess(tls: .init(certificates, serverCert: certificates.otherHostCert))
        let wrongHost = try #require(failure(config(otherHost, TLSOptions(caCertFile: certificates.caCert))))
        #expect(wrongHost.exitStatus == .tls && wrongHost.description.contains("--sni"), "\(wrongHost)")
        // Naming the host the certificate holds makes it acceptable.
        let named = TLSOptions(serverName: "other.example", caCertFile: certificates.caCert)
        #expect(try RedisConnection(config(otherHost, named)).command("PING") == .status("PONG"))
    }

    @Test func plainAndTLSMixedUpSayWhichToUse() throws {
        let certificates = try TestCertificates.shared()
        let tlsServer = try RedisServerProcess(tls: .init(certificates))
        let plainToTLS = try #require(failure(config(tlsServer, nil)))
        #expect(plainToTLS.exitStatus == .connection && plainToTLS.description.contains("try --tls"), "\(plainToTLS)")

        let plainServer = try RedisServerProcess()
        var quick = config(plainServer, TLSOptions(caCertFile: certificates.caCert))
        quick.connectTimeout = 1
        let tlsToPlain = try #require(failure(quick))
        #expect(tlsToPlain.exitStatus == .tls && tlsToPlain.description.contains("drop --tls"), "\(tlsToPlain)")
    }

    @Test func keyFilesAreCheckedBeforeConnecting() throws {
        let certificates = try TestCertificates.shared()
        let open = certificates.path("open.key")
        try? FileManager.default.removeItem(atPath: open)
        try FileManager.default.copyItem(atPath: certificates.clientKey, toPath: open)
        chmod(open, 0o644)
        let tooOpen = TLSOptions(certFile: certificates.clientCert, keyFile: open)
        #expect(throws: TLSFileError.keyTooOpen(path: open, mode: 0o644)) { try tooOpen.checkFiles() }
        let missing = TLSOptions(caCertFile: certificates.path("absent.crt"))
        #expect(throws: TLSFileError.self) { try missing.checkFiles() }
        #expect(throws: TLSFileError.unpaired("--key")) { try TLSOptions(certFile: certificates.clientCert).checkFiles() }
        try TLSOptions(caCertFile: certificates.caCert, certFile: certificates.clientCert, keyFile: certificates.clientKey).checkFiles()
    }
}
