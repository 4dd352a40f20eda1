import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

@Suite struct ConnectionURLTests {
    @Test func parsesRedisURL() throws {
        let c = try ConnectionConfig.parse(url: "redis://alice:s%40cret@example.org:6380/3")
        #expect(c.address == .tcp(host: "example.org", port: 6380))
        #expect(c.user == "alice")
        #expect(c.password == "s@cret")
        #expect(c.db == 3)
        #expect(!c.description.contains("cret"))
    }

    @Test func parsesUnixAndDefaults() throws {
        let u = try ConnectionConfig.parse(url: "unix:///run/redis/redis.sock?db=2")
        #expect(u.address == .unix(path: "/run/redis/redis.sock"))
        #expect(u.db == 2)
        let d = try ConnectionConfig.parse(url: "redis://:pw@[::1]")
        #expect(d.address == .tcp(host: "::1", port: 6379))
        #expect(d.password == "pw" && d.user == nil)
    }

    /// Found by the url fuzz target: an empty query pair (`?=`) trapped on an empty split.
    @Test func emptyQueryPairsAreParsed() throws {
        #expect(throws: ConnectionURLError.self) { try ConnectionConfig.parse(url: "redis://userredr:se?=") }
        let c = try ConnectionConfig.parse(url: "redis://h:7000?=&&=x&db=3")
        #expect(c.address == .tcp(host: "h", port: 7000) && c.db == 3)
    }

    @Test func redissMeansTLS() throws {
        let c = try ConnectionConfig.parse(url: "rediss://u:p@cache.example:6380/2")
        #expect(c.address == .tcp(host: "cache.example", port: 6380) && c.db == 2)
        #expect(c.tls == TLSOptions())
        #expect(try ConnectionConfig.parse(url: "redis://h").tls == nil)
        // TLS options given beside the URL are kept, not reset by it.
        let base = ConnectionConfig(tls: TLSOptions(caCertFile: "/ca.pem"))
        #expect(try ConnectionConfig.parse(url: "rediss://h", base: base).tls?.caCertFile == "/ca.pem")
    }

    @Test(arguments: ["localhost:6379", "http://h", "redis://h:99999", "redis://h/x", "unix://relative.sock",
                      "redis://[::1]x", "redis://h?db=", "redis://h?db"])
    func refusesBadURLs(url: String) {
        #expect(throws: ConnectionURLError.self) { try ConnectionConfig.parse(url: url) }
    }

    @Test func errorNeverShowsThePassword() {
        do {
            _ = try ConnectionConfig.parse(url: "redis://bob:hunter2@h:0")
            Issue.record("a port of 0 was accepted")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }
}

@Suite struct RedisConnectionTests {
    @Test func commandsPipelineInfoAndScan() throws {
        let server = try RedisServerProcess()
        let redis = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        try redis.command("SET", "a", "1")
        let binaryKey: [UInt8] = [0x6b, 0x00, 0xff, 0x0d, 0x0a]
        let replies = try redis.pipeline([
            [Array("SET".utf8), binaryKey, [0, 1, 2]],
            [Array("GET".utf8), binaryKey],
            [Array("INCR".utf8), Array("a".utf8)],
            [Array("HSET".utf8), Array("a".utf8), Array("f".utf8), Array("v".utf8)],
        ])
        #expect(replies[0] == .status("OK"))
        #expect(replies[1] == .bulk([0, 1, 2]))
        #expect(replies[2] == .integer(2))
        #expect(replies[3].errorMessage?.hasPrefix("WRONGTYPE") == true)
        #expect(try redis.info("server")["tcp_port"] == String(server.port))
        var seen: Set<[UInt8]> = []
        var cursor: UInt64 = 0
        repeat {
            let step = try redis.scan(cursor: cursor, count: 1)
            seen.formUnion(step.keys)
            cursor = step.cursor
        } while cursor != 0
        #expect(seen == [Array("a".utf8), binaryKey])
    }

    @Test func refusedConnectionIsUnreachable() throws {
        let port = try RedisServerProcess.freePort()
        do {
            _ = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: port)))
            Issue.record("connected to a port nothing listens on")
        } catch {
            #expect(error.exitStatus == .connection)
            #expect(error.description.contains("refused"))
        }
    }

    @Test func wrongPasswordAndMissingPassword() throws {
        let server = try RedisServerProcess(arguments: ["--requirepass", "right"])
        let address = ConnectionConfig.Address.tcp(host: "127.0.0.1", port: server.port)
        for password in ["wrong", nil] as [String?] {
            do {
                _ = try RedisConnection(ConnectionConfig(address: address, password: password))
                Issue.record("connected with password \(password ?? "nil")")
            } catch {
                #expect(error.exitStatus == .authentication)
                #expect(!error.description.contains("wrong"))
            }
        }
        let ok = try RedisConnection(ConnectionConfig(address: address, password: "right"))
        #expect(try ok.command("PING") == .status("PONG"))
    }

    @Test func aclPermissionIsItsOwnError() throws {
        let server = try RedisServerProcess()
        try server.cli("ACL", "SETUSER", "limited", "on", ">pw", "~*", "+@all", "-dbsize", "-info")
        let config = ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port), user: "limited", password: "pw")
        // INFO is how a connection learns whether the server holds the whole dataset.
        do {
            _ = try RedisConnection(config)
            Issue.record("connected without INFO")
        } catch {
            #expect(error.exitStatus == .permission && error.description.contains("ACL SETUSER limited +info"), "\(error)")
        }
        try server.cli("ACL", "SETUSER", "limited", "+info")
        let redis = try RedisConnection(config)
        do {
            try redis.command("DBSIZE")
            Issue.record("DBSIZE was allowed")
        } catch {
            #expect(error.exitStatus == .permission && error.description.contains("ACL SETUSER limited +dbsize"), "\(error)")
        }
    }

    @Test func silentPeerTimesOut() throws {
        // A listening socket that never answers: the command timeout must fire.
        let (fd, port) = try listeningSocket()
        defer { close(fd) }
        do {
            _ = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: port), commandTimeout: 0.3))
            Issue.record("a silent peer was accepted")
        } catch {
            #expect(error.exitStatus == .timeout)
        }
    }

    @Test func notRedisIsWrongServer() throws {
        // A peer that answers in HTTP, not RESP.
        let (fd, port) = try listeningSocket()
        defer { close(fd) }
        let responder = Thread {
            let client = accept(fd, nil, nil)
            let text = Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)
            _ = text.withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            usleep(500_000)
            close(client)
        }
        responder.start()
        do {
            _ = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: port), commandTimeout: 2))
            Issue.record("an HTTP peer was accepted")
        } catch {
            #expect(error.exitStatus == .wrongServer)
        }
    }
}

/// A TCP socket listening on 127.0.0.1 on a port the kernel picks, which never answers by itself.
func listeningSocket() throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard fd >= 0, bound == 0, listen(fd, 1) == 0 else { throw TestServerError("cannot listen on 127.0.0.1") }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return (fd, Int(UInt16(bigEndian: addr.sin_port)))
}
