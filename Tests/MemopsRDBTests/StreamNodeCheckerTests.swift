import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsRDB

/// A reader that only counts checks big streams' nodes on a second thread; one that takes the
/// entries checks them inline. Both must accept and refuse exactly the same files, with the
/// same error (message, offset, key).
@Suite(.serialized) struct StreamNodeCheckerTests {
    /// A stream of small LZF nodes, two nodes too big to copy to the worker in the middle, then
    /// small nodes again (so the reader drains the worker, checks inline and hands back), and a
    /// second stream of small nodes.
    static func streamFile(compressed: Bool, bigNodes: Bool) throws -> [UInt8] {
        let server = try RedisServerProcess(arguments: ["--stream-node-max-entries", "10", "--save", "", "--rdbcompression", compressed ? "yes" : "no"])
        defer { server.stop() }
        var random = SeededRandom(state: 11)
        // Size 0: a number, stored as a listpack integer, so small nodes are mostly structure.
        func value(_ n: Int) -> String {
            n == 0 ? String(random.next() % 1_000_000) : (0..<(n / 16)).map { _ in String(random.next(), radix: 16) }.joined()
        }
        // Explicit IDs, so the file is the same on every run.
        var nextID: [String: Int] = [:]
        func add(_ key: String, _ count: Int, size: Int) throws {
            var resp = Data()
            for i in 0..<count {
                let id = nextID[key, default: 1_700_000_000_000]
                nextID[key] = id + 1 + i % 3
                let args = ["XADD", key, "\(id)-\(i % 2)", "n", String(i), "payload", value(size)]
                resp.append(contentsOf: Array("*\(args.count)\r\n".utf8))
                for a in args { resp.append(contentsOf: Array("$\(a.utf8.count)\r\n\(a)\r\n".utf8)) }
            }
            _ = try server.cli(["--pipe"], stdin: resp)
        }
        try add("queue", 150, size: 0)
        if bigNodes {
            try server.cli("CONFIG", "SET", "stream-node-max-entries", "400")
            try server.cli("CONFIG", "SET", "stream-node-max-bytes", "0")
            try add("queue", 800, size: 1024)
            try server.cli("CONFIG", "SET", "stream-node-max-entries", "10")
            try server.cli("CONFIG", "SET", "stream-node-max-bytes", "4096")
        }
        try add("queue", 150, size: 0)
        try add("events", 300, size: 0)
        try server.cli("XGROUP", "CREATE", "queue", "workers", "0")
        try server.cli("XREADGROUP", "GROUP", "workers", "w1", "COUNT", "5", "STREAMS", "queue", ">")
        #expect(try server.cli("SAVE") == "OK")
        return try [UInt8](Data(contentsOf: server.directory.appendingPathComponent("dump.rdb")))
    }

    /// What a read ends with: each key's element count, or the error.
    static func outcome(_ bytes: [UInt8], _ delivery: RDBDelivery) -> String {
        outcomeAndReader(bytes, delivery).outcome
    }

    static func outcomeAndReader(_ bytes: [UInt8], _ delivery: RDBDelivery) -> (outcome: String, reader: RDBReader) {
        var probe = DeliveryProbe(delivery: delivery)
        let reader = RDBReader(MemorySource(bytes))
        do {
            try reader.read(into: &probe)
            return (probe.summaries.map { "\(String(decoding: $0.key, as: UTF8.self))=\($0.elements)" }.joined(separator: ","), reader)
        } catch {
            return ("error: \(error)", reader)
        }
    }

    /// Compressed, most damage breaks the LZF data; stored plain, the listpacks themselves.
    /// With big nodes, the damage mostly lands in them (checked inline either way), and what
    /// is compared is that the worker's results carry across them.
    @Test(arguments: [(true, false), (false, false), (true, true)])
    func workerAndInlineAgreeOnIntactAndDamagedFiles(compressed: Bool, bigNodes: Bool) throws {
        let bytes = try Self.streamFile(compressed: compressed, bigNodes: bigNodes)
        let (intact, reader) = Self.outcomeAndReader(bytes, .summary)
        let (inline, inlineReader) = Self.outcomeAndReader(bytes, .elements)
        #expect(intact == inline)
        // The worker really ran (and only for the reader that does not take the entries), and
        // the nodes too big for it were checked inline between its batches.
        #expect(reader.streamNodesAside >= 50 && inlineReader.streamNodesAside == 0)
        #expect(reader.streamNodesTooBig == (bigNodes ? 2 : 0))
        #expect(intact.contains("queue=\(bigNodes ? 1100 : 300)") && intact.contains("events=300"))

        // Damage all over the streams (past the 9-byte header and aux fields, short of the
        // trailer): the CRC64 would catch any of it at the end, so what is compared is the
        // structural error each path finds first, or the same checksum error.
        var random = SeededRandom(state: 5)
        var structural = 0
        var insideNodes = 0
        for round in 0..<120 {
            var damaged = bytes
            let at = 200 + Int(random.next() % UInt64(bytes.count - 210))
            damaged[at] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            // A quarter also lose their tail: the reader then fails after the damaged node, while
            // the worker may not have reached it yet; the node's error must still win.
            if round % 4 == 0 { damaged.removeLast(Int(random.next() % UInt64(damaged.count - at))) }
            let summary = Self.outcome(damaged, .summary)
            #expect(summary == Self.outcome(damaged, .elements), "byte \(at)")
            if summary.hasPrefix("error") && !summary.contains("checksum") { structural += 1 }
            if summary.contains("listpack") || summary.contains("corrupt stream") { insideNodes += 1 }
        }
        // The comparison exercised real structural failures, in the nodes themselves too.
        if !bigNodes {
            #expect(structural > 20)
            #expect(insideNodes > (compressed ? 1 : 20), "\(insideNodes) failures inside nodes")
        }
    }
}
