import ArgumentParser
import Foundation
import MemopsCore

extension MemopsCommand {
    /// `memops estimate`: capacity planning against the maxmemory budget, offline from the
    /// schema's model, or measured on a live server or a backup.
    struct Estimate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "estimate",
            abstract: "Capacity planning: what the memory data costs, and when maxmemory runs out.",
            discussion: """
                OFFLINE MODEL
                  --scenario week|month|year reproduces the schema's "Total at Scale" table with its own sizes \
                (session 1 KB, embedding 4 KB, queue entry 2 KB, node 500 B; KB = 1000 B, the only reading that \
                gives its ~600 MB and ~6 GB) and beside it the same counts at calibrated sizes measured on Redis \
                7.0 (indexes, TTLs and keyspace included). Count options override the scenario's.
                  The steady state applies retention: sessions live 7 days, learning:queue is trimmed to \
                ~100,000, the cache lives ~1 h. Margins (fork copy-on-write, fragmentation, buffers) are \
                reserved inside maxmemory; what is left is the data budget.

                LIVE AND BACKUP
                  With -u/-h/-p/-s memops measures the server: ZCARD of the indexes, SCAN MATCH where there is \
                none (never KEYS), MEMORY USAGE with a bounded SAMPLES (16 per entity key, 1000 per index; never \
                SAMPLES 0) on at most --samples keys per namespace, queue entries sized from the listpack layout \
                of the oldest entries, ZCOUNT of the index scores over 1, 7 and 30 days for growth, CONFIG GET \
                maxmemory, INFO memory and maxmemory-policy. The estimate of the data is expected within ±10% of \
                used_memory (tested on sample data: -2.5%).
                  --from-backup FILE does the same from an .rdb or .rdb.zst without touching the server: each key \
                is rebuilt from its elements with Redis 7.0 / jemalloc allocation rules (tested within ±5% of the \
                live estimate on the same data).
                  On a Redis Cluster (any node's address) every shard is measured: the totals cover the \
                cluster (maxmemory is the shards' sum), and a table per shard shows slots, keys, memory, its \
                maxmemory and the schema's single keys it holds (an index, the queue: one key lives on one \
                shard), with the imbalance, the largest key that cannot be split, and how many shards of one \
                shard's maxmemory the projection needs now and later (JSON: cluster{shards, keyImbalance, \
                memoryImbalance, largestSingleKey, shardsNeeded[{day, bytes, shards}]}).

                JSON (--json)
                  source, counts{sessions,embeddings,queue,cache,nodes}, budget{maxmemory,copyOnWrite,\
                fragmentation,buffers,margins,dataBudget}, models[{model,sizes,lines[{entity,count,\
                bytesPerEntity,bytes}],total,otherBytes,percentOfMaxmemory,percentOfDataBudget,headroom,\
                moreEmbeddings}], schemaTableTotal, steadyCounts, steadyModels, projection{model,rates,\
                daysToDataBudget,daysToMaxmemory,dataBudgetDate,maxmemoryDate,horizonDays,points}, notes[{kind,\
                message}], live{source,counts,sizes,sampled,indexMembers,otherBytes,otherKeys,unaccountedKeys,\
                estimatedBytes,streamMemoryUsage,rates{sessions,embeddings:{1d,7d,30d},queue:{span}},projectionRates,\
                info,policyMeaning,accuracy}. Bytes are integers; rates are per day.

                EXAMPLES
                  memops estimate --scenario year
                  memops estimate --embeddings 800000 --queue 100000 --maxmemory 8gb --embeddings-per-day 2000
                  memops estimate --scenario month --embeddings-per-day 1500 --plot growth.svg
                  memops estimate -u redis://nas:6379 --json
                  memops estimate --from-backup /nas/backups/redis-20260201.rdb.zst

                \(MemopsCommand.aclSection(.estimate))
                """,
            // -h is --host here, as in redis-cli; help stays --help.
            helpNames: [.long]
        )

        @Option(help: "A row of the schema's table: week, month or year.")
        var scenario: SampleDataScenario?

        @Option(help: "Sessions.") var sessions: Int?
        @Option(help: "Embeddings.") var embeddings: Int?
        @Option(help: "learning:queue entries.") var queue: Int?
        @Option(help: "Tool-cache entries.") var cache: Int?
        @Option(help: "Cluster nodes.") var nodes: Int?

        @Option(help: ArgumentHelp("Calibrated bytes per session (units: 1720, 2kb, 2k).", valueName: "size")) var sessionSize: String?
        @Option(help: ArgumentHelp("Calibrated bytes per embedding.", valueName: "size")) var embeddingSize: String?
        @Option(help: ArgumentHelp("Calibrated bytes per queue entry.", valueName: "size")) var queueEntrySize: String?
        @Option(help: ArgumentHelp("Calibrated bytes per cache entry.", valueName: "size")) var cacheSize: String?
        @Option(help: ArgumentHelp("Calibrated bytes per node.", valueName: "size")) var nodeSize: String?

        @Option(help: ArgumentHelp("The budget, in Redis units (k=1000, kb=1024, m, mb, g, gb); the default is the schema's 8 GB as redis.conf writes it, 8gb = 8 GiB. A live server's own maxmemory wins unless it is 0.", valueName: "size"))
        var maxmemory: String = "8gb"

        @Option(help: ArgumentHelp("Fraction of maxmemory kept for fork copy-on-write during BGSAVE/AOF rewrite.", valueName: "fraction"))
        var cowMargin: Double = 0.2
        @Option(help: ArgumentHelp("Fraction of maxmemory kept for fragmentation.", valueName: "fraction"))
        var fragmentationMargin: Double = 0.1
        @Option(help: ArgumentHelp("Bytes kept for replication/client buffers and the backlog.", valueName: "size"))
        var buffersMargin: String = "320m"

        @Option(help: ArgumentHelp("Sessions created per day.", valueName: "n")) var sessionsPerDay: Double?
        @Option(help: ArgumentHelp("Embeddings created per day.", valueName: "n")) var embeddingsPerDay: Double?
        @Option(help: ArgumentHelp("Queue entries added per day.", valueName: "n")) var queuePerDay: Double?
        @Option(help: ArgumentHelp("Cache entries written per day.", valueName: "n")) var cachePerDay: Double?
        @Option(help: ArgumentHelp("Days the projection looks ahead.", valueName: "days")) var horizon: Int = 3_650

        @Option(help: ArgumentHelp("Write the growth projection as an SVG chart.", valueName: "file.svg"))
        var plot: String?

        @Option(help: ArgumentHelp("Estimate from a backup (.rdb or .rdb.zst) instead of a server.", valueName: "file"))
        var fromBackup: String?

        @Option(help: ArgumentHelp("Keys sampled per namespace with MEMORY USAGE (live).", valueName: "n"))
        var samples: Int = 200

        @Flag(help: "Print JSON (fields documented above) instead of tables.")
        var json = false

        @OptionGroup var schema: SchemaOption

        @OptionGroup(title: "Connection")
        var connection: ConnectionOptions

        /// Whether the user named a server to measure.

        func validate() throws {
            if connection.serverGiven && fromBackup != nil { throw ValidationError("give a server (-u/-h/-p/-s) or --from-backup, not both") }
            if scenario != nil && (connection.serverGiven || fromBackup != nil) { throw ValidationError("--scenario is the offline model; drop it to measure a server or backup") }
            for (name, n) in [("--sessions", sessions), ("--embeddings", embeddings), ("--queue", queue), ("--cache", cache), ("--nodes", nodes)] {
                try Ranges.check(name, n, 0...1_000_000_000)
            }
            for (name, r) in [("--sessions-per-day", sessionsPerDay), ("--embeddings-per-day", embeddingsPerDay),
                              ("--queue-per-day", queuePerDay), ("--cache-per-day", cachePerDay)] {
                try Ranges.check(name, r, 0...1_000_000_000)
            }
            try Ranges.fraction("--cow-margin", cowMargin)
            try Ranges.fraction("--fragmentation-margin", fragmentationMargin)
            try Ranges.check("--samples", samples, 1...1_000_000)
            try Ranges.check("--horizon", horizon, 1...36_500)
            _ = try options()
        }

        /// A memory size option, or a validation error naming it.
        private func size(_ text: String, _ name: String) throws -> Int64 {
            guard let n = MemoryUnits.parse(text) else { throw ValidationError("\(name) \(text): write bytes or a Redis unit, e.g. 8gb, 500mb, 4k") }
            return n
        }

        /// The engine's options from the flags.
        private func options() throws -> EstimateOptions {
            var o = EstimateOptions()
            o.scenario = scenario ?? (connection.serverGiven || fromBackup != nil || [sessions, embeddings, queue, cache, nodes].contains { $0 != nil } ? nil : .week)
            o.counts = PartialCounts(sessions: sessions, embeddings: embeddings, queue: queue, cache: cache, nodes: nodes)
            o.maxmemory = try size(maxmemory, "--maxmemory")
            o.margins = SafetyMargins(copyOnWrite: cowMargin, fragmentation: fragmentationMargin, buffers: try size(buffersMargin, "--buffers-margin"))
            let overrides: [(String?, EstimateEntity, String)] = [
                (sessionSize, .sessions, "--session-size"), (embeddingSize, .embeddings, "--embedding-size"),
                (queueEntrySize, .queue, "--queue-entry-size"), (cacheSize, .cache, "--cache-size"), (nodeSize, .nodes, "--node-size"),
            ]
            for (text, entity, name) in overrides { if let text { o.calibratedSizes[entity] = Int(try size(text, name)) } }
            o.rates = PartialRates(sessions: sessionsPerDay, embeddings: embeddingsPerDay, queue: queuePerDay, cache: cachePerDay)
            o.horizonDays = horizon
            o.schema = try schema.load()
            o.retention = DataRetention(schema: o.schema)
            return o
        }

        func run() throws {
            let o = try options()
            let report: EstimateReport
            if let fromBackup {
                report = Estimator.report(measured: try BackupEstimator.measure(path: fromBackup, schema: o.schema), options: o)
            } else if connection.serverGiven {
                let measured = try connection.withFailover { deployment in
                    let estimator = try deployment.stableCluster().map { try LiveEstimator(cluster: $0, schema: o.schema, samples: samples) }
                        ?? LiveEstimator(connection: try RedisConnection(deployment.base), schema: o.schema, samples: samples)
                    return try estimator.run()
                }
                report = Estimator.report(measured: measured, options: o)
            } else {
                report = Estimator.model(o)
            }
            if let plot, let projection = report.projection {
                let svg = EstimatePlot.svg(projection, budget: report.budget, title: "memops estimate: \(report.source), \(projection.model) sizes")
                do { try Data(svg.utf8).write(to: URL(fileURLWithPath: plot)) } catch {
                    throw EstimateError.failed("cannot write \(plot): \(error.localizedDescription)")
                }
            } else if plot != nil {
                Terminal.warning("--plot needs growth rates (--embeddings-per-day …, a scenario or a live server); no chart written")
            }
            Terminal.write(json ? try EstimateText.json(report) : EstimateText.render(report, retention: o.retention))
        }
    }
}

