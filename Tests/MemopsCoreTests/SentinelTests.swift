import Foundation
import MemopsTestSupport
import Testing
@testable import MemopsCore

/// Finding the master through real sentinels: the URL form and the options, a sentinel that is
/// down, a failover, and sentinels with their own password.
@Suite(.serialized) struct SentinelTests {
    @Test func theURLNamesSentinelsMasterAndDatabase() throws {
        let (config, spec) = try SentinelSpec.parse(url: "redis-sentinel://app:s%40cret@10.0.0.1:26380,[::1],host/cache/3", base: ConnectionConfig())
        #expect(spec.sentinels == [.tcp(host: "10.0.0.1", port: 26380), .tcp(host: "::1", port: 26379), .tcp(host: "host", port: 26379)])
        #expect(spec.masterName == "cache" && config.db == 3 && config.user == "app" && config.password == "s@cret" && config.tls == nil)
        #expect(try SentinelSpec.parse(url: "rediss-sentinel://h/m", base: ConnectionConfig()).0.tls != nil)
        for bad in ["redis-sentinel://h:1", "redis-sentinel://h:1/", "redis-sentinel:///m", "redis-sentinel://h:x/m", "redis-sentinel://h/m/x"] {
            #expect(throws: ConnectionURLError.self, "\(bad)") { try SentinelSpec.parse(url: bad, base: ConnectionConfig()) }
        }
    }

    @Test func theMasterIsFoundAndFollowedThroughAFailover() throws {
        let set = try SentinelSet(replicas: 1, sentinels: 3)
        // The first sentinel listed is down: the next one answers.
        let dead = try RedisServerProcess.freePort()
        let (config, spec) = try SentinelSpec.parse(
            url: "redis-sentinel://127.0.0.1:\(dead)," + set.sentinels.map { "127.0.0.1:\($0.port)" }.joined(separator: ",") + "/mymaster",
            base: ConnectionConfig(connectTimeout: 1))
        let deployment = try Deployment.resolve(ServerTarget(config: config, sentinel: spec))
        #expect(deployment.base.address == .tcp(host: "127.0.0.1", port: set.master.port))
        guard case .sentinel(_, let replicas) = deployment.kind else { Issue.record("not a Sentinel deployment"); return }
        #expect(replicas == [.tcp(host: "127.0.0.1", port: set.replicas[0].port)])

        let port = try set.failover()
        #expect(port == set.replicas[0].port)
        let after = try Deployment.resolve(ServerTarget(config: config, sentinel: spec))
        #expect(after.base.address == .tcp(host: "127.0.0.1", port: port))

        var unknown = spec
        unknown.masterName = "nosuch"
        #expect {
            try Deployment.resolve(ServerTarget(config: config, sentinel: unknown))
        } throws: { error in
            guard let e = error as? TopologyError, case .noMaster = e else { return false }
            return e.exitStatus == .connection && e.description.contains("monitors no master named nosuch") && e.description.contains("--master-name")
        }
    }

    @Test func sentinelsWithTheirOwnPassword() throws {
        let master = try RedisServerProcess()
        let sentinel = try SentinelProcess(monitoring: master, extra: ["requirepass sentinel-secret"])
        let spec = SentinelSpec(sentinels: [.tcp(host: "127.0.0.1", port: sentinel.port)], masterName: "mymaster")
        #expect {
            try Deployment.resolve(ServerTarget(config: ConnectionConfig(), sentinel: spec))
        } throws: { error in
            String(describing: error).contains("--sentinel-pass-file")
        }
        var withPassword = spec
        withPassword.password = "sentinel-secret"
        let deployment = try Deployment.resolve(ServerTarget(config: ConnectionConfig(), sentinel: withPassword))
        #expect(deployment.base.address == .tcp(host: "127.0.0.1", port: master.port))
    }
}
