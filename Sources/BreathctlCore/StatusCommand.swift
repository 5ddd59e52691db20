import BreathClient
import ArgumentParser
import BreathProtocol

struct StatusCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what breathd is doing: session, pacer, heart, coherence, sensor and audio.",
        discussion: "With --json, prints the daemon's STATUS object (docs/protocol.md) as one line."
    )

    @OptionGroup var daemon: DaemonOptions

    @Flag(help: "Print the STATUS object as the daemon sent it.")
    var json = false

    var wantsJSON: Bool { json }

    func run(with client: DaemonClient) throws(CommandFailure) {
        let (status, line) = try client.status()
        StandardOutput.write(json ? line + "\n" : StatusText.render(status))
    }
}
