import ArgumentParser
import BreathctlCore

@main
struct Breathctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breathctl",
        abstract: "Control and inspect breathd, the breathing biofeedback daemon.",
        discussion: """
            The daemon's commands talk to it over its socket (--socket PATH or $BREATHD_SOCKET; \
            protocol in docs/protocol.md). Without a running daemon, `history`, `session`, `export` \
            and `report` read its history file (read-only); `analyze` computes HRV and coherence for \
            a recording; `sensor` and `simulate` read and fake a heart-rate sensor; `render` and \
            `play` make the pacer's sound.
            """,
        version: BreathctlSubcommands.release,
        subcommands: BreathctlSubcommands.daemon + BreathctlSubcommands.offline
    )

    /// breathctl(1)'s EXIT STATUS section from `BreathctlSubcommands.exitStatuses`, for `make`
    /// (hidden: not for users).
    @Flag(help: .hidden)
    var printExitStatusManual = false

    func run() async throws {
        guard printExitStatusManual else { throw CleanExit.helpRequest(self) }
        print(BreathctlSubcommands.exitStatuses.mdoc(), terminator: "")
    }
}
