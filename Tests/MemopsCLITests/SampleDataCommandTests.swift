import Foundation
import MemopsCLI
import MemopsCore
import MemopsTestSupport
import Testing

/// Runs memops with `arguments`; returns its exit status, stdout and stderr.
private func memops(_ arguments: [String]) throws -> (status: Int32, stdout: Data, stderr: String) {
    let outcome = try MemopsProcess.run(arguments)
    return (outcome.status, outcome.stdout, outcome.stderr)
}

private let now: Int64 = 1_769_947_200

@Suite struct SampleDataCommandTests {
    @Test func respOutputIsTheLibrarysDataset() throws {
        let run = try memops([
            "sample-data", "--sessions", "5", "--embeddings", "20", "--queue", "30", "--cache", "10", "--nodes", "2",
            "--events", "5", "--seed", "7", "--now", String(now), "--inject", "bad-name=2", "--resp",
        ])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let counts = SampleDataCounts(sessions: 5, embeddings: 20, queue: 30, cache: 10, nodes: 2, events: 5)
        let spec = SampleDataSpec(counts: counts, days: 7, now: now, seed: 7, faults: SampleDataFaults([.badName: 2]))
        #expect(run.stdout == Data(SampleDataLoader.resp(try SampleDataGenerator(spec))))
        #expect(run.stderr.contains("wrote"))

        let scenario = try memops(["sample-data", "--scenario", "year", "--scale", "0.001", "--now", String(now)])
        #expect(scenario.status == 0, "stderr: \(scenario.stderr)")
        let year = SampleDataSpec(scenario: .year, scale: 0.001, now: now)
        #expect(scenario.stdout == Data(SampleDataLoader.resp(try SampleDataGenerator(year))))
    }

    @Test func loadsDirectlyRefusesANonEmptyDatabaseAndListsFaults() throws {
        let server = try RedisServerProcess()
        let port = String(server.port)
        let expected = try SampleDataGenerator(SampleDataSpec(scenario: .week, scale: 0.01)).totalKeys
        let first = try memops(["sample-data", "--scenario", "week", "--scale", "0.01", "-p", port])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stderr.contains("loaded \(expected) keys"), "stderr: \(first.stderr)")
        #expect(try server.cli("DBSIZE") == String(expected))

        let again = try memops(["sample-data", "--scenario", "week", "--scale", "0.01", "-p", port])
        #expect(again.status == 4)
        #expect(again.stderr.contains("--flush"), "stderr: \(again.stderr)")

        let faultsFile = server.directory.appendingPathComponent("faults.txt")
        let faulty = try memops([
            "sample-data", "--scenario", "week", "--scale", "0.01", "-u", server.url, "--flush", "-q",
            "--inject", "orphan-index-member=3", "--inject", "stale-heartbeat=1", "--faults-file", faultsFile.path,
        ])
        #expect(faulty.status == 0, "stderr: \(faulty.stderr)")
        #expect(faulty.stderr.isEmpty)
        let lines = try String(contentsOf: faultsFile, encoding: .utf8).split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("orphan-index-member ") }.count == 3)
        #expect(lines.filter { $0.hasPrefix("stale-heartbeat node:") }.count == 1)
        #expect(lines.count == 4)
        let heartbeat = String(lines.first { $0.hasPrefix("stale-heartbeat") }!.split(separator: " ")[1])
        #expect(try server.cli("EXISTS", heartbeat) == "0")

        // The other node's heartbeat, gone as after 30 s, comes back with --heartbeats-only.
        let live = heartbeat == "node:beast:heartbeat" ? "node:dell:heartbeat" : "node:beast:heartbeat"
        #expect(try server.cli("DEL", live) == "1")
        let beat = try memops([
            "sample-data", "--scenario", "week", "--scale", "0.01", "-u", server.url, "--inject", "stale-heartbeat=1", "--heartbeats-only",
        ])
        #expect(beat.status == 0, "stderr: \(beat.stderr)")
        #expect(Int(try server.cli("TTL", live)).map { $0 > 0 && $0 <= 30 } == true)
        #expect(try server.cli("EXISTS", heartbeat) == "0")
    }

    @Test(arguments: [
        ["--inject", "nonsense=1", "-p", "1"],
        ["--inject", "bad-name", "-p", "1"],
        ["--resp", "-p", "1"],
        ["--flush", "--merge", "-p", "1"],
        ["--scale", "0", "-p", "1"],
    ])
    func usageErrorsExitTwo(arguments: [String]) {
        let run = MemopsCommand.runCaptured(["sample-data"] + arguments)
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(run.stdout.isEmpty)
    }
}
