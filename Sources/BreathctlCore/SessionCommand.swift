import BreathClient
import ArgumentParser
import BreathProtocol

struct SessionCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Show one session: its summary and charts of heart rate and coherence.",
        discussion: "--json prints the daemon's SESSION object, every beat included."
    )

    @OptionGroup var daemon: DaemonOptions

    @Argument(
        help: ArgumentHelp("A session id from `breathctl history`, or `last`.", valueName: "id|last"),
        completion: .custom(CompletionValues.sessionReferences))
    var session: SessionReference

    @Flag(help: "Print the SESSION object as the daemon sent it.")
    var json = false

    var wantsJSON: Bool { json }

    func run(with client: DaemonClient) throws(CommandFailure) {
        let (recorded, line) = try client.session(session)
        StandardOutput.write(json ? line + "\n" : SessionText.render(recorded))
    }
}
