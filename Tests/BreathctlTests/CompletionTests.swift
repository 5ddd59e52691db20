import Testing

/// `make completions` writes what swift-argument-parser generates; every shell gets every command.
@Suite struct CompletionTests {
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsNameEveryCommand(shell: String) async throws {
        let result = try await ClientProcess.run(["--generate-completion-script", shell])
        #expect(result.status == 0)
        for command in ["status", "watch", "start", "stop", "pause", "resume", "set", "history", "session", "export"] {
            #expect(result.stdout.contains(command))
        }
        #expect(result.stdout.contains("glide"), "voice values complete")
    }
}
