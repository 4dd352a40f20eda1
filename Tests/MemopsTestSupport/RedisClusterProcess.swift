import Foundation

/// A throwaway Redis Cluster of `primaries` nodes (each a `RedisServerProcess` with
/// `--cluster-enabled yes`), joined by `redis-cli --cluster create` and ready when every node
/// reports `cluster_state:ok`. Stopped with its nodes.
public final class RedisClusterProcess: @unchecked Sendable {
    public let nodes: [RedisServerProcess]

    public init(primaries: Int = 3, replicasPerPrimary: Int = 0, binary: String = "redis-server") throws {
        var nodes: [RedisServerProcess] = []
        for _ in 0..<(primaries * (1 + replicasPerPrimary)) {
            // The cluster bus listens on the port + 10000, which must be a port too.
            var port = try RedisServerProcess.freePort()
            while port > 55_000 { port = try RedisServerProcess.freePort() }
            nodes.append(try RedisServerProcess(arguments: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                                           "--cluster-node-timeout", "5000"], binary: binary, port: port))
        }
        self.nodes = nodes
        let create = try Tool.run("redis-cli", ["--cluster", "create"] + nodes.map { "127.0.0.1:\($0.port)" }
            + ["--cluster-replicas", String(replicasPerPrimary), "--cluster-yes"])
        guard create.status == 0 else { throw TestServerError("redis-cli --cluster create failed (\(create.status)): \(create.stdout.suffix(300))") }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try nodes.allSatisfy({ try $0.cli("CLUSTER", "INFO").contains("cluster_state:ok") }) { return }
            usleep(100_000)
        }
        throw TestServerError("the cluster did not reach cluster_state:ok within 20 s")
    }

    public func stop() { nodes.forEach { $0.stop() } }

    deinit { stop() }
}

/// A throwaway Sentinel (`redis-server --sentinel`) monitoring `master` as `name`.
public final class SentinelProcess: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let directory: URL

    public init(monitoring master: RedisServerProcess, name: String = "mymaster") throws {
        port = try RedisServerProcess.freePort()
        let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory
        directory = base.appendingPathComponent("sentinel-\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let conf = directory.appendingPathComponent("sentinel.conf")
        try """
            port \(port)
            bind 127.0.0.1
            dir \(directory.path)
            sentinel monitor \(name) 127.0.0.1 \(master.port) 1
            sentinel down-after-milliseconds \(name) 5000

            """.write(to: conf, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = try RedisServerProcess.locate("redis-server")
        process.arguments = [conf.path, "--sentinel", "--logfile", directory.appendingPathComponent("sentinel.log").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let pids = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] {
            try? String(process.processIdentifier).write(toFile: pids + "/sentinel-\(process.processIdentifier).pid", atomically: true, encoding: .utf8)
        }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? ping()) == "PONG" { return }
            usleep(50_000)
        }
        throw TestServerError("redis-server --sentinel on port \(port) did not answer PING within 10 s")
    }

    private func ping() throws -> String {
        try Tool.run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "PING"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