/// Tables and JSON for `memops estimate`.
enum EstimateText {
    /// Pretty-printed JSON with sorted keys.
    static func json(_ report: EstimateReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    private static func n(_ v: Int) -> String { v.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) }
    private static func rate(_ v: Double) -> String { String(format: "%.1f", v) }
    private static func pct(_ v: Double) -> String { String(format: "%.1f%%", v) }

    /// One table: each entity's count and, per model, size and bytes; then totals against the budget.
    static func modelsTable(_ counts: EntityCounts, _ models: [ModelEstimate], schemaTotal: String? = nil) -> String {
        var rows: [[String]] = [["entity", "count"] + models.flatMap { ["\($0.model) size", "\($0.model) bytes"] }]
        for e in EstimateEntity.allCases {
            rows.append([e.rawValue, n(counts[e])] + models.flatMap { m -> [String] in
                let line = m.lines.first { $0.entity == e }!
                return ["\(n(line.bytesPerEntity)) B", MemoryUnits.decimal(line.bytes)]
            })
        }
        if models.contains(where: { $0.otherBytes > 0 }) {
            rows.append(["other keys", ""] + models.flatMap { ["", $0.otherBytes > 0 ? MemoryUnits.decimal($0.otherBytes) : "-"] })
        }
        rows.append(["total", ""] + models.enumerated().flatMap { i, m in
            ["", MemoryUnits.decimal(m.total) + (i == 0 && schemaTotal != nil && m.model == "schema" ? " (table: \(schemaTotal!))" : "")]
        })
        rows.append(["% of maxmemory", ""] + models.flatMap { ["", pct($0.percentOfMaxmemory)] })
        rows.append(["% of data budget", ""] + models.flatMap { ["", pct($0.percentOfDataBudget)] })
        rows.append(["headroom", ""] + models.flatMap { ["", MemoryUnits.decimal($0.headroom)] })
        rows.append(["more embeddings fit", ""] + models.flatMap { ["", n($0.moreEmbeddings)] })
        return Format.table(rows)
    }

