import Foundation

/// A session's beats with their metrics as CSV or JSON, as `breathctl export` writes them.
public enum SessionExport {
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
    /// New columns go at the end, so that scripts reading columns by position keep working.
    public static func csv(_ session: SessionReply) -> String {
        var lines = ["t_s,rr_ms,nn,mean_hr_bpm,rmssd_ms,sdnn_ms,coherence_score,coherence_level,synchrony,synchrony_phase_deg"]
        lines.reserveCapacity(session.beats.count + 1)
        func cell(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        for beat in session.beats {
            lines.append(
                [
                    String(beat.offsetSeconds), String(beat.rrMilliseconds), beat.isNN ? "1" : "0",
                    cell(beat.meanHeartRateBPM), cell(beat.rmssdMilliseconds), cell(beat.sdnnMilliseconds),
                    cell(beat.coherenceScore), beat.coherenceLevel?.rawValue ?? "", cell(beat.synchrony),
                    cell(beat.synchronyPhaseDegrees),
                ].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `session` reply's object (session record and beats), pretty-printed.
    public static func json(_ session: SessionReply) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(session), as: UTF8.self) + "\n"
    }
}
