import ArgumentParser
import Foundation
import MemopsCore

/// How to reach Redis, shared by every command that talks to a server; redis-cli's conventions.
struct ConnectionOptions: ParsableArguments {
    @Option(name: [.customShort("u"), .customLong("url")],
            help: "Server URL: redis://[user[:password]@]host[:port][/db], rediss://… for TLS, or unix:///path/to/redis.sock[?db=N].")
    var url: String?

    @Option(name: [.customShort("h"), .customLong("host")], help: "Server hostname (default 127.0.0.1).")
    var host: String?

    @Option(name: [.customShort("p"), .customLong("port")], parsing: .unconditional, help: "Server port (default 6379).")
    var port: Int?

    @Option(name: [.customShort("s"), .customLong("socket")], help: "Server unix socket (overrides host and port).")
    var socket: String?

    @Option(name: [.customShort("n"), .customLong("db")], parsing: .unconditional, help: "Database number (default 0).")
    var db: Int?

    @Option(name: .customLong(CLIFlag.user.rawValue), help: "ACL user name (needs a password too).")
    var user: String?

    @Option(name: [.customShort("a"), .customLong("pass")],
            help: "Password. Unsafe: others can read argv; prefer REDISCLI_AUTH or --pass-file.")
    var password: String?

    @Option(name: .customLong(CLIFlag.passFile.rawValue),
            help: ArgumentHelp("Read the password from this file's first line; refused when group- or world-readable.", valueName: "file"))
    var passwordFile: String?

    @Flag(name: .customLong("no-auth-warning"), help: "Do not warn about a password given on the command line.")
    var noAuthWarning = false

    @Option(name: .customLong(CLIFlag.connectTimeout.rawValue), parsing: .unconditional, help: "Seconds to wait for the connection.")
    var connectTimeout: Double = 5

    @Option(name: .customLong(CLIFlag.timeout.rawValue), parsing: .unconditional, help: "Seconds to wait for any one reply.")
    var commandTimeout: Double = 30

    @Flag(name: .customLong(CLIFlag.nodeOnly.rawValue),
          help: "Work on this one node even when it is part of a Redis Cluster (which otherwise is refused: one node holds only its slots' keys).")
    var nodeOnly = false

    @Option(name: .customLong(CLIFlag.sentinel.rawValue),
            help: ArgumentHelp("A Sentinel to ask for the master (repeat for each; port 26379 when left out). Needs --master-name.", valueName: "host:port"))
    var sentinels: [String] = []

    @Option(name: .customLong(CLIFlag.masterName.rawValue), help: ArgumentHelp("The master's name in the Sentinels' configuration (sentinel monitor NAME …).", valueName: "name"))
    var masterName: String?

    @Option(name: .customLong(CLIFlag.sentinelUser.rawValue), help: ArgumentHelp("ACL user for the Sentinels themselves (the data nodes use --user).", valueName: "name"))
    var sentinelUser: String?

    @Option(name: .customLong(CLIFlag.sentinelPassFile.rawValue),
            help: ArgumentHelp("The Sentinels' own password, from this file's first line; refused when group- or world-readable.", valueName: "file"))
    var sentinelPassFile: String?

    @Flag(name: .customLong(CLIFlag.tls.rawValue), help: "Connect over TLS (implied by rediss:// and the other TLS options).")
    var tls = false

    @Option(name: .customLong(CLIFlag.sni.rawValue), help: ArgumentHelp("Server name for SNI and the certificate check (default: the host).", valueName: "host"))
    var sni: String?

    @Option(name: .customLong(CLIFlag.cacert.rawValue), help: ArgumentHelp("PEM file of the CAs that may sign the server's certificate (default: the system's).", valueName: "file"))
    var caCert: String?

    @Option(name: .customLong(CLIFlag.cacertdir.rawValue), help: ArgumentHelp("Directory of trusted CA certificates (hashed, as openssl rehash makes it).", valueName: "dir"))
    var caCertDir: String?

    @Option(name: .customLong(CLIFlag.cert.rawValue), help: ArgumentHelp("Client certificate, for servers with tls-auth-clients.", valueName: "file"))
    var cert: String?

    @Option(name: .customLong(CLIFlag.key.rawValue), help: ArgumentHelp("The client certificate's private key; refused when group- or world-readable.", valueName: "file"))
    var key: String?

    @Flag(name: .customLong(CLIFlag.insecure.rawValue), help: "Do not verify the server's certificate or name (warns once).")
    var insecure = false

    @Option(name: .customLong(CLIFlag.tlsCiphers.rawValue), help: ArgumentHelp("TLS 1.2 ciphers, in OpenSSL's syntax.", valueName: "list"))
    var tlsCiphers: String?

    @Option(name: .customLong(CLIFlag.tlsCiphersuites.rawValue), help: ArgumentHelp("TLS 1.3 cipher suites, in OpenSSL's syntax.", valueName: "list"))
    var tlsCipherSuites: String?

    /// Whether any TLS option was given: each one implies --tls, as a forgotten --tls would
    /// otherwise send a certificate's worth of intent over plain TCP.
    private var tlsRequested: Bool {
        tls || sni != nil || caCert != nil || caCertDir != nil || cert != nil || key != nil || insecure
            || tlsCiphers != nil || tlsCipherSuites != nil
    }

    /// Whether the command line names a server (-u, -h, -p or -s): the one test of it, for the
    /// commands that also work without one (config lint, estimate, restore, sample-data).
    var serverGiven: Bool {
        url != nil || host != nil || port != nil || socket != nil || !sentinels.isEmpty
    }

