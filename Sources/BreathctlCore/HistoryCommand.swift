import BreathClient
import ArgumentParser
import BreathProtocol

struct HistoryCommand: HistoryReadingCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List past sessions, newest first.",
        discussion: """
            Times are local (TZ). HIGH is the time spent at high coherence and its share of the time \
            coherence was measured. --json prints the daemon's HISTORY object; --csv one row per session.
            """
    )

    @OptionGroup var daemon: DaemonOptions
    @OptionGroup var historyFile: HistoryFileOptions

    @Option(help: ArgumentHelp("How many sessions, 1-10000 (default: the daemon's, 20).", valueName: "count"))
    var limit: Int?

    @Flag(help: "Print the HISTORY object as the daemon sent it.")
    var json = false

    var wantsJSON: Bool { json }

    @Flag(help: "Print comma-separated values with a header line.")
    var csv = false

    func validate() throws {
        if let limit, !ArgumentLimits.historyLimit.contains(limit) {
            throw ValidationError("--limit must be between 1 and 10000 (got \(limit)).")
        }
        if json && csv { throw ValidationError("--json and --csv exclude each other.") }
    }

    func run(with source: HistorySource) throws(CommandFailure) {
        let (history, line) = try source.history(limit: limit)
        if json {
            StandardOutput.write(line + "\n")
        } else if csv {
            StandardOutput.write(HistoryText.csv(history.sessions))
        } else if history.sessions.isEmpty {
            StandardOutput.write("no sessions yet\n")
        } else {
            StandardOutput.write(HistoryText.table(history.sessions))
        }
    }
}
