import Foundation

/// Where and how to reach a Redis server. Built once from flags, environment and URL by the CLI;
/// the password never appears in `description` or any message.
public struct ConnectionConfig: Sendable, Equatable, CustomStringConvertible {
    /// A TCP host and port, or a unix socket path.
    public enum Address: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    public var address: Address
    public var db: Int
    public var user: String?
    public var password: String?
    /// Seconds allowed to establish the connection.
    public var connectTimeout: Double
    /// Seconds allowed for any one reply.
    public var commandTimeout: Double
    /// TLS over the connection; nil for plain TCP or a unix socket.
    public var tls: TLSOptions?
    /// What the command takes the server for: the whole dataset (the default: a Redis Cluster
    /// node or a Sentinel is refused at connect, since either would make the command see only
    /// part of the data, or none), or this one node alone (`--node-only`, and config lint).
    public var scope: Scope = .dataset

    public enum Scope: Sendable, Equatable {
        case dataset, node
    }

    public init(
        address: Address = .tcp(host: "127.0.0.1", port: 6379), db: Int = 0, user: String? = nil,
        password: String? = nil, connectTimeout: Double = 5, commandTimeout: Double = 30, tls: TLSOptions? = nil
    ) {
        self.tls = tls
        self.address = address
        self.db = db
        self.user = user
        self.password = password
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// `host:port` or the socket path, with `/db` when not 0; never the password.
    public var description: String {
        let base: String
        switch address {
        case .tcp(let host, let port): base = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): base = path
        }
        return db == 0 ? base : "\(base)/\(db)"
    }

    /// Parses `redis://[user[:password]@]host[:port][/db]`, `rediss://…` (the same over TLS) or
    /// `unix://[user[:password]@]/path[?db=N]`, following redis-cli's `-u`. Fields the URL
    /// leaves out keep their value from `base`.
    public static func parse(url: String, base: ConnectionConfig = ConnectionConfig()) throws(ConnectionURLError)
        -> ConnectionConfig
    {
        var config = base
        guard let separator = url.range(of: "://") else {
            throw .invalid(url, "it has no scheme; write redis://host:port or unix:///path/to/redis.sock")
        }
        let scheme = url[..<separator.lowerBound].lowercased()
        var rest = url[separator.upperBound...]
        switch scheme {
        case "redis", "unix": break
        case "rediss":
            if config.tls == nil { config.tls = TLSOptions() }
        default:
            throw .invalid(url, "unknown scheme \"\(scheme)\"; use redis://, rediss://, unix:// or redis-sentinel://")
        }
        let query = takeQuery(&rest)
        takeUserinfo(&rest, into: &config)
        if scheme == "unix" {
            let path = percentDecode(rest)
            guard path.hasPrefix("/") else {
                throw .invalid(url, "a unix socket URL needs an absolute path, e.g. unix:///run/redis/redis.sock")
            }
            config.address = .unix(path: path)
        } else {
            try parseHostPortDB(rest, url: url, base: base, into: &config)
        }
        if let dbText = query["db"] {
            guard let db = Int(dbText), db >= 0 else {
                throw .invalid(url, "db=\(dbText) is not a number")
            }
            config.db = db
        }
        return config
    }

    /// The query string's pairs, removed from `rest`: only db= is used (redis-cli ignores the rest).
    private static func takeQuery(_ rest: inout Substring) -> [String: String] {
        var query: [String: String] = [:]
        guard let q = rest.firstIndex(of: "?") else { return query }
        for pair in rest[rest.index(after: q)...].split(separator: "&") {
            // "?=", "?db" and "?=x" are pairs too: an empty name or value, never a missing one.
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            query[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        rest = rest[..<q]
        return query
    }

    /// The user and password before the last "@" (passwords may contain "@"), removed from `rest`.
    private static func takeUserinfo(_ rest: inout Substring, into config: inout ConnectionConfig) {
        guard let at = rest.lastIndex(of: "@") else { return }
        let userinfo = rest[..<at]
        rest = rest[rest.index(after: at)...]
        if let colon = userinfo.firstIndex(of: ":") {
            let user = percentDecode(userinfo[..<colon])
            config.user = user.isEmpty ? nil : user
            config.password = percentDecode(userinfo[userinfo.index(after: colon)...])
        } else if !userinfo.isEmpty {
            // redis-cli treats a lone userinfo as the password.
            config.password = percentDecode(userinfo)
        }
    }

    /// `host[:port][/db]` or `[ipv6][:port][/db]`; what it leaves out keeps `base`'s value.
    private static func parseHostPortDB(_ rest: Substring, url: String, base: ConnectionConfig, into config: inout ConnectionConfig)
        throws(ConnectionURLError)
    {
        var hostport = rest
        if let slash = rest.firstIndex(of: "/") {
            hostport = rest[..<slash]
            let dbText = rest[rest.index(after: slash)...]
            if !dbText.isEmpty {
                guard let db = Int(dbText), db >= 0 else {
                    throw .invalid(url, "database \"\(dbText)\" is not a number; write /0, /1, …")
                }
                config.db = db
            }
        }
        var host = String(hostport)
        var port: Int? = nil
        if host.hasPrefix("[") {  // [ipv6]:port
            guard let close = host.firstIndex(of: "]") else {
                throw .invalid(url, "unclosed [ in an IPv6 address")
            }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                port = Int(after.dropFirst()) ?? -1
            } else if !after.isEmpty {
                throw .invalid(url, "\"\(after)\" after an IPv6 address; write [addr]:port")
            }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            port = Int(host[host.index(after: colon)...]) ?? -1
            host = String(host[..<colon])
        }
        if let port, !(1...65535).contains(port) {
            throw .invalid(url, "the port must be a number from 1 to 65535")
        }
        var (baseHost, basePort) = ("127.0.0.1", 6379)
        if case .tcp(let h, let p) = base.address { (baseHost, basePort) = (h, p) }
        config.address = .tcp(host: host.isEmpty ? baseHost : host, port: port ?? basePort)
    }

    private static func percentDecode<S: StringProtocol>(_ s: S) -> String {
        String(s).removingPercentEncoding ?? String(s)
    }
}

/// A `-u` URL memops cannot use, with what to write instead.
public enum ConnectionURLError: MemopsError, Equatable {
    case invalid(String, String)

    public var exitStatus: ExitStatus { .usage }

    public var description: String {
        switch self {
        case .invalid(let url, let why):
            return "invalid Redis URL \"\(ConnectionURLError.redact(url))\": \(why)"
        }
    }

    /// The URL with any password replaced by `***`, safe to print.
    static func redact(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url.lastIndex(of: "@"), at > scheme.upperBound else {
            return url
        }
        let userinfo = url[scheme.upperBound..<at]
        if let colon = userinfo.firstIndex(of: ":") {
            return String(url[..<colon]) + ":***" + String(url[at...])
        }
        return String(url[..<scheme.upperBound]) + "***" + String(url[at...])
    }
}
