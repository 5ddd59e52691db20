@testable import BreathConfig
import BreathProtocol
import BreathTestSupport
import Foundation
import Testing

/// breathd.toml(5) is written from the schema: every key with its comment, what it accepts and
/// its default, as mdoc that groff renders without a warning.
@Suite struct ConfigurationManualTests {
    let page = ConfigurationManual.render()

    @Test func everyKeyIsDocumentedWithCommentRangeAndDefault() {
        #expect(page.hasPrefix(".Dd "))
        #expect(page.contains(".Dt BREATHD.TOML 5\n"))
        let defaults = Configuration(environment: [:])
        for section in ConfigurationSchema.sections {
            #expect(page.contains(".Ss [\(section)]\n"), "[\(section)]")
        }
        for key in ConfigurationSchema.keys {
            #expect(page.contains(".It Cm \(key.name)\n\(ConfigurationManual.text(key.comment))\n"), "\(key.qualifiedName)")
            #expect(page.contains("Accepts \(key.accepted).\n"), "\(key.qualifiedName)")
            let value = key.accepted == ConfigurationSchema.pathAccepted ? "\"\"" : key.render(defaults)
            #expect(page.contains("Default: \(key.name) = \(value)\n"), "\(key.qualifiedName)")
        }
        // The ranges as the parser checks them, in their one wording.
        #expect(page.contains("Accepts a number from 4.0 to 7.0 breaths per minute, or \"resonance\"."))
        #expect(page.contains("Accepts \"INHALE:EXHALE\" with the inhale 30-70 % of the breath."))
        #expect(page.contains("Accepts a whole number from 8000 to 192000 Hz."))
        #expect(page.contains("Default: rate = 5.5\n"))
    }

    @Test(.enabled(if: programExists("groff"))) func groffRendersItWithoutWarnings() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write(page, to: "breathd.toml.5")
        let checked = try ChildProcess.run("/usr/bin/groff", ["-ww", "-mandoc", "-z", file])
        #expect(checked.status == 0)
        #expect(checked.stderr.isEmpty, "\(checked.stderr)")
        let text = try ChildProcess.run("/usr/bin/groff", ["-mandoc", "-Tutf8", "-P-c", file])
        #expect(text.stdout.contains("BREATHD.TOML(5)"))
        #expect(text.stdout.contains("sample_rate"))
    }
}
