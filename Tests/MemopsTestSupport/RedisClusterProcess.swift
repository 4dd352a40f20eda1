import Foundation

/// A throwaway Redis Cluster of `primaries` nodes (each a `RedisServerProcess` with
/// `--cluster-enabled yes`), joined by `redis-cli --cluster create` and ready when every node
/// reports `cluster_state:ok`. Stopped with its nodes.
public final class RedisClusterProcess: @unchecked Sendable {
    public private(set) var nodes: [RedisServerProcess]
    private let binary: String
    private static func arguments() -> [String] {
        ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000"]
    }

    public init(primaries: Int = 3, replicasPerPrimary: Int = 0, binary: String = "redis-server", arguments extra: [String] = []) throws {
        var nodes: [RedisServerProcess] = []
        for _ in 0..<(primaries * (1 + replicasPerPrimary)) {
            // The cluster bus listens on the port + 10000, which must be free too.
            let port = try RedisServerProcess.freePort(alsoFree: 10_000)
            nodes.append(try RedisServerProcess(arguments: Self.arguments() + extra, binary: binary, port: port))
        }
        self.nodes = nodes
        self.binary = binary
        if primaries >= 3 {
            let create = try Tool.run("redis-cli", ["--cluster", "create"] + nodes.map { "127.0.0.1:\($0.port)" }
                + ["--cluster-replicas", String(replicasPerPrimary), "--cluster-yes"])
            guard create.status == 0 else { throw TestServerError("redis-cli --cluster create failed (\(create.status)): \(create.stdout.suffix(300))") }
        } else {
            // redis-cli --cluster create wants three primaries: fewer are joined by hand.
            guard replicasPerPrimary == 0 else { throw TestServerError("a cluster of fewer than 3 primaries is made without replicas here") }
            let per = 16384 / primaries
            for (i, node) in nodes.enumerated() {
                let last = i == primaries - 1 ? 16383 : (i + 1) * per - 1
                try node.cli("CLUSTER", "ADDSLOTSRANGE", String(i * per), String(last))
                if i > 0 { try nodes[0].cli("CLUSTER", "MEET", "127.0.0.1", String(node.port)) }
            }
        }
        // Ready when every node says ok and sees every primary and replica in its role.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let settled = try nodes.allSatisfy { node in
                guard try node.cli("CLUSTER", "INFO").contains("cluster_state:ok") else { return false }
                let lines = try node.cli("CLUSTER", "NODES").split(separator: "\n")
                let masters = lines.filter { $0.contains("master") && !$0.contains("fail") }.count
                let replicas = lines.filter { $0.contains("slave") }.count
                return masters == primaries && replicas == primaries * replicasPerPrimary
            }
            if settled { return }
            usleep(100_000)
        }
        throw TestServerError("the cluster did not settle (cluster_state:ok, every node in its role) within 30 s")
    }

    public func stop() { nodes.forEach { $0.stop() } }

    /// Stops every node, keeping its data directory (for an offline restore into them).
    public func stopKeepingData() { nodes.forEach { $0.stop(removeDirectory: false) } }

    /// Starts every node again on its port and directory (loading its dump.rdb and nodes.conf)
    /// and waits until the cluster is ok again.
    public func startAgain(arguments extra: [String] = []) throws {
        nodes = try nodes.map { try RedisServerProcess(arguments: Self.arguments() + ["--dbfilename", "dump.rdb"] + extra, binary: binary, directory: $0.directory, port: $0.port) }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if try nodes.allSatisfy({ try $0.cli("CLUSTER", "INFO").contains("cluster_state:ok") }) { return }
            usleep(100_000)
        }
        throw TestServerError("the restarted cluster did not reach cluster_state:ok within 30 s")
    }

    deinit { stop() }
}