    func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port must be from 1 to 65535, not \(port)") }
        try Ranges.check("--db", db, 0...1_000_000)
        try Ranges.seconds("--connect-timeout", connectTimeout, max: 3_600)
        try Ranges.seconds("--timeout", commandTimeout, max: Ranges.week)
        let sentinelURL = url.map(SentinelSpec.isSentinelURL) ?? false
        if !sentinels.isEmpty {
            if masterName == nil { throw ValidationError("--sentinel needs --master-name NAME (the name in the Sentinels' sentinel monitor line)") }
            if url != nil || host != nil || port != nil || socket != nil {
                throw ValidationError("--sentinel finds the master itself; leave out -u, -h, -p and -s")
            }
            for s in sentinels where SentinelSpec.address(s) == nil {
                throw ValidationError("--sentinel takes host:port, not \"\(s)\"")
            }
        } else if masterName != nil && !sentinelURL {
            throw ValidationError("--master-name goes with --sentinel HOST:PORT (or -u redis-sentinel://HOST:PORT/NAME)")
        }
        if sentinelURL && masterName != nil { throw ValidationError("the redis-sentinel:// URL names the master already; leave out --master-name") }
        if (sentinelUser != nil || sentinelPassFile != nil) && sentinels.isEmpty && !sentinelURL {
            throw ValidationError("--sentinel-user and --sentinel-pass-file go with --sentinel or a redis-sentinel:// URL")
        }
        if nodeOnly && (!sentinels.isEmpty || sentinelURL) { throw ValidationError("--node-only is for a Redis Cluster node, not a master found through Sentinel") }
    }

    /// Where the command line says the data is: `resolve()`'s connection, and the Sentinel
    /// set to find the master through, when one is named.
    func target(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerTarget {
        var config = try resolve(environment: environment)
        var spec: SentinelSpec?
        if let url, SentinelSpec.isSentinelURL(url) {
            (config, spec) = try SentinelSpec.parse(url: url, base: config)
        } else if let masterName, !sentinels.isEmpty {
            spec = SentinelSpec(sentinels: sentinels.compactMap(SentinelSpec.address), masterName: masterName)
        }
        if spec != nil {
            spec?.user = sentinelUser
            if let sentinelPassFile { spec?.password = try PasswordFile.read(sentinelPassFile) }
        }
        return ServerTarget(config: config, sentinel: spec)
    }

    /// The deployment the command works on, resolved once: a server, a cluster or a master
    /// behind Sentinel.
    func deployment(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Deployment {
        try Deployment.resolve(target(environment: environment))
    }

    /// Runs `body` on the deployment; behind Sentinel, when the master goes away during the
    /// run (the connection drops, or it answers READONLY as the new master's replica), waits
    /// for the sentinels to name a new master and runs `body` once more against it. Only for
    /// commands that can simply run again: reads, and writes that skip what is already there.
    func withFailover<R>(_ body: (Deployment) throws -> R) throws -> R {
        let target = try target()
        let first = try Deployment.resolve(target)
        guard case .sentinel = first.kind else { return try body(first) }
        do {
            return try body(first)
        } catch {
            // A lost connection or READONLY is what a failover looks like from here; any other
            // failure is taken for one only when the sentinels already name another master (a
            // save the demoted master dropped, say).
            let readOnly = (error as? RedisError)?.isReadOnly == true
            let status = (error as? MemopsError)?.exitStatus
            let symptom = readOnly || status == .connection || status == .timeout
            if !symptom {
                guard status != .usage, let now = try? Deployment.resolve(target), now.base.address != first.base.address else { throw error }
            }
            let deadline = Date().addingTimeInterval(max(30, connectTimeout * 3))
            while Date() < deadline {
                if let next = try? Deployment.resolve(target), next.base.address != first.base.address {
                    Terminal.warning("the master moved from \(first.base) to \(next.base) (a failover) during the run; running again against \(next.base)")
                    return try body(next)
                }
                usleep(500_000)
            }
            throw error
        }
    }

    /// Builds the connection: URL first, then flags over it, then the password from argv, the
    /// password file or REDISCLI_AUTH (in that order), as redis-cli does.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConnectionConfig {
        var config = ConnectionConfig(connectTimeout: connectTimeout, commandTimeout: commandTimeout)
        var passwordInArgv = password != nil
        if let url {
            config = SentinelSpec.isSentinelURL(url)
                ? try SentinelSpec.parse(url: url, base: config).0 : try ConnectionConfig.parse(url: url, base: config)
            if config.password != nil { passwordInArgv = true }
        }
        if let socket {
            config.address = .unix(path: socket)
        } else if host != nil || port != nil {
            var (h, p) = ("127.0.0.1", 6379)
            if case .tcp(let uh, let up) = config.address { (h, p) = (uh, up) }
            config.address = .tcp(host: host ?? h, port: port ?? p)
        }
        if let db { config.db = db }
        if nodeOnly { config.scope = .node }
        if tlsRequested {
            config.tls = TLSOptions(
                serverName: sni, caCertFile: caCert, caCertDir: caCertDir, certFile: cert, keyFile: key,
                insecure: insecure, ciphers: tlsCiphers, cipherSuites: tlsCipherSuites)
        }
        try config.tls?.checkFiles()
        if config.tls?.insecure == true {
            Terminal.warning("--insecure: the server's certificate and name are not checked; anyone on the path can read and change this session")
        }
        if let user { config.user = user }
        if let password {
            config.password = password
        } else if config.password == nil, let passwordFile {
            config.password = try PasswordFile.read(passwordFile)
        } else if config.password == nil, let env = environment["REDISCLI_AUTH"], !env.isEmpty {
            config.password = env
        }
        if passwordInArgv && !noAuthWarning {
            Terminal.warning("a password on the command line may not be safe (others can read argv); prefer REDISCLI_AUTH or --pass-file")
        }
        return config
    }
}
