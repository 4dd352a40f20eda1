import Foundation
import MemopsTestSupport
import Testing

/// The fuzz targets on a plain build (`memops-fuzz TARGET FILE...`): every input a fuzzing run
/// once crashed on (FuzzFindings/TARGET), the generated seeds and the real files (the RDB
/// corpus, the lint fixtures) go through their target and must return, and the targets' own
/// invariants (the end-mark filter against its model, manifest round trips) must hold.
/// scripts/fuzz runs the same targets under libFuzzer.
@Suite struct FuzzReplayTests {
    static let targets = ["rdb", "conf", "url", "manifest", "journal", "replication"]
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    private static func files(in dir: URL, suffix: String = "") -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: dir.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(suffix) && !$0.hasSuffix(".json") }
            .map { dir.appendingPathComponent($0).path }
            .filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue }
            .sorted()
    }

    private static func replay(_ target: String, _ inputs: [String]) throws -> (Int32, String) {
        let run = try MemopsProcess.run([target] + inputs, program: "memops-fuzz")
        return (run.status, run.stderr)
    }

    @Test(arguments: targets)
    func everyKnownInputReturns(target: String) throws {
        let scratch = URL(fileURLWithPath: ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] ?? NSTemporaryDirectory())
            .appendingPathComponent("fuzz-seeds-\(target)-\(UUID().uuidString.prefix(6))")
        let seed = try MemopsProcess.run(["seed", target, scratch.path], program: "memops-fuzz")
        #expect(seed.status == 0, "\(seed.stderr)")
        var inputs = Self.files(in: scratch) + Self.files(in: Self.here.appendingPathComponent("FuzzFindings/\(target)"))
        switch target {
        case "rdb": inputs += Self.files(in: Self.here.appendingPathComponent("../../../shared/rdb-corpus").standardized, suffix: ".rdb")
        case "conf": inputs += Self.files(in: Self.here.appendingPathComponent("../MemopsCoreTests/Fixtures").standardized, suffix: ".conf")
        default: break
        }
        #expect(inputs.count >= (target == "rdb" ? 100 : 1), "\(target): only \(inputs.count) inputs")
        let (status, stderr) = try Self.replay(target, inputs)
        #expect(status == 0, "\(target): \(stderr.prefix(2000))")
    }

    /// The replay itself must fail on a broken input: an unreadable file is an error, not a pass.
    @Test func aMissingInputFailsTheReplay() throws {
        let (status, stderr) = try Self.replay("url", ["/nonexistent/input"])
        #expect(status == 2 && stderr.contains("cannot read"))
    }
}
