import Foundation

/// How to find a master through Redis Sentinel: the sentinels to ask, the name they monitor it
/// by, and the sentinels' own credentials (the data nodes' come from the connection).
public struct SentinelSpec: Sendable, Equatable {
    public var sentinels: [ConnectionConfig.Address]
    public var masterName: String
    public var user: String?
    public var password: String?

    public init(sentinels: [ConnectionConfig.Address], masterName: String, user: String? = nil, password: String? = nil) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.user = user
        self.password = password
    }

    /// The default Sentinel port.
    public static let defaultPort = 26379

    /// Parses `host:port`, `[ipv6]:port` or `host` (port 26379) as `--sentinel` takes it.
    public static func address(_ text: String) -> ConnectionConfig.Address? {
        var host = text
        var port = defaultPort
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { return nil }
                port = p
            }
        } else if let colon = text.lastIndex(of: ":") {
            guard let p = Int(text[text.index(after: colon)...]) else { return nil }
            host = String(text[..<colon])
            port = p
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        return .tcp(host: host, port: port)
    }
}

/// What the sentinels said: the master, and the replicas they consider healthy.
public struct SentinelView: Sendable, Equatable {
    public var master: ConnectionConfig.Address
    public var replicas: [ConnectionConfig.Address]
    /// The sentinel that answered.
    public var answeredBy: String
}

/// Asks sentinels for a master, as the Sentinel client guidelines describe: each sentinel in
/// turn, `SENTINEL GET-MASTER-ADDR-BY-NAME`, then the master itself must say `ROLE` master (a
/// sentinel may not have seen a failover yet); `SENTINEL REPLICAS` lists the replicas, of
/// which those not down and with their link up are kept.
public enum SentinelResolver {
    public static func resolve(_ spec: SentinelSpec, base: ConnectionConfig) throws -> SentinelView {
        var reasons: [String] = []
        for address in spec.sentinels {
            var config = base
            config.address = address
            config.db = 0
            config.user = spec.user
            config.password = spec.password
            config.scope = .node
            let name = config.description
            do throws(RedisError) {
                let sentinel = try RedisConnection(config)
                let reply = try sentinel.command([Word.sentinel, Word.getMasterAddrByName, Array(spec.masterName.utf8)])
                guard let parts = reply.elements, parts.count == 2, let host = parts[0].string, let port = parts[1].integer.map(Int.init) else {
                    reasons.append("\(name) monitors no master named \(spec.masterName)")
                    continue
                }
                let master = ConnectionConfig.Address.tcp(host: host, port: port)
                var replicas: [ConnectionConfig.Address] = []
                if let list = try? sentinel.command([Word.sentinel, Word.replicas, Array(spec.masterName.utf8)]).elements {
                    for entry in list {
                        let f = entry.fieldMap.compactMapValues(\.string)
                        let flags = f["flags"] ?? ""
                        guard let ip = f["ip"], let p = f["port"].flatMap({ Int($0) }), f["master-link-status"] == "ok",
                              !flags.contains("down"), !flags.contains("disconnected") else { continue }
                        replicas.append(.tcp(host: ip, port: p))
                    }
                }
                // The master must agree that it is one: right after a failover a sentinel may
                // still name the old master.
                var masterConfig = base
                masterConfig.address = master
                masterConfig.scope = .node
                masterConfig.db = 0
                let role = try RedisConnection(masterConfig).command("ROLE").elements?.first?.string
                guard role == "master" else {
                    reasons.append("\(name) named \(masterConfig.description), which says it is a \(role ?? "server of unknown role")")
                    continue
                }
                return SentinelView(master: master, replicas: replicas, answeredBy: name)
            } catch {
                if case .authentication = error {
                    reasons.append("\(name) refused the login (set \(CLIFlag.sentinelUser) and \(CLIFlag.sentinelPassFile) for the sentinels' own credentials)")
                } else {
                    reasons.append(error.description)
                }
            }
        }
        throw TopologyError.noMaster(name: spec.masterName, reasons: reasons)
    }

    /// The names of the masters a sentinel monitors (for the error when one is given as a
    /// data node).
    public static func masterNames(_ sentinel: RedisConnection) -> [String] {
        guard let list = try? sentinel.command([Word.sentinel, Word.masters]).elements else { return [] }
        return list.compactMap { $0.fieldMap["name"]?.string }.sorted()
    }
}

extension SentinelSpec {
    /// Whether `url` is a Sentinel URL (`redis-sentinel://` or, over TLS, `rediss-sentinel://`).
    public static func isSentinelURL(_ url: String) -> Bool {
        let lower = url.lowercased()
        return lower.hasPrefix("redis-sentinel://") || lower.hasPrefix("rediss-sentinel://")
    }

    /// Parses `redis-sentinel://[user[:password]@]host[:port][,host[:port]…]/MASTER[/db]` (the
    /// form Lettuce and RIOT use; `rediss-sentinel://` for TLS). The user and password are the
    /// data nodes' (as in `redis://`); the sentinels' own come from their options. Fields the
    /// URL leaves out keep `base`'s values.
    public static func parse(url: String, base: ConnectionConfig) throws(ConnectionURLError) -> (ConnectionConfig, SentinelSpec) {
        guard let separator = url.range(of: "://") else { throw .invalid(url, "it has no scheme") }
        var config = base
        if url[..<separator.lowerBound].lowercased() == "rediss-sentinel", config.tls == nil { config.tls = TLSOptions() }
        var rest = url[separator.upperBound...]
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                let user = String(userinfo[..<colon]).removingPercentEncoding ?? String(userinfo[..<colon])
                config.user = user.isEmpty ? nil : user
                let password = userinfo[userinfo.index(after: colon)...]
                config.password = String(password).removingPercentEncoding ?? String(password)
            } else if !userinfo.isEmpty {
                config.password = String(userinfo).removingPercentEncoding ?? String(userinfo)
            }
        }
        let path = rest.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard path.count >= 2, !path[1].isEmpty else {
            throw .invalid(url, "it names no master; write redis-sentinel://host:26379/MASTER (the name in sentinel monitor)")
        }
        var sentinels: [ConnectionConfig.Address] = []
        for part in path[0].split(separator: ",") {
            guard let address = SentinelSpec.address(String(part)) else {
                throw .invalid(url, "\"\(part)\" is not host:port")
            }
            sentinels.append(address)
        }
        guard !sentinels.isEmpty else { throw .invalid(url, "it names no sentinel; write redis-sentinel://host:26379/MASTER") }
        let master = String(path[1]).removingPercentEncoding ?? String(path[1])
        if path.count == 3, !path[2].isEmpty {
            guard let db = Int(path[2]), db >= 0 else { throw .invalid(url, "database \"\(path[2])\" is not a number") }
            config.db = db
        }
        return (config, SentinelSpec(sentinels: sentinels, masterName: master))
    }
}
