import BreathClient
import BreathProtocol

/// One `session` request on a fresh connection (or the history file when breathd is not
/// running): the stored record with every beat.
enum SessionFetch {
    static func fetch(_ reference: SessionReference, daemon: DaemonOptions, historyFile: HistoryFileOptions) throws(CommandFailure) -> SessionReply {
        let source = try HistorySource.open(daemon, historyFile)
        do {
            return try source.session(reference).session
        } catch where error.isErrorReply {
            // `report` names who refused, as it always has: "breathd: no session 5 in history".
            throw CommandFailure(message: "breathd: \(error.message)", exitCode: error.exitCode)
        }
    }
}
