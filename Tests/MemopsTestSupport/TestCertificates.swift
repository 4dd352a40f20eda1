import Foundation

/// A throwaway CA and the certificates the TLS tests need, made with `openssl` once per test
/// process in the run's temp directory: a server certificate for 127.0.0.1 and localhost, a
/// client certificate, an expired one, one for another host, and a second CA nobody trusts.
public struct TestCertificates: Sendable {
    public let directory: URL

    public var caCert: String { path("ca.crt") }
    public var serverCert: String { path("server.crt") }
    public var serverKey: String { path("server.key") }
    public var clientCert: String { path("client.crt") }
    public var clientKey: String { path("client.key") }
    /// Signed by the CA for 127.0.0.1, but its validity ended yesterday.
    public var expiredCert: String { path("expired.crt") }
    /// Signed by the CA, valid, for `other.example` only.
    public var otherHostCert: String { path("otherhost.crt") }
    /// A CA that signed none of these.
    public var otherCACert: String { path("otherca.crt") }

    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The process's certificates, made on first use.
    public static func shared() throws -> TestCertificates {
        try lock.withLock {
            if let made { return made }
            let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"].map { URL(fileURLWithPath: $0) }
                ?? FileManager.default.temporaryDirectory
            let dir = base.appendingPathComponent("tls-\(getpid())")
            let certificates = try TestCertificates(making: dir)
            made = certificates
            return certificates
        }
    }

    nonisolated(unsafe) private static var made: TestCertificates?
    private static let lock = NSLock()

    private init(making dir: URL) throws {
        directory = dir
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        for ca in ["ca", "otherca"] {
            try openssl(["req", "-x509"] + key + ["-keyout", "\(ca).key", "-out", "\(ca).crt", "-subj", "/CN=memops test \(ca)", "-days", "2"])
        }
        try write("ext-server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        try write("ext-other", "subjectAltName=DNS:other.example\nextendedKeyUsage=serverAuth\n")
        try write("ext-client", "extendedKeyUsage=clientAuth\n")
        for (name, ext, days) in [("server", "ext-server", "2"), ("expired", "ext-server", "-1"), ("otherhost", "ext-other", "2"), ("client", "ext-client", "2")] {
            try openssl(["req"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=memops test \(name)"])
            try openssl(["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                         "-out", "\(name).crt", "-days", days, "-extfile", ext])
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".key") {
            chmod(path(file), 0o600)
        }
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
    }

    private func openssl(_ args: [String]) throws {
        let outcome = try Tool.run("openssl", args, in: directory)
        guard outcome.status == 0 else {
            throw TestServerError("openssl \(args.joined(separator: " ")) failed: \(outcome.stderr)")
        }
    }
}
