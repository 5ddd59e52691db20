import BreathClient
import ArgumentParser
import BreathProtocol

struct SessionCommand: HistoryReadingCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Show one session: its summary and charts of heart rate and coherence.",
        discussion: "--json prints the daemon's SESSION object, every beat included."
    )

    @OptionGroup var daemon: DaemonOptions
    @OptionGroup var historyFile: HistoryFileOptions

    @Argument(
        help: ArgumentHelp("A session id from `breathctl history`, or `last`.", valueName: "id|last"),
        completion: .custom(CompletionValues.sessionReferences))
    var session: SessionReference

    @Flag(help: "Print the SESSION object as the daemon sent it.")
    var json = false

    var wantsJSON: Bool { json }

    func run(with source: HistorySource) throws(CommandFailure) {
        let (recorded, line) = try source.session(session)
        StandardOutput.write(json ? line + "\n" : SessionText.render(recorded))
    }
}
