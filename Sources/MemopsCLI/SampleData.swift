import ArgumentParser
import Foundation
import MemopsCore

extension SampleDataScenario: ExpressibleByArgument {}

extension MemopsCommand {
    /// `memops sample-data`: seed-shaped sample data, loaded into a server or written as RESP.
    struct SampleData: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sample-data",
            abstract: "Generate seed-shaped sample data: load it into a server, or write RESP for redis-cli --pipe.",
            discussion: """
                Sessions (with TTLs and both indexes), embeddings (3,072-byte vectors, both indexes), the \
                learning:queue stream with its consumer groups training_pipeline and analytics (some entries \
                pending), the tool cache (TTL by tool class: read-only 2 h, write 5 min, default 1 h, expensive \
                24 h) and tool:stats, the model registry, node hashes, heartbeats (30 s) and nodes:active, and the \
                events:log stream. Timestamps spread over the scenario's period ending now; index scores are unix \
                seconds. The same --seed and --now give the same data, byte for byte.

                OUTPUT
                  With -u/-h/-p/-s the data is loaded straight into that server, in pipelined batches; a \
                database that already holds keys is refused unless --flush or --merge. With --resp, or when no \
                server is given and stdout is not a terminal, RESP goes to stdout for redis-cli --pipe.

                SIZES
                  --scenario week|month|year is the schema's table (100/500/5,000 sessions, 10K/50K/500K \
                embeddings, 50K/200K/2M queue entries) plus memops' choice of cache entries (1K/2K/5K), nodes \
                (2/3/4) and events (500/2K/20K). --scale multiplies every count but nodes. Count options \
                override the scenario's, unscaled; without --scenario only the counted entities are generated.

                QUEUE LENGTH
                  The schema's producers trim learning:queue with XTRIM MAXLEN ~ 100000, yet its year row holds \
                2M entries. memops writes every entry asked for by default (so sizes match the table) and says \
                so; --trim-queue keeps only the newest 100,000, as the producers would, and --queue-maxlen N the \
                newest N.

                HEARTBEATS
                  Heartbeats are written last and expire 30 s later, as they do when no node beats. \
                --heartbeats-only sends just them again (same --scenario/--nodes/--seed), e.g. every 20 s \
                while a demo or an audit runs.

                FAULTS (for audit and prune tests)
                  --inject KIND=N adds N faults of a kind: session-without-ttl, orphan-index-member, wrong-type, \
                bad-name, bad-vector-size, cache-without-ttl, stale-heartbeat. Sessions, embeddings, cache entries and \
                nodes of the dataset are turned faulty (counts stay the same); orphan index members and bad names \
                are added. --faults-file PATH lists exactly the faulted keys, one per line: KIND KEY [MEMBER], \
                with spaces, backslashes and bytes outside printable ASCII as \\xNN.

                EXAMPLES
                  memops sample-data --scenario week | redis-cli --pipe
                  memops sample-data --scenario year --scale 0.01 -p 6380 --flush
                  memops sample-data --sessions 50 --embeddings 500 --resp > sample.resp
                  memops sample-data --scenario week --inject orphan-index-member=5 --faults-file faults.txt -p 6380
                  memops sample-data --scenario week --heartbeats-only -p 6380

                \(MemopsCommand.aclSection(.sampleData))
                """,
            // -h is --host here, as in redis-cli; help stays --help.
            helpNames: [.long]
        )

        @Option(help: "A scenario from the schema's table: week, month or year (default week when no count is given).")
        var scenario: SampleDataScenario?

        @Option(help: "Multiply every count but nodes by this fraction, e.g. 0.01.")
        var scale: Double = 1

        @Option(help: "Sessions.") var sessions: Int?
        @Option(help: "Embeddings.") var embeddings: Int?
        @Option(help: "learning:queue entries.") var queue: Int?
        @Option(help: "Tool-cache entries.") var cache: Int?
        @Option(help: "Cluster nodes (each with a heartbeat and an active model).") var nodes: Int?
        @Option(help: "events:log entries.") var events: Int?

        @Option(help: "Days the timestamps spread over (default: the scenario's period, or 7).")
        var days: Double?

        @Option(help: "Seed for every random choice.")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("The end of the period as unix seconds (default: the current time); fix it for identical output.", valueName: "unix-seconds"))
        var now: Int64?

        @Flag(help: "Keep only the newest 100,000 learning:queue entries, as the schema's XTRIM MAXLEN ~ 100000 would.")
        var trimQueue = false

        @Option(help: ArgumentHelp("Keep only the newest N learning:queue entries.", valueName: "n"))
        var queueMaxlen: Int?

        @Option(help: ArgumentHelp("Inject N faults of KIND (repeatable).", valueName: "kind=n"))
        var inject: [String] = []

        @Option(help: ArgumentHelp("Write the injected faults to this file, one per line.", valueName: "path"))
        var faultsFile: String?

        @Flag(help: "Write RESP to stdout (for redis-cli --pipe) instead of loading into a server.")
        var resp = false

        @Flag(help: "Write only the nodes' heartbeats (they expire 30 s after a load, as with no node beating); the same options as the load.")
        var heartbeatsOnly = false

        @Flag(help: "Empty the target database (FLUSHDB) before loading.")
        var flush = false

        @Flag(help: "Load into a database that already holds keys, adding to them.")
        var merge = false

        @Option(help: "Commands per pipelined batch when loading.")
        var batch: Int = 1_000

        @Flag(name: [.customShort("q"), .customLong("quiet")], help: "Print nothing on success.")
        var quiet = false

        @Flag(name: [.customShort("v"), .customLong("verbose")], help: "Also print the keys per schema pattern and the injected faults.")
        var verbose = false

        @OptionGroup var schema: SchemaOption

        @OptionGroup(title: "Connection")
        var connection: ConnectionOptions

        /// Whether the user named a server to load into.

        func validate() throws {
            if resp && connection.serverGiven { throw ValidationError("--resp writes to stdout; drop it to load into the server given with -u/-h/-p/-s") }
            if !resp && !connection.serverGiven && Terminal.stdoutIsTTY {
                throw ValidationError("give -u/-h/-p/-s to load into a server, or pipe the RESP output: memops sample-data --scenario week | redis-cli --pipe")
            }
            if resp && (flush || merge) { throw ValidationError("--flush and --merge apply only when loading into a server") }
            if flush && merge { throw ValidationError("--flush and --merge exclude each other") }
            if quiet && verbose { throw ValidationError("--quiet and --verbose exclude each other") }
            if heartbeatsOnly && (flush || merge || faultsFile != nil) {
                throw ValidationError("--heartbeats-only writes heartbeats into loaded data; --flush, --merge and --faults-file do not apply")
            }
            if trimQueue && queueMaxlen != nil { throw ValidationError("--trim-queue is --queue-maxlen 100000; give one of them") }
            if let queueMaxlen, queueMaxlen < 1 { throw ValidationError("--queue-maxlen must be 1 or more") }
            // The year scenario at 100× is ~600 GB of data: more than any sandbox wants.
            if !(scale > 0 && scale <= 100) { throw ValidationError("--scale must be more than 0 and at most 100, not \(scale)") }
            if let days, !(days > 0 && days <= 36_500) { throw ValidationError("--days must be more than 0 and at most 36500, not \(days)") }
            if batch < 1 { throw ValidationError("--batch must be 1 or more") }
            for (name, n) in [("--sessions", sessions), ("--embeddings", embeddings), ("--queue", queue), ("--cache", cache), ("--nodes", nodes), ("--events", events)] {
                try Ranges.check(name, n, 0...1_000_000_000)
            }
            _ = try parsedFaults()
        }

        /// `--inject kind=n` options as fault counts.
        private func parsedFaults() throws -> SampleDataFaults {
            var faults = SampleDataFaults()
            for item in inject {
                let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
                guard let kind = SampleDataFaultKind(rawValue: parts[0]) else {
                    let kinds = SampleDataFaultKind.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ValidationError("unknown fault kind \"\(parts[0])\" in --inject; use one of \(kinds)")
                }
                guard parts.count == 2, let n = Int(parts[1]), n >= 0 else {
                    throw ValidationError("--inject \(item): write KIND=N, e.g. \(kind.rawValue)=3")
                }
                faults[kind] += n
            }
            return faults
        }

        /// The spec the flags describe: scenario (scaled), then explicit counts over it.
        private func spec() throws -> SampleDataSpec {
            let counted = [sessions, embeddings, queue, cache, nodes, events].contains { $0 != nil }
            let base = scenario ?? (counted ? nil : .week)
            var counts = base?.counts ?? SampleDataCounts()
            counts = counts.scaled(by: scale)
            if let sessions { counts.sessions = sessions }
            if let embeddings { counts.embeddings = embeddings }
            if let queue { counts.queue = queue }
            if let cache { counts.cache = cache }
            if let nodes { counts.nodes = nodes }
            if let events { counts.events = events }
            let schema = try self.schema.load()
            let trim = SampleDataGenerator.queueMaxLength(schema) ?? SampleDataSpec.schemaQueueMaxLength
            var spec = SampleDataSpec(
                counts: counts, days: days ?? base?.days ?? 7, now: now ?? Int64(Date().timeIntervalSince1970), seed: seed,
                queueMaxLength: trimQueue ? trim : queueMaxlen, faults: try parsedFaults())
            spec.schema = schema
            return spec
        }

        func run() throws {
            let generator = try SampleDataGenerator(try spec())
            if heartbeatsOnly {
                if resp || !connection.serverGiven {
                    try SampleDataLoader.writeRESP(generator, to: STDOUT_FILENO, heartbeatsOnly: true)
                } else {
                    try SampleDataLoader.beat(generator, into: try Self.router(try connection.deployment()))
                }
                return
            }
            let c = generator.spec.counts
            if !quiet, let trim = SampleDataGenerator.queueMaxLength(generator.spec.schema), generator.queueEntries > trim {
                Terminal.writeErr("memops: note: \(generator.queueName ?? "the queue") gets \(generator.queueEntries) entries; the schema's producers trim it to ~\(trim) (--trim-queue does that)\n")
            }
            if let faultsFile {
                let text = generator.faults.map { $0.description + "\n" }.joined()
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: faultsFile))
                } catch {
                    throw SampleDataError.writeFailed("\(faultsFile): \(error.localizedDescription)")
                }
            }
            if verbose {
                var table = ""
                for count in generator.keyCounts where count.keys > 0 {
                    table += "  " + count.pattern.padding(toLength: 26, withPad: " ", startingAt: 0) + String(count.keys) + "\n"
                }
                for fault in generator.faults { table += "  fault: \(fault)\n" }
                Terminal.writeErr("memops: sample data, seed \(generator.spec.seed), period ending \(generator.spec.now):\n" + table)
            }
            let what = "\(generator.totalKeys) keys (\(c.sessions) sessions, \(c.embeddings) embeddings, \(generator.queueEntries) queue entries, \(c.cache) cache entries, \(c.nodes) nodes, \(c.events) events, \(generator.faults.count) faults)"
            if resp || !connection.serverGiven {
                let written = try SampleDataLoader.writeRESP(generator, to: STDOUT_FILENO)
                if !quiet {
                    Terminal.writeErr("memops: wrote \(written.commands) commands (\(Self.megabytes(written.bytes))) of RESP for \(what)\n")
                }
                return
            }
            let deployment = try connection.deployment()
            let target = try Self.router(deployment)
            if let cluster = target as? ClusterClient {
                try SampleDataLoader.prepare(cluster, flush: flush, merge: merge)
            } else if let redis = target as? RedisConnection {
                try SampleDataLoader.prepare(redis, flush: flush, merge: merge)
            }
            let result = try SampleDataLoader.load(generator, into: target, batchSize: batch)
            if !quiet {
                let seconds = String(format: "%.1f", result.seconds)
                Terminal.writeErr("memops: loaded \(what) into \(deployment) in \(seconds) s: \(result.commands) commands, \(Self.megabytes(result.bytes))\n")
            }
        }

        /// Where the commands go: the server, or each key's shard of a cluster.
        private static func router(_ deployment: Deployment) throws -> KeyRouter {
            try deployment.stableCluster() ?? RedisConnection(deployment.base)
        }

        private static func megabytes(_ bytes: Int) -> String {
            String(format: "%.1f MB", Double(bytes) / 1_000_000)
        }
    }
}
