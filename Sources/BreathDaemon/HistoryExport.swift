import BreathProtocol

/// A session's beats with their metrics as CSV or JSON; the formatting lives in BreathProtocol's
/// `SessionExport` so that `breathctl export` writes the same bytes.
public enum HistoryExport {
    public enum Format: String, Sendable, CaseIterable {
        case csv, json
    }

    public static func render(_ session: SessionReply, as format: Format) throws -> String {
        switch format {
        case .csv: csv(session)
        case .json: try json(session)
        }
    }

    /// One header line, then one line per beat; empty cells where a metric was not yet computed.
    public static func csv(_ session: SessionReply) -> String { SessionExport.csv(session) }

    /// The `session` reply's object (session record and beats), pretty-printed.
    public static func json(_ session: SessionReply) throws -> String { try SessionExport.json(session) }
}
