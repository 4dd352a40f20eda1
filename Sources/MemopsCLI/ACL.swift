import ArgumentParser
import MemopsCore

extension LeastPrivilege.Task: ExpressibleByArgument {}
extension LeastPrivilege.Topology: ExpressibleByArgument {}

extension MemopsCommand {
    /// The ACL section of a command's help and man page: the least rules for each of its tasks.
    static func aclSection(_ tasks: LeastPrivilege.Task...) -> String {
        var lines = ["ACL (the least rules for the seed schema; memops acl TASK prints the ACL SETUSER line)"]
        for task in tasks {
            lines.append("  \(task.rawValue): \(LeastPrivilege([task]).rules.joined(separator: " "))")
        }
        return lines.joined(separator: "\n")
    }
}

extension MemopsCommand {
    /// `memops acl TASK…`: the ACL SETUSER line for a user that may run exactly those tasks.
    struct ACL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "acl",
            abstract: "Print the ACL SETUSER line for a user that may run exactly the given memops tasks.",
            discussion: """
                Each task is what one memops command sends; the rules are the least it needs (for the \
                schema's indexes: --schema names another), and a \
                user with exactly them can run it (the test suite checks each rule against a real \
                server). The line has no password: append >password (or #sha256-of-it) before running \
                it, or set one after with ACL SETUSER NAME >password.

                TASKS
                \(LeastPrivilege.Task.allCases.map { "  \($0.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0))\(LeastPrivilege([$0]).rules.joined(separator: " "))" }.joined(separator: "\n"))

                --topology cluster adds what a Redis Cluster needs (the slot map and state: +cluster|shards \
                +cluster|slots +cluster|info +cluster|nodes; +asking to follow a slot on the move; \
                +client|pause +client|unpause for backup --consistent); --topology sentinel adds +role \
                (memops checks that the master the sentinels named is one). The sentinels' own user \
                (--sentinel-user) needs \(LeastPrivilege.sentinelRules.joined(separator: " ")).

                restore rebuilds a key larger than the server's proto-max-bulk-len with plain writes \
                (HSET, RPUSH, SADD, ZADD, XADD, …): grant +@write for backups that hold such keys.

                EXAMPLES
                  memops acl backup --user memops-backup
                  memops acl audit estimate --user memops-report | redis-cli -p 6380
                """
        )

        @Argument(help: ArgumentHelp("The tasks the user may do.", valueName: "task"))
        var tasks: [LeastPrivilege.Task]

        @Option(help: ArgumentHelp("The ACL user's name.", valueName: "name"))
        var user: String = "memops"

        @OptionGroup var schemaOption: SchemaOption

        @Option(help: "Where the server stands: standalone, cluster (a Redis Cluster node) or sentinel (found through Sentinel).")
        var topology: LeastPrivilege.Topology = .standalone

        func validate() throws {
            if tasks.isEmpty { throw ValidationError("name at least one task: \(LeastPrivilege.Task.allCases.map(\.rawValue).joined(separator: ", "))") }
            if user.isEmpty || user.contains(where: \.isWhitespace) { throw ValidationError("--user must be one word, not \"\(user)\"") }
        }

        func run() throws {
            Terminal.write(LeastPrivilege(tasks, schema: try schemaOption.load(), topology: topology).setUser(user) + "\n")
        }
    }
}
