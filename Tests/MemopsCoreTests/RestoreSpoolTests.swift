import Foundation
import MemopsRDB
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// A server holding one big key of every type (a few MB each, incompressible: slices of a random
/// pool, so the RDB's LZF cannot shrink them), some with TTLs, a stream with a deleted entry, a
/// consumer group and pending entries, and small keys around them; saved to its dump.rdb.
private func serverWithBigKeys() throws -> RedisServerProcess {
    let server = try debugServer()
    var rng = SeededRandom(state: 7)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    let pool = (0..<(4 << 20)).map { _ in alphabet[Int(rng.next() & 63)] }
    var slices = 0
    func slice(_ n: Int) -> [UInt8] {
        slices += 1
        let at = (slices &* 7919) % (pool.count - n)
        return Array(pool[at..<at + n])
    }
    var out: [UInt8] = []
    func command(_ args: [[UInt8]]) {
        out += Array("*\(args.count)\r\n".utf8)
        for a in args { out += Array("$\(a.count)\r\n".utf8) + a + [13, 10] }
    }
    func words(_ text: String) -> [[UInt8]] { text.split(separator: " ").map { Array($0.utf8) } }
    command(words("SET big:string") + [slice(2_500_000)])
    for i in 0..<3000 { command(words("HSET big:hash field:\(i)") + [slice(1000)]) }
    for _ in 0..<2500 { command(words("RPUSH big:list") + [slice(1000)]) }
    for i in 0..<20000 { command(words("ZADD big:zset \(Double(i) / 7)") + [slice(120)]) }
    for i in 0..<20000 { command(words("SADD big:set") + [slice(100) + Array("\(i)".utf8)]) }
    for i in 0..<1500 { command(words("XADD big:stream \(1_700_000_000_000 + i / 2)-\(i % 2) task t\(i) payload") + [slice(2000)]) }
    command(words("XDEL big:stream 1700000000000-1"))
    command(words("XGROUP CREATE big:stream workers 0"))
    command(words("XREADGROUP GROUP workers w1 COUNT 4 STREAMS big:stream >"))
    command(words("XREADGROUP GROUP workers w2 COUNT 3 STREAMS big:stream >"))
    command(words("XGROUP CREATE big:stream idle $"))
    command(words("PEXPIREAT big:hash 4102444800123"))
    command(words("PEXPIREAT big:stream 4102444800456"))
    for i in 0..<50 { command(words("SET small:\(i) v\(i)")) }
    let result = try server.cli(["--pipe"], stdin: Data(out))
    guard result.contains("errors: 0") else { throw TestServerError("loading the big keys failed: \(result)") }
    try server.cli("SAVE")
    return server
}

/// A stream as XINFO and XPENDING show it, delivery counts included (idle times aside).
private func streamState(_ server: RedisServerProcess) throws -> [String] {
    var lines = [try server.cli("XINFO", "STREAM", "big:stream").split(separator: "\n").prefix(14).joined(separator: " ")]
    lines.append(try server.cli("XINFO", "GROUPS", "big:stream"))
    for group in ["workers", "idle"] {
        let pel = try server.cli("XPENDING", "big:stream", group, "-", "+", "100").split(separator: "\n")
        // id, consumer, idle ms, deliveries: every fourth line is the idle time.
        lines += pel.enumerated().filter { $0.offset % 4 != 2 }.map { String($0.element) }
    }
    return lines
}

@Suite(.serialized) struct RestoreSpoolTests {
    /// Keys over the spool threshold go through the spool file and come out DUMP-equal (value
    /// digest for hashtables) with their TTLs, the small ones around them in batches as before.
    @Test func spooledKeysAreRestoredWhole() throws {
        let source = try serverWithBigKeys()
        let before = try snapshot(source)[0]!
        let target = try debugServer()
        var options = LiveRestoreOptions(backup: source.directory.appendingPathComponent("dump.rdb").path)
        options.spoolThreshold = 256 << 10
        let result = try LiveRestore(connection: config(target), options: options).run()
        #expect(result.restored == before.count && result.failed == 0 && result.rebuilt == 0, "\(result.problems)")
        #expect(try differences(snapshot(target)[0]!, before) == [])
        #expect(try streamState(target) == streamState(source))
        #expect(try target.digest() == source.digest())
    }

    /// A payload longer than the target's proto-max-bulk-len, which it would refuse, is rebuilt
    /// with commands from its spool file: same value, TTL, groups and PEL. A string that long
    /// cannot exist on that server at all: it is named, and nothing of it is left behind.
    @Test func payloadsOverTheServersBulkLimitAreRebuiltFromTheSpool() throws {
        let source = try serverWithBigKeys()
        let before = try snapshot(source)[0]!
        let target = try RedisServerProcess(arguments: ["--enable-debug-command", "yes", "--proto-max-bulk-len", "1mb"])
        var options = LiveRestoreOptions(backup: source.directory.appendingPathComponent("dump.rdb").path)
        options.spoolThreshold = 256 << 10
        let result = try LiveRestore(connection: config(target), options: options).run()
        #expect(result.restored == before.count - 1 && result.failed == 1 && result.rebuilt == 5, "\(result.problems)")
        #expect(result.problems.map(\.key) == ["big:string"])
        #expect(result.problems.first?.reason.contains("proto-max-bulk-len") == true, "\(result.problems)")
        let after = try snapshot(target)[0]!
        #expect(after.count == before.count - 1)
        for (key, want) in before where key != Array("big:string".utf8) {
            #expect(after[key]?.valueDigest == want.valueDigest, "\(String(decoding: key, as: UTF8.self))")
            #expect(after[key]?.expireAt == want.expireAt, "\(String(decoding: key, as: UTF8.self))")
        }
        #expect(try streamState(target) == streamState(source))
        #expect(try target.cli("KEYS", "memops:restore:tmp:*") == "")
    }
}
