import Foundation
import Testing

/// `make completions` writes what swift-argument-parser generates; every shell gets every command,
/// the values that can be listed, and a call back into breathctl for those that depend on what was
/// typed (set's VALUE) or on the daemon (session ids).
@Suite(.timeLimit(.minutes(1))) struct CompletionTests {
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsNameEveryCommand(shell: String) async throws {
        let result = try await ClientProcess.run(["--generate-completion-script", shell])
        #expect(result.status == 0)
        for command in ["status", "watch", "start", "stop", "pause", "resume", "set", "history", "session", "export"] {
            #expect(result.stdout.contains(command))
        }
        #expect(result.stdout.contains("glide"), "voice values complete")
    }

    /// set's VALUE, the session of session/export/report: completed by breathctl itself; report's
    /// and render's --output: files of their formats.
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsCallBackForValuesAndCompleteFiles(shell: String) async throws {
        let script = try await ClientProcess.run(["--generate-completion-script", shell]).stdout
        for call in [
            "---completion set -- positional@1", "---completion session -- positional@0",
            "---completion export -- positional@0", "---completion report -- positional@0",
        ] {
            #expect(script.contains(call), "\(shell): \(call)")
        }
        for pattern in ["svg", "png", "wav"] {
            #expect(script.contains(pattern), "\(shell): --output completes .\(pattern) files")
        }
    }

    @Test func setCompletesTheValuesOfItsKey() async throws {
        let voice = try await complete(["set", "--", "positional@1"], words: ["breathctl", "set", "voice", ""])
        #expect(voice == ["glide", "bowl", "noise", "off"])
        let narrowed = try await complete(["set", "--", "positional@1"], words: ["breathctl", "set", "voice", "b"])
        #expect(narrowed == ["bowl"])
        let rate = try await complete(["set", "--", "positional@1"], words: ["breathctl", "set", "rate", ""])
        #expect(rate == ["resonance"])
    }

    @Test(arguments: ["session", "export", "report"])
    func sessionIdsComeFromTheDaemonAndLastAlways(command: String) async throws {
        let missing = "/tmp/breathctl-test-\(getpid())-none.sock"
        let offline = try await complete([command, "--", "positional@0"], words: ["breathctl", command, ""],
            environment: ["BREATHD_SOCKET": missing])
        #expect(offline == ["last"])
        let (fromEnvironment, fromOption) = try await ServedSocket().serve { socket in
            (
                try await complete([command, "--", "positional@0"], words: ["breathctl", command, ""],
                    environment: ["BREATHD_SOCKET": socket.path]),
                try await complete([command, "--", "positional@0"], words: ["breathctl", command, "--socket", socket.path, ""],
                    environment: ["BREATHD_SOCKET": missing])
            )
        }
        // The scripted daemon's history holds sessions 13 and 12, newest first.
        #expect(fromEnvironment == ["last", "13", "12"])
        #expect(fromOption == ["last", "13", "12"])
    }

    /// What the shells run: `breathctl ---completion SUBCOMMAND -- ARGUMENT INDEX CURSOR WORDS...`,
    /// completing the last word.
    private func complete(_ target: [String], words: [String], environment: [String: String] = [:]) async throws -> [String] {
        let last = words.count - 1
        let result = try await ClientProcess.run(
            ["---completion"] + target + [String(last), String(words[last].count)] + words, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }
}
