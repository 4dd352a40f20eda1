import Foundation
import MemopsTestSupport
import Testing

/// Every command that connects, run over TLS against redis-server on a TLS-only port that
/// requires client certificates (`tls-auth-clients yes`): the same options as redis-cli.
@Suite struct TLSCommandTests {
    private func scratch() throws -> String {
        let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
        let dir = base + "/tls-cli-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func everyCommandThatConnectsWorksOverTLS() throws {
        let certificates = try TestCertificates.shared()
        let source = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"], tls: .init(certificates, requireClientCertificate: true))
        let target = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"], tls: .init(certificates, requireClientCertificate: true))
        let to = { (server: RedisServerProcess) in ["-u", server.url] + server.tlsArguments }
        let dir = try scratch()

        func run(_ args: [String], _ expected: Int32 = 0) throws -> MemopsProcess.Outcome {
            let outcome = try MemopsProcess.run(args)
            #expect(outcome.status == expected, "memops \(args.joined(separator: " ")): \(outcome.stderr)")
            return outcome
        }
        _ = try run(["sample-data", "--sessions", "200", "--seed", "3"] + to(source))
        #expect(Int(try source.cli("DBSIZE")) ?? 0 > 200)
        _ = try run(["audit", "--format", "json"] + to(source), 0)
        _ = try run(["estimate"] + to(source))
        // The test server saves nothing, which lint reports as a finding (exit 1): it was read.
        let lint = try run(["config", "lint", "--no-host-checks"] + to(source), 1)
        #expect(lint.stdoutText.contains("RC301") || lint.stderr.contains("RC301"))
        for sub in ["file", "repl"] { try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        _ = try run(["backup", "--dest", dir + "/file"] + to(source))
        _ = try run(["backup", "--source", "replication", "--dest", dir + "/repl"] + to(source))
        _ = try run(["verify", "--dest", dir + "/repl", "--latest"])
        let backup = try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/repl").first { $0.hasSuffix(".rdb.zst") })
        _ = try run(["restore", dir + "/repl/" + backup] + to(target))
        #expect(try target.digest() == source.digest())
        let journal = dir + "/prune.journal"
        _ = try run(["prune", "--pattern", "session:*", "--yes", "--journal", journal] + to(target))
        #expect(try target.digest() != source.digest())
        _ = try run(["prune", "--undo", journal] + to(target))
        #expect(try target.digest() == source.digest())
    }

    @Test func tlsFailuresAreOneLineWithTheirExitCode() throws {
        let certificates = try TestCertificates.shared()
        let server = try RedisServerProcess(tls: .init(certificates, requireClientCertificate: true))
        let dir = try scratch()
        let cases: [([String], Int32, String)] = [
            (["-p", String(server.port)], 3, "--tls"),
            (["-u", server.url, "--cacert", certificates.otherCACert, "--cert", certificates.clientCert, "--key", certificates.clientKey], 11, "--cacert"),
            (["-u", server.url, "--cacert", certificates.caCert], 11, "client certificate"),
            (["-u", server.url, "--cacert", certificates.caCert, "--cert", certificates.clientCert], 2, "--key"),
            (["-u", server.url, "--cacert", dir + "/absent.pem"], 2, "absent.pem"),
        ]
        for (args, status, mention) in cases {
            let outcome = try MemopsProcess.run(["audit"] + args)
            let lines = outcome.stderr.split(separator: "\n")
            #expect(outcome.status == status && lines.count == 1 && outcome.stderr.contains(mention),
                    "audit \(args.joined(separator: " ")) → \(outcome.status): \(outcome.stderr)")
        }
        // --insecure works and says, once, what it gives up.
        let insecure = try MemopsProcess.run(["audit", "-u", server.url, "--insecure", "--cert", certificates.clientCert, "--key", certificates.clientKey])
        #expect(insecure.status == 0 || insecure.status == 1, "\(insecure.stderr)")
        #expect(insecure.stderr.components(separatedBy: "--insecure").count == 2, "\(insecure.stderr)")
    }
}
