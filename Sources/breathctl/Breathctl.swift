import ArgumentParser
import BreathctlCore

@main
struct Breathctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breathctl",
        abstract: "Control and inspect breathd, the breathing biofeedback daemon.",
        discussion: """
            The daemon's commands talk to it over its socket (--socket PATH or $BREATHD_SOCKET; \
            protocol in docs/protocol.md). Offline tools work without the daemon: `analyze` computes \
            HRV and coherence for a recording of RR intervals, `sensor` and `simulate` read and fake \
            a heart-rate sensor.
            """,
        version: BreathctlSubcommands.release,
        subcommands: BreathctlSubcommands.daemon + BreathctlSubcommands.offline
    )
}
