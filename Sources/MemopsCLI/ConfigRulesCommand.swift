import ArgumentParser
import MemopsCore

extension MemopsCommand.Config {
    /// `memops config rules`: every lint rule with its id, severity and title.
    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rules",
            abstract: "List the config lint rules (id, default severity, title)."
        )

        func run() throws {
            var text = ""
            for rule in ConfigLintRules.all {
                let off = ConfigLintRules.offByDefault.contains(rule.id) ? "  (off by default)" : ""
                text += "\(rule.id)  \(rule.severity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))\(rule.title)\(off)\n"
            }
            Terminal.write(text)
        }
    }

    /// `memops config explain RC201`: why a rule exists and how to fix what it reports.
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "explain",
            abstract: "Explain one config lint rule: what it checks, why it matters, how to fix it."
        )

        @Argument(help: "A rule id, e.g. RC201.")
        var rule: String

        func run() throws {
            guard let r = ConfigLintRules.rule(rule) else { throw ConfigLintError.unknownRule(rule) }
            Terminal.write("\(r.id): \(r.title)\nseverity: \(r.severity.rawValue)\n\nwhy: \(r.why)\n\nfix: \(r.fix)\n")
        }
    }
}
