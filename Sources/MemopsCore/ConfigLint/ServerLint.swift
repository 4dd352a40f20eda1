import Foundation

/// What linting a running server found, and what could not be checked.
public struct ServerLintReport: Sendable {
    public var diagnostics: [Diagnostic]
    /// Things the caller should tell the user once (drift not checked without CONFIG GET).
    public var warnings: [String]
    /// The running configuration (CONFIG GET *); nil when CONFIG is not allowed.
    public var values: [String: String]? = nil
}

extension ConfigLinter {
    /// Lints the settings a running server uses (`CONFIG GET *`, or what INFO shows when CONFIG
    /// is not allowed), with the directive table of its own version unless `options` names one,
    /// and with `drift`, the differences between that file and the running values.
    public static func lintServer(_ connection: ConnectionConfig, options: ConfigLintOptions, drift: String? = nil) throws -> ServerLintReport {
        var options = options
        // A node's configuration is its own, in a cluster too.
        var node = connection
        node.scope = .node
        let redis = try RedisConnection(node)
        let info = try redis.info("all")
        if options.targetVersion == nil {
            // Valkey reports redis_version 7.2.4 for compatibility and its own valkey_version.
            if info["server_name"] == "valkey", let v = info["valkey_version"] {
                options.targetVersion = "valkey-" + v
            } else {
                options.targetVersion = info["redis_version"]
            }
        }
        let isLocal: Bool
        switch connection.address {
        case .unix: isLocal = true
        case .tcp(let host, _): isLocal = ["127.0.0.1", "localhost", "::1"].contains(host)
        }
        let linter = try ConfigLinter(options: options)
        var values: [String: String] = [:]
        do {
            let items = try redis.command("CONFIG", "GET", "*").elements ?? []
            for i in stride(from: 0, to: items.count - 1, by: 2) {
                if let k = items[i].string, let v = items[i + 1].string { values[k] = v }
            }
        } catch {
            guard case .permission = error else { throw error }
            var warnings: [String] = []
            if let drift { warnings.append("\(CLIFlag.drift) \(drift) needs CONFIG GET, which this server does not allow; drift not checked") }
            let unavailable = Diagnostic(
                .configUnavailable,
                message: "CONFIG GET is not available on \(connection.description) (\(error.description)); linting only what INFO shows", key: "CONFIG")
            let report = linter.lint(running: configFromInfo(info), isLocal: isLocal, complete: false)
            return ServerLintReport(diagnostics: ([unavailable] + report.diagnostics).filter { !options.disabled.contains($0.rule) }, warnings: warnings)
        }
        var diagnostics = linter.lint(running: values, isLocal: isLocal).diagnostics
        if let drift {
            let fileReport = try linter.lint(file: drift)
            diagnostics += linter.drift(file: fileReport, running: values, fileName: drift)
        }
        return ServerLintReport(diagnostics: diagnostics, warnings: [], values: values)
    }
}
