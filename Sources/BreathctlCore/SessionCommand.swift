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

    @Argument(help: ArgumentHelp("A session id from `breathctl history`, or `last`.", valueName: "id|last"))
    var session: SessionReference

    @Flag(help: "Print the SESSION object as the daemon sent it.")
    var json = false

    func run(with client: DaemonClient) throws(CommandFailure) {
        let reply = try client.request(.session(session))
        guard case .session(let recorded) = reply.message else { throw .unexpected(reply, to: .session) }
        StandardOutput.write(json ? reply.line + "\n" : SessionText.render(recorded))
    }
}
