import Foundation
import MemopsTestSupport
import Testing

@testable import MemopsCore

/// The seed schema with its queue renamed `jobs:queue` (consumer groups `trainer`, `reporting`),
/// read back from JSON as `--schema FILE` would read it.
private func renamedSchema() throws -> Schema {
    var schema = Schema.seed
    let i = try #require(schema.patterns.firstIndex { $0.role == .queue })
    schema.patterns[i].pattern = "jobs:queue"
    schema.patterns[i].stream?.requiredGroups = ["trainer", "reporting"]
    schema.patterns[i].stream?.maxLength = 500
    return try Schema.parse(Data(schema.json().utf8), path: "renamed.json")
}

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Estimate and sample data find keys by the role the schema gives them, not by the seed's names.
@Suite(.serialized) struct SchemaRoleTests {
    @Test func seedPatternsEachHaveTheirOwnRole() {
        let roles = Schema.seed.patterns.compactMap(\.role)
        #expect(Set(roles) == Set(EntityRole.allCases))
        #expect(roles.count == EntityRole.allCases.count)
        #expect(Schema.seed.pattern(role: .queue)?.pattern == "learning:queue")
    }

    @Test func loaderRefusesARoleGivenTwice() throws {
        var schema = Schema.seed
        let events = try #require(schema.patterns.firstIndex { $0.role == .events })
        schema.patterns[events].role = .queue
        #expect(throws: SchemaError.self) { try Schema.parse(Data(schema.json().utf8), path: "twice.json") }
    }

    @Test func sampleDataWritesTheRenamedQueue() throws {
        var spec = SampleDataSpec(counts: SampleDataCounts(sessions: 3, queue: 40), now: 1_769_947_200)
        spec.schema = try renamedSchema()
        let generator = try SampleDataGenerator(spec)
        var streamKeys = Set<String>()
        var groups: [String] = []
        generator.forEachCommand { command in
            let word = text(command[0])
            if word == "XADD" { streamKeys.insert(text(command[1])) }
            if word == "XGROUP" { streamKeys.insert(text(command[2])); groups.append(text(command[3])) }
            if word == "XREADGROUP" { streamKeys.insert(text(command[command.count - 2])) }
            #expect(!command.contains { text($0) == "learning:queue" })
        }
        #expect(streamKeys == ["jobs:queue"])
        #expect(groups == ["trainer", "reporting"])
        #expect(generator.keyCounts.contains(SampleDataKeyCount("jobs:queue", 1)))
        #expect(generator.queueName == "jobs:queue")
        #expect(SampleDataGenerator.queueMaxLength(spec.schema) == 500)
    }

    @Test func offlineNoteNamesTheRenamedQueue() throws {
        var o = EstimateOptions()
        o.counts = PartialCounts(queue: 2_000)
        o.schema = try renamedSchema()
        o.retention = DataRetention(schema: o.schema)
        let notes = Estimator.model(o).notes.map(\.message)
        #expect(notes.contains { $0.hasPrefix("2000 jobs:queue entries, but the producers run XTRIM MAXLEN ~ 500") })
    }

    /// Live and backup estimates of data written under the renamed schema count its queue; the
    /// seed's names find no queue in the same data.
    @Test func liveAndBackupEstimatesMeasureTheRenamedQueue() throws {
        let schema = try renamedSchema()
        let server = try RedisServerProcess()
        let redis = try RedisConnection(ConnectionConfig(address: .tcp(host: "127.0.0.1", port: server.port)))
        var spec = SampleDataSpec(counts: SampleDataCounts(sessions: 5, embeddings: 20, queue: 120, cache: 10, nodes: 2, events: 10))
        spec.schema = schema
        _ = try SampleDataLoader.load(try SampleDataGenerator(spec), into: redis)
        #expect(try redis.command("XLEN", "jobs:queue").integer == 120)

        let live = try LiveEstimator(connection: redis, schema: schema).run()
        #expect(live.counts.queue == 120 && live.sizes.queue > 0)
        #expect(live.counts.sessions == 5 && live.counts.embeddings == 20)
        #expect(try LiveEstimator(connection: redis).run().counts.queue == 0)

        _ = try redis.command("SAVE")
        let rdb = server.directory.appendingPathComponent("dump.rdb").path
        let backup = try BackupEstimator.measure(path: rdb, schema: schema)
        #expect(backup.counts == live.counts)
        #expect(backup.unaccountedKeys == 0)
        let seedNames = try BackupEstimator.measure(path: rdb)
        #expect(seedNames.counts.queue == 0 && seedNames.unaccountedKeys == 1)
    }
}
