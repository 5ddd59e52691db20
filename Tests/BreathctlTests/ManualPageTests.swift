import BreathTestSupport
import Foundation
import Testing

/// The manual pages as `make` builds them (scripts/make-man): breathctl(1) and breathd(8) from
/// the command definitions by swift-argument-parser's generate-manual, breathd.toml(5) from the
/// schema; scripts/check-man renders each with `groff -ww` and `man -l` and finds it by name.
/// Needs generate-manual-tool beside the binaries (`swift build --product generate-manual`, which
/// `make check-units` and `make man` run).
@Suite(.enabled(if: ["generate-manual-tool", "generate-manual"].contains { FileManager.default.isExecutableFile(atPath: TestPaths.binary($0)) } && programExists("groff")))
struct ManualPageTests {
    @Test func pagesAreGeneratedAndRenderWithoutWarnings() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let script = TestPaths.repositoryRoot.appendingPathComponent("scripts")
        let made = try await ChildProcess.run(script.appendingPathComponent("make-man").path, [TestPaths.binDirectory.path, directory.path])
        #expect(made.status == 0, "\(made.stderr)")
        let checked = try await ChildProcess.run(script.appendingPathComponent("check-man").path, [directory.path])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stdout.components(separatedBy: "man ok:").count == 4, "\(checked.stdout)")

        let breathctl = try String(contentsOfFile: directory.path + "/man1/breathctl.1", encoding: .utf8)
        #expect(breathctl.contains(".Dt BREATHCTL 1"))
        for command in ["status", "watch", "start", "stop", "pause", "resume", "set", "assess", "history", "session", "export",
                        "report", "notify", "analyze", "sensor", "simulate", "render", "play"] {
            #expect(breathctl.contains(command), "\(command)")
        }
        #expect(breathctl.contains("verbose"))
        #expect(breathctl.contains("30-70"))
        let breathd = try String(contentsOfFile: directory.path + "/man8/breathd.8", encoding: .utf8)
        #expect(breathd.contains(".Dt BREATHD 8"))
        #expect(breathd.contains("check-config"))
        #expect(!breathd.contains("print-config-manual"), "the hidden flag stays out of the manual")
        let toml = try String(contentsOfFile: directory.path + "/man5/breathd.toml.5", encoding: .utf8)
        #expect(toml.contains(".Dt BREATHD.TOML 5"))
    }
}
