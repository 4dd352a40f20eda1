import Foundation
import Testing
@testable import MemopsCore

/// The shared diagnostic printers, as `config lint` uses them.
@Suite struct ConfigLintDiagnosticTests {
    static let sample = [
        Diagnostic(.badBoolean, severity: .error, message: "appendonly takes yes or no", location: SourceLocation(file: "r.conf", line: 3, column: 12)),
        Diagnostic(.maxmemoryUnset, severity: .warning, message: "maxmemory is not set", location: SourceLocation(file: "r.conf", line: nil), key: "maxmemory"),
        Diagnostic(.configUnavailable, severity: .info, message: "CONFIG is renamed", key: "CONFIG"),
    ]

    @Test func compilerStyleText() {
        let text = DiagnosticPrinter.text(Self.sample, color: false)
        #expect(text == """
            r.conf:3:12: error: [RC105] appendonly takes yes or no
            r.conf: warning: [RC401] maxmemory is not set
            memops: CONFIG: info: [RC802] CONFIG is renamed

            """)
        #expect(DiagnosticPrinter.text(Self.sample, color: true).contains("\u{1b}[1;31merror:\u{1b}[0m"))
    }

    @Test func colourOnlyOnATerminalWithoutNoColor() {
        #expect(DiagnosticPrinter.colorAllowed(isTTY: true, environment: [:]))
        #expect(!DiagnosticPrinter.colorAllowed(isTTY: true, environment: ["NO_COLOR": ""]))
        #expect(!DiagnosticPrinter.colorAllowed(isTTY: false, environment: [:]))
    }

    @Test func severityOrder() {
        #expect(Severity.error > Severity.warning && Severity.warning > Severity.info && Severity.info > Severity.style)
        #expect(Severity.allCases.sorted(by: >) == [.error, .warning, .info, .style])
    }

    @Test func sarifLevelsAndLocations() throws {
        let log = try #require(try JSONSerialization.jsonObject(with: Data(DiagnosticPrinter.sarif(Self.sample, rules: ConfigLintRules.all).utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.map { $0["level"] as? String } == ["error", "warning", "note"])
        let first = try #require((results[0]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((first["region"] as? [String: Any])?["startColumn"] as? Int == 12)
        let third = try #require((results[2]["locations"] as? [[String: Any]])?.first?["logicalLocations"] as? [[String: Any]])
        #expect(third.first?["name"] as? String == "CONFIG")
    }

    @Test func jsonOmitsWhatIsUnknown() throws {
        let items = try #require(try JSONSerialization.jsonObject(with: Data(DiagnosticPrinter.json(Self.sample).utf8)) as? [[String: Any]])
        #expect(items[0]["column"] as? Int == 12 && items[0]["key"] == nil)
        #expect(items[1]["line"] == nil && items[1]["key"] as? String == "maxmemory")
        #expect(items[2]["file"] == nil)
    }
}
