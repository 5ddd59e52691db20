import BreathClient
import ArgumentParser
import BreathProtocol

extension SessionExport.Format: ExpressibleByArgument {}

struct ExportCommand: HistoryReadingCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every beat of a session with its metrics, as CSV or JSON.",
        discussion: """
            CSV columns: t_s (seconds since the session started), rr_ms, nn (1 normal, 0 artifact), \
            mean_hr_bpm, rmssd_ms, sdnn_ms, coherence_score, coherence_level, synchrony (breath-heart, \
            0-1), synchrony_phase_deg; a metric is empty until enough beats arrived. JSON: the session \
            record and its beats, pretty-printed.
            """
    )

    @OptionGroup var daemon: DaemonOptions
    @OptionGroup var historyFile: HistoryFileOptions

    @Argument(
        help: ArgumentHelp("A session id from `breathctl history`, or `last`.", valueName: "id|last"),
        completion: .custom(CompletionValues.sessionReferences))
    var session: SessionReference

    @Option(help: "csv or json.")
    var format: SessionExport.Format = .csv

    func run(with source: HistorySource) throws(CommandFailure) {
        let recorded = try source.session(session).session
        do {
            StandardOutput.write(try SessionExport.render(recorded, as: format))
        } catch {
            throw CommandFailure(message: "session \(recorded.session.id): cannot write JSON: \(error)")
        }
    }
}
