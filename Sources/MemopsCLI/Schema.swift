import ArgumentParser
import Foundation
import MemopsCore

extension MemopsCommand {
    /// `memops schema`: the key schema audit and prune check against.
    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schema",
            abstract: "Show the key schema that audit and prune enforce.",
            subcommands: [Show.self]
        )

        /// `memops schema show [--json] [--schema FILE]`.
        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the schema: key patterns, types, TTL policies, fields, stream policies, references.",
                discussion: """
                    Without --schema this is the built-in seed schema. --json prints it in the format --schema \
                    reads, so `memops schema show --json > schema.json` is the starting point for another deployment.
                    """
            )

            @Flag(help: "Print JSON (the --schema file format).")
            var json = false

            @OptionGroup var schemaOption: SchemaOption

            func run() throws {
                let schema = try schemaOption.load()
                Terminal.write(json ? schema.json() : schema.text())
            }
        }
    }
}

/// `--schema FILE`, shared by schema show, audit, prune, estimate and sample-data.
struct SchemaOption: ParsableArguments {
    @Option(name: .customLong(CLIFlag.schema.rawValue), help: ArgumentHelp("A JSON schema file replacing the built-in seed schema.", valueName: "file"))
    var path: String?

    /// The schema to use: the file's, or the seed.
    func load() throws -> MemopsCore.Schema {
        guard let path else { return .seed }
        return try MemopsCore.Schema.load(path: path)
    }
}
