import BreathClient
import ArgumentParser
import BreathProtocol

extension SessionExport.Format: ExpressibleByArgument {}

struct ExportCommand: HistoryReadingCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every beat of a session with its metrics, as CSV or JSON.",
        discussion: """
            CSV columns: t_s (seconds since the session started, pauses excluded), rr_ms, nn (1 \
            normal, 0 artifact), mean_hr_bpm, rmssd_ms, sdnn_ms, coherence_score, coherence_level, \
            synchrony (breath-heart, 0-1), synchrony_phase_deg, hr_bpm (this beat's 60000/rr_ms), time \
            (the beat's local wall-clock time, ISO 8601 with the UTC offset), then the pacing in force \
            at the beat: rate_bpm, ratio, voice (a live `set` shows where they change, from the breath \
            it took effect at); a metric is empty until enough beats arrived. Figures are rounded to what the sensor resolves: t_s to the \
            millisecond, rr_ms to 0.1 ms, heart rates to 0.1 bpm. JSON: the session record and its \
            beats with the same names, and the changes themselves in pacing_changes, pretty-printed.
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
            StandardOutput.write(try SessionExport.render(recorded, as: format, utcOffset: LocalTime.utcOffsetSeconds))
        } catch {
            throw CommandFailure(message: "session \(recorded.session.id): cannot write JSON: \(error)")
        }
    }
}