    /// A cluster's shards, its balance, its largest single key and the shards the growth needs.
    static func cluster(_ c: ClusterEstimate) -> String {
        var rows = [["SHARD", "SLOTS", "KEYS", "USED MEMORY", "MAXMEMORY", "USED %", "SINGLE KEYS (cannot be split)"]]
        for s in c.shards {
            rows.append([s.address, n(s.slots), n(s.keys), MemoryUnits.decimal(s.usedMemory), s.maxmemory > 0 ? MemoryUnits.decimal(s.maxmemory) : "none",
                         s.percentOfMaxmemory.map(pct) ?? "-", s.singleKeys.map { "\($0.key) \(MemoryUnits.decimal($0.bytes))" }.joined(separator: ", ")])
        }
        var out = "\ncluster: \(c.shards.count) shards\n" + Format.table(rows)
        out += "  imbalance: keys \(String(format: "%.2f", c.keyImbalance))x the mean on the busiest shard, memory \(String(format: "%.2f", c.memoryImbalance))x\n"
        if let k = c.largestSingleKey, let shard = c.largestSingleKeyShard {
            out += "  largest single key: \(k.key) \(MemoryUnits.decimal(k.bytes)) on \(shard): one key lives on one shard, so that shard holds at least this much however many shards there are\n"
        }
        out += "  shards of maxmemory \(MemoryUnits.decimal(c.shardMaxmemory)) (data budget \(MemoryUnits.decimal(c.shardDataBudget)) each) needed: "
        out += c.shardsNeeded.map { need in
            let when = need.day == 0 ? "now" : "in \(need.day) days"
            return "\(when) \(need.shards.map(String.init) ?? "none is enough: the largest single key outgrows one shard") (\(MemoryUnits.decimal(need.bytes)))"
        }.joined(separator: ", ") + "\n"
        return out
    }

