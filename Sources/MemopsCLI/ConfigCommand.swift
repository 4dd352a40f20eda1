import ArgumentParser

extension MemopsCommand {
    /// `memops config …`: check redis.conf files and running configurations.
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Check redis.conf files and a running server's configuration.",
            subcommands: [Lint.self, Rules.self, Explain.self]
        )
    }
}
