import Foundation
import MemopsCLI
import MemopsTestSupport
import Testing

/// The repository root, from this file's path.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// man/ and completions/ are generated from the CLI and committed; these fail when they are
/// stale (scripts/gen-docs --check in scripts/test compares the man pages byte for byte too).
/// The completion scripts come from the built binary, the option list from an in-process run.
@Suite struct DocsTests {
    @Test(arguments: [("bash", "memops.bash"), ("zsh", "_memops"), ("fish", "memops.fish")])
    func completionScriptsAreCurrent(shell: String, file: String) throws {
        let generated = try MemopsProcess.run(["--generate-completion-script", shell])
        #expect(generated.status == 0)
        let committed = try Data(contentsOf: root.appendingPathComponent("completions").appendingPathComponent(file))
        #expect(generated.stdout == committed, "completions/\(file) is stale: run scripts/gen-docs")
    }

    @Test func everyCommandHasAManPageNamingEveryOption() throws {
        let dump = MemopsCommand.runCaptured(["--experimental-dump-help"])
        let info = try #require(try JSONSerialization.jsonObject(with: dump.stdout) as? [String: Any])
        var missing: [String] = []
        func visit(_ command: [String: Any], path: [String]) {
            let name = command["commandName"] as? String ?? "memops"
            let words = path + [name]
            let page = root.appendingPathComponent("man").appendingPathComponent(words.joined(separator: ".") + ".1")
            guard let text = try? String(contentsOf: page, encoding: .utf8) else {
                missing.append("man/\(page.lastPathComponent) (no page)")
                return
            }
            for argument in command["arguments"] as? [[String: Any]] ?? [] {
                guard let names = argument["names"] as? [[String: Any]],
                    let long = names.first(where: { $0["kind"] as? String == "long" })?["name"] as? String
                else { continue }
                // mdoc escapes hyphens in option names.
                if !text.contains(long) && !text.contains(long.replacingOccurrences(of: "-", with: "\\-")) {
                    missing.append("man/\(page.lastPathComponent): --\(long)")
                }
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                visit(sub, path: words)
            }
        }
        visit(try #require(info["command"] as? [String: Any]), path: [])
        #expect(missing.isEmpty, "stale man pages, run scripts/gen-docs: \(missing.joined(separator: ", "))")
    }
}
