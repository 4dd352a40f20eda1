import Foundation
import MemopsCore
import MemopsRDB

/// What memops reads from outside, each as a function of arbitrary bytes. A target returns
/// normally for any input, accepted or refused with an error; a trap, an out-of-bounds access,
/// unbounded memory or a broken invariant (`check`) is a finding.
enum FuzzTarget: String, CaseIterable {
    case rdb, conf, url, manifest, journal, replication

    var summary: String {
        switch self {
        case .rdb: "the streaming RDB reader, every value delivered as elements, raw bytes or a summary"
        case .conf: "the redis.conf loader and checks of config lint"
        case .url: "redis:// and unix:// URLs"
        case .manifest: "backup manifests, which must survive a round trip once accepted"
        case .journal: "prune journals, raw and as their zstd-compressed record stream"
        case .replication: "the SYNC payload header and the diskless end-mark filter, against a plain model"
        }
    }

    func run(_ data: [UInt8]) {
        switch self {
        case .rdb: Self.rdb(data)
        case .conf: Self.conf(data)
        case .url: Self.url(data)
        case .manifest: Self.manifest(data)
        case .journal: Self.journal(data)
        case .replication: Self.replication(data)
        }
    }

    /// A broken invariant: reported like a trap, so libFuzzer keeps the input.
    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition {
            FileHandle.standardError.write(Data("memops-fuzz: invariant broken: \(message())\n".utf8))
            abort()
        }
    }

    // MARK: Targets

    private static func rdb(_ data: [UInt8]) {
        var visitor = TouchingVisitor()
        // A small read buffer puts the input's boundaries everywhere a value can straddle one.
        let reader = RDBReader(MemorySource(data), bufferSize: 64)
        _ = try? reader.read(into: &visitor)
    }

    private static let confLinter: ConfigLinter = {
        var options = ConfigLintOptions()
        options.hostChecks = false
        // Relative includes resolve in an empty directory, so that they fail the same way every run.
        let empty = NSTemporaryDirectory() + "/memops-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        options.workingDirectory = empty
        return try! ConfigLinter(options: options)
    }()

    private static func conf(_ data: [UInt8]) {
        let report = confLinter.lint(bytes: data)
        for d in report.diagnostics {
            check(!d.message.isEmpty, "a diagnostic without a message (\(d.rule))")
        }
    }

    private static func url(_ data: [UInt8]) {
        guard let config = try? ConnectionConfig.parse(url: String(decoding: data, as: UTF8.self)) else { return }
        _ = config.description
    }

    private static func manifest(_ data: [UInt8]) {
        guard let manifest = try? BackupManifest.decode(Data(data)) else { return }
        guard let encoded = try? manifest.encoded() else { return check(false, "an accepted manifest cannot be encoded") }
        let again = try? BackupManifest.decode(Data(encoded))
        check(again == manifest, "a manifest changes in a round trip")
    }

    /// The first byte chooses: the input as a journal file, or the rest compressed first so that
    /// the record parser sees it (random bytes are rarely a zstd frame).
    private static func journal(_ data: [UInt8]) {
        guard let mode = data.first else { return }
        var input = Array(data.dropFirst())
        if mode & 1 == 1 {
            guard let z = try? ZstdCompressor(level: 1) else { return }
            var compressed: [UInt8] = []
            try? input.withUnsafeBytes { raw in
                try z.compress(raw) { compressed.append(contentsOf: $0) }
                try z.finish { compressed.append(contentsOf: $0) }
            }
            input = compressed
        }
        var records = 0
        try? PruneJournal.forEach(contents: input, name: "fuzz.journal") { _ in records += 1 }
    }

    /// The input is what a master sends after SYNC, cut into reads at lengths taken from its
    /// own first bytes. The filter's output must be exactly the payload a plain model finds.
    private static func replication(_ data: [UInt8]) {
        guard data.count >= 2 else { return }
        let cuts = Array(data.prefix(2)).map { Int($0 % 61) + 1 }
        let stream = Array(data.dropFirst(2))
        var reader = ReplicationPayloadHeader.LineReader()
        var position = 0
        var header: ReplicationPayloadHeader?
        do {
            while header == nil, position < stream.count {
                header = try reader.feed(stream[position])
                position += 1
            }
        } catch {
            return
        }
        guard case .endMark(let mark) = header else { return }
        check(mark.count == ReplicationPayloadHeader.markSize, "a mark of \(mark.count) bytes")
        var filter = EndMarkFilter(mark: mark)
        var released: [UInt8] = []
        var consumed = position
        var out = [UInt8](repeating: 0, count: 64)
        var turn = 0
        while consumed < stream.count, !filter.ended {
            let n = min(cuts[turn % 2], stream.count - consumed)
            turn += 1
            let chunk = Array(stream[consumed..<(consumed + n)])
            let got = chunk.withUnsafeBytes { c in out.withUnsafeMutableBytes { filter.push(c, into: $0) } }
            check(got <= n, "released \(got) bytes of a \(n)-byte read")
            released += out[0..<got]
            consumed += n
        }
        let sent = Array(stream[position..<consumed])
        if filter.ended {
            // Ended: everything read but the mark, and the read ended with the mark.
            check(sent.count >= mark.count && Array(sent.suffix(mark.count)) == mark, "ended without the mark at the end of a read")
            check(released == Array(sent.dropLast(mark.count)), "the payload differs from the bytes before the mark")
        } else {
            // Not ended: all but the newest mark-length bytes are out, in order.
            check(released == Array(sent.dropLast(min(mark.count, sent.count))), "released bytes differ from the oldest bytes read")
        }
    }
}

/// A visitor that reads every value it is given, choosing the delivery from the key, so that
/// every path of the reader (elements, raw bytes, both, summary) is taken.
private struct TouchingVisitor: RDBVisitor {
    var bytes = 0

    mutating func beginKey(_ info: RDBKeyInfo) -> RDBDelivery {
        switch (info.key.first ?? 0) & 3 {
        case 0: .elements
        case 1: .raw
        case 2: .elementsAndRaw
        default: .summary
        }
    }

    mutating func stringChunk(_ info: RDBKeyInfo, _ chunk: UnsafeRawBufferPointer, offset: Int, total: Int) {
        FuzzTarget.check(offset + chunk.count <= total, "a string chunk past the string's length")
        bytes &+= chunk.count
    }
    mutating func listElement(_ info: RDBKeyInfo, _ element: [UInt8]) { bytes &+= element.count }
    mutating func setMember(_ info: RDBKeyInfo, _ member: [UInt8]) { bytes &+= member.count }
    mutating func zsetMember(_ info: RDBKeyInfo, _ member: [UInt8], score: Double) { bytes &+= member.count }
    mutating func hashField(_ info: RDBKeyInfo, _ field: [UInt8], _ value: [UInt8], expireAtMs: Int64?) { bytes &+= field.count + value.count }
    mutating func streamEntry(_ info: RDBKeyInfo, id: StreamID, fields: [(field: [UInt8], value: [UInt8])]) { bytes &+= fields.count }
    mutating func rawValue(_ info: RDBKeyInfo, _ raw: [UInt8]) { bytes &+= raw.count }
}
