import Foundation
import MemopsCore
import MemopsRDB
import MemopsTestSupport
import Testing

/// Issue 13: memory flat whatever the largest key. One key bigger than the bound (64 MB), in
/// the binary's restore and inspect, whose peak RSS the kernel reports (wait4's ru_maxrss).
@Suite(.serialized) struct BigKeyMemoryTests {
    /// What a small restore host gives memops.
    static let bound = 64 << 20

    private func scratch() throws -> String {
        let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory()
        let dir = URL(fileURLWithPath: base).appendingPathComponent("big-key-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A server holding one key `big` of about `megabytes` MB of incompressible values (slices
    /// of a random pool, so LZF cannot shrink the RDB), with an absolute TTL; for a stream also
    /// a deleted entry, a consumer group and pending entries. Loaded with redis-cli --pipe and
    /// saved, so `directory/dump.rdb` is its backup.
    private func serverWithBigKey(_ kind: String, megabytes: Int) throws -> RedisServerProcess {
        let server = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"])
        var rng = SeededRandom(state: 13)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let pool = (0..<(1 << 20)).map { _ in alphabet[Int(rng.next() & 63)] }
        let size = kind == "stream" ? 2000 : 1000
        let count = megabytes << 20 / size
        var out: [UInt8] = []
        out.reserveCapacity((megabytes << 20) + (megabytes << 20) / 8)
        func command(_ args: [[UInt8]]) {
            out += Array("*\(args.count)\r\n".utf8)
            for a in args {
                out += Array("$\(a.count)\r\n".utf8)
                out += a
                out += [13, 10]
            }
        }
        for i in 0..<count {
            let at = (i &* 7919) % (pool.count - size)
            let value = Array(pool[at..<at + size])
            if kind == "stream" {
                command([Array("XADD".utf8), Array("big".utf8), Array("\(1_700_000_000_000 + i / 3)-\(i % 3)".utf8),
                         Array("task".utf8), Array("t\(i)".utf8), Array("payload".utf8), value])
            } else {
                command([Array("HSET".utf8), Array("big".utf8), Array("field:\(i)".utf8), value])
            }
        }
        if kind == "stream" {
            command(["XDEL", "big", "1700000000000-1"].map { Array($0.utf8) })
            command(["XGROUP", "CREATE", "big", "workers", "0"].map { Array($0.utf8) })
            command(["XREADGROUP", "GROUP", "workers", "w1", "COUNT", "5", "STREAMS", "big", ">"].map { Array($0.utf8) })
        }
        command(["PEXPIREAT", "big", "4102444800123"].map { Array($0.utf8) })
        let result = try server.cli(["--pipe"], stdin: Data(out))
        guard result.contains("errors: 0") else { throw TestServerError("loading the big key failed: \(result)") }
        try server.cli("SAVE")
        return server
    }

    /// The key as the server sees it: DEBUG DIGEST-VALUE (order-free, over the elements), the
    /// absolute TTL, and for a stream its metadata, groups, consumers and PEL (XINFO … FULL).
    private func fingerprint(_ server: RedisServerProcess, _ kind: String) throws -> [String] {
        var parts = [try server.cli("DEBUG", "DIGEST-VALUE", "big"), try server.cli("PEXPIRETIME", "big"), try server.cli("TYPE", "big")]
        if kind == "stream" {
            parts.append(try server.cli("XINFO", "STREAM", "big", "FULL", "COUNT", "3"))
        } else {
            parts.append(try server.cli("HLEN", "big"))
        }
        return parts
    }

    @Test(arguments: ["stream", "hash"])
    func restoreOfAKeyBiggerThanTheBoundStaysWithinIt(kind: String) throws {
        let source = try serverWithBigKey(kind, megabytes: 100)
        let backup = source.directory.appendingPathComponent("dump.rdb").path
        let size = (try FileManager.default.attributesOfItem(atPath: backup)[.size] as? Int) ?? 0
        #expect(size > 100 << 20, "the backup (\(size) bytes) should hold a key bigger than the bound")
        let target = try RedisServerProcess(arguments: ["--enable-debug-command", "yes"])
        let run = try MemopsProcess.runMeasured(["restore", backup, "-p", String(target.port)], directory: try scratch())
        #expect(run.outcome.status == 0, "\(run.outcome.stderr)")
        #expect(run.outcome.stdoutText.contains("restored  1\n"), "\(run.outcome.stdoutText)")
        #expect(try fingerprint(target, kind) == fingerprint(source, kind))
        #expect(try target.cli("PEXPIRETIME", "big") == "4102444800123")
        #expect(run.peakRSS <= Self.bound, "memops restore peaked at \(run.peakRSS >> 20) MB for a \(size >> 20) MB key")
    }

    @Test func inspectValuesOfAKeyBiggerThanTheBoundStaysWithinIt() throws {
        let source = try serverWithBigKey("hash", megabytes: 100)
        let backup = source.directory.appendingPathComponent("dump.rdb").path
        let run = try MemopsProcess.runMeasured(["inspect", backup, "--keys", "--json", "--values"], directory: try scratch())
        #expect(run.outcome.status == 0, "\(run.outcome.stderr)")
        #expect(run.peakRSS <= Self.bound, "memops inspect --values peaked at \(run.peakRSS >> 20) MB")
        let lines = run.outcome.stdout.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 1)
        let row = try #require(try JSONSerialization.jsonObject(with: Data(lines[0])) as? [String: Any])
        let fields = try #require(row["value"] as? [[String]])
        #expect(fields.count == Int(try source.cli("HLEN", "big")))
        #expect(row["elements"] as? Int == fields.count)
        #expect(Set(fields.map(\.[0])).count == fields.count)
        // A value is shown as printable text, cut at 200 bytes.
        #expect(fields.allSatisfy { $0.count == 2 && $0[1].hasSuffix("…(1000 bytes)") })
    }
}
