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

/// `memops estimate` end to end: tables, JSON, the chart, usage errors, a live server.
@Suite struct EstimateCommandTests {
    @Test func scenarioTableAndJSON() throws {
        let text = try memops(["estimate", "--scenario", "week"])
        #expect(text.status == 0, "stderr: \(text.stderr)")
        let out = String(decoding: text.stdout, as: UTF8.self)
        #expect(out.contains("140.1 MB (table: ~150 MB)"))
        #expect(out.contains("left for data"))

        let json = try memops(["estimate", "--scenario", "month", "--json"])
        #expect(json.status == 0, "stderr: \(json.stderr)")
        let report = try JSONDecoder().decode(EstimateReport.self, from: json.stdout)
        #expect(report.models.first { $0.model == "schema" }?.total == 600_500_000)
        #expect(report.budget.maxmemory == 8 << 30)
        #expect(report.notes.contains { $0.kind == "contradiction" && $0.message.contains("sessions") })
    }

    @Test func projectionAndPlot() throws {
        let svg = FileManager.default.temporaryDirectory.appendingPathComponent("estimate-\(UUID().uuidString).svg")
        defer { try? FileManager.default.removeItem(at: svg) }
        let run = try memops([
            "estimate", "--embeddings", "0", "--embedding-size", "4k", "--embeddings-per-day", "1000", "--maxmemory", "1g",
            "--cow-margin", "0", "--fragmentation-margin", "0", "--buffers-margin", "0", "--plot", svg.path, "--json",
        ])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try JSONDecoder().decode(EstimateReport.self, from: run.stdout)
        #expect(report.projection?.daysToMaxmemory == 250)
        let picture = try String(contentsOf: svg, encoding: .utf8)
        #expect(picture.hasPrefix("<svg") && picture.contains("day 250.0"))
    }

    @Test(arguments: [["--maxmemory", "8tb"], ["--scenario", "week", "-p", "1"], ["--cow-margin", "1.5"], ["--samples", "0"]])
    func usageErrors(arguments: [String]) {
        let run = MemopsCommand.runCaptured(["estimate"] + arguments)
        #expect(run.status == 2, "stderr: \(run.stderr)")
    }

    @Test func liveServer() throws {
        let server = try RedisServerProcess()
        _ = try SampleDataLoader.load(
            SampleDataSpec(counts: SampleDataCounts(sessions: 20, embeddings: 400, queue: 300, cache: 50, nodes: 2), days: 7),
            into: ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        let run = try memops(["estimate", "-h", "127.0.0.1", "-p", String(server.port), "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let report = try JSONDecoder().decode(EstimateReport.self, from: run.stdout)
        #expect(report.source == "live")
        #expect(report.counts == EntityCounts(sessions: 20, embeddings: 400, queue: 300, cache: 50, nodes: 2))
        #expect(report.models.map(\.model) == ["schema", "calibrated", "measured"])
        #expect(report.projection != nil)
    }
}