    /// The whole report for people.
    static func render(_ r: EstimateReport, retention: DataRetention = DataRetention()) -> String {
        var out = "memops estimate: \(r.source)\n\n"
        out += modelsTable(r.counts, r.models, schemaTotal: r.schemaTableTotal)
        let b = r.budget
        out += "\nbudget: maxmemory \(MemoryUnits.decimal(b.maxmemory)) (\(MemoryUnits.binary(b.maxmemory)))\n"
        out += "  margins: copy-on-write \(pct(r.margins.copyOnWrite * 100)) \(MemoryUnits.decimal(b.copyOnWrite)) + fragmentation \(pct(r.margins.fragmentation * 100)) \(MemoryUnits.decimal(b.fragmentation)) + buffers \(MemoryUnits.decimal(b.buffers)) = \(MemoryUnits.decimal(b.margins))\n"
        out += "  left for data: \(MemoryUnits.decimal(b.dataBudget))\n"
        if let steady = r.steadyCounts, let models = r.steadyModels {
            out += "\nsteady state (sessions ≤ rate × \(retention.sessionTTLDays.formatted())-day TTL, queue ≤ MAXLEN ~\(retention.queueMaxLength), cache ≤ rate × TTL):\n"
            out += modelsTable(steady, models)
        }
        if let m = r.live {
            out += "\n\(m.source == "live" ? "server" : "backup"): \(n(m.otherKeys)) other schema keys, \(n(m.unaccountedKeys)) keys outside the schema; sampled per entity: "
            out += EstimateEntity.allCases.map { "\($0.rawValue) \(n(m.sampled[$0]))" }.joined(separator: ", ") + "\n"
            for (name, windows) in m.rates.sorted(by: { $0.key < $1.key }) {
                out += "  growth \(name): " + windows.sorted(by: { $0.key < $1.key }).map { "\($0.key) \(String(format: "%.1f", $0.value))/day" }.joined(separator: ", ") + "\n"
            }
            let info = m.info
            if let used = info["used_memory"].flatMap(Int64.init) {
                out += "  used_memory \(MemoryUnits.decimal(used))"
                if let rss = info["used_memory_rss"].flatMap(Int64.init) { out += ", rss \(MemoryUnits.decimal(rss))" }
                if let frag = info["mem_fragmentation_ratio"] { out += ", fragmentation \(frag)" }
                if let peak = info["used_memory_peak"].flatMap(Int64.init) { out += ", peak \(MemoryUnits.decimal(peak))" }
                out += "; estimate of the data \(MemoryUnits.decimal(m.estimatedBytes))\n"
            }
            if let policy = info["maxmemory_policy"] { out += "  maxmemory-policy \(policy), maxmemory \(info["maxmemory"] ?? "?")\n" }
            if let usage = m.streamMemoryUsage {
                out += "  \(retention.queueName) MEMORY USAGE \(MemoryUnits.decimal(usage)) (not used for the size: it overstates streams by ~13% against used_memory on 7.0)\n"
            }
            out += "  accuracy: \(m.accuracy)\n"
        }
        if let p = r.projection {
            out += "\ngrowth (\(p.model) sizes; per day: sessions \(rate(p.rates.sessions)), embeddings \(rate(p.rates.embeddings)), queue \(rate(p.rates.queue)), cache \(rate(p.rates.cache))):\n"
            if let d = p.daysToDataBudget {
                out += "  data budget reached in \(String(format: "%.1f", d)) days (\(p.dataBudgetDate ?? "?"))"
            } else {
                out += "  data budget not reached within \(p.horizonDays) days"
            }
            if let d = p.daysToMaxmemory { out += "; maxmemory in \(String(format: "%.1f", d)) days (\(p.maxmemoryDate ?? "?"))" }
            out += "\n" + EstimatePlot.bars(p, budget: r.budget)
        }
        if let c = r.cluster { out += cluster(c) }
        if !r.notes.isEmpty {
            out += "\nnotes:\n" + r.notes.map { "  \($0.kind): \($0.message)\n" }.joined()
        }
        return out
    }
}