/// A throwaway Sentinel (`redis-server --sentinel`) monitoring `master` as `name`.
public final class SentinelProcess: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let directory: URL

    public init(monitoring master: RedisServerProcess, name: String = "mymaster", quorum: Int = 1, extra: [String] = []) throws {
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
            sentinel monitor \(name) 127.0.0.1 \(master.port) \(quorum)
            sentinel down-after-milliseconds \(name) 2000
            sentinel failover-timeout \(name) 10000
            \(extra.joined(separator: "\n"))

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
            if let answer = try? ping(), answer == "PONG" || answer.hasPrefix("NOAUTH") { return }
            usleep(50_000)
        }
        throw TestServerError("redis-server --sentinel on port \(port) did not answer PING within 10 s")
    }

    private func ping() throws -> String {
        try cli("PING")
    }

    /// Runs `redis-cli` against this sentinel and returns its stdout, trimmed.
    @discardableResult
    public func cli(_ args: String...) throws -> String {
        try Tool.run("redis-cli", ["-h", "127.0.0.1", "-p", String(port)] + args).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A throwaway Sentinel deployment: a master, `replicas` replicas of it, and `sentinels`
/// sentinels (quorum: a majority) that know them all before `init` returns.
public final class SentinelSet: @unchecked Sendable {
    public let master: RedisServerProcess
    public let replicas: [RedisServerProcess]
    public let sentinels: [SentinelProcess]
    public let name: String

    public init(replicas count: Int = 1, sentinels: Int = 3, name: String = "mymaster", serverArguments: [String] = []) throws {
        self.name = name
        master = try RedisServerProcess(arguments: serverArguments)
        var replicas: [RedisServerProcess] = []
        for _ in 0..<count {
            replicas.append(try RedisServerProcess(arguments: serverArguments + ["--replicaof", "127.0.0.1", String(master.port)]))
        }
        self.replicas = replicas
        var list: [SentinelProcess] = []
        for _ in 0..<sentinels {
            list.append(try SentinelProcess(monitoring: master, name: name, quorum: sentinels / 2 + 1))
        }
        self.sentinels = list
        // Ready when the replicas' links are up and every sentinel lists every replica.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let linked = try replicas.allSatisfy { try $0.cli("INFO", "replication").contains("master_link_status:up") }
            let known = try list.allSatisfy { s in
                // Sentinels read a replica's INFO every 10 s: until then its link shows "err".
                let text = try s.cli("SENTINEL", "REPLICAS", name)
                return replicas.allSatisfy { text.contains(String($0.port)) }
                    && text.components(separatedBy: "master-link-status\nok").count == replicas.count + 1
            }
            let peers = try list.allSatisfy { try $0.cli("SENTINEL", "SENTINELS", name).components(separatedBy: "\n").filter { $0 == "runid" }.count == sentinels - 1 }
            if linked && known && peers { return }
            usleep(200_000)
        }
        throw TestServerError("the Sentinel set did not settle within 30 s")
    }

    /// The sentinels as `--sentinel` arguments.
    public var sentinelArguments: [String] {
        sentinels.flatMap { ["--sentinel", "127.0.0.1:\($0.port)"] } + ["--master-name", name]
    }

    /// The `redis-sentinel://` URL of the set.
    public var url: String {
        "redis-sentinel://" + sentinels.map { "127.0.0.1:\($0.port)" }.joined(separator: ",") + "/\(name)"
    }

    /// Asks a sentinel to fail over and waits until every sentinel names a new master; returns
    /// its port.
    @discardableResult
    public func failover() throws -> Int {
        let old = try currentMasterPort()
        try sentinels[0].cli("SENTINEL", "FAILOVER", name)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let ports = try sentinels.map { try $0.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name).split(separator: "\n").last.map(String.init) ?? "" }
            if let first = ports.first, first != String(old), Set(ports).count == 1, let port = Int(first) {
                // The new master must have taken the role.
                if let server = ([master] + replicas).first(where: { $0.port == port }), try server.cli("ROLE").hasPrefix("master") { return port }
            }
            usleep(200_000)
        }
        throw TestServerError("the failover did not finish within 30 s")
    }

    /// The master's port as the first sentinel names it.
    public func currentMasterPort() throws -> Int {
        Int(try sentinels[0].cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name).split(separator: "\n").last.map(String.init) ?? "") ?? 0
    }
}
