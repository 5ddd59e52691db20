import Foundation
import Pacer

/// A session's beats with their metrics as CSV or JSON, as `breathctl export` writes them.
///
/// Both formats come from one list of fields (`fields`), so a column and its JSON key always have
/// the same name (`t_s`, never `t`) and the same rounding. A new per-beat figure is a field
/// appended to the list (a CSV column at the end, so scripts reading columns by position keep
/// working); a list of its own is a key beside `beats` in `Document`. The live pacing changes are
/// such a list in JSON (`pacing_changes`); the CSV, one plain table, carries them as the pacing in
/// force at each beat (`rate_bpm`, `ratio`, `voice`), so a change shows where the column's value
/// changes and a spreadsheet or pandas can group beats by it.
public enum SessionExport {
    public enum Format: String, Sendable, CaseIterable {
        case csv, json
    }

    /// Seconds east of UTC in effect at an instant: the caller's time zone (breathctl passes the
    /// local one, as `history` prints local time), kept out of this module so it reads no
    /// environment.
    public typealias UTCOffset = @Sendable (Timestamp) -> Int

    public static let utc: UTCOffset = { _ in 0 }

    public static func render(_ session: SessionReply, as format: Format, utcOffset: @escaping UTCOffset = utc) throws -> String {
        switch format {
        case .csv: csv(session, utcOffset: utcOffset)
        case .json: try json(session, utcOffset: utcOffset)
        }
    }

    /// One header line, then one line per beat; empty cells where a metric was not yet computed.
    /// Numbers have exactly the decimals of their field, so the precision shows.
    public static func csv(_ session: SessionReply, utcOffset: @escaping UTCOffset = utc) -> String {
        var lines = [fields.map(\.name).joined(separator: ",")]
        lines.reserveCapacity(session.beats.count + 1)
        let context = Context(session, utcOffset: utcOffset)
        for beat in session.beats {
            lines.append(fields.map { $0.value(beat, context).csv }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The session record, its beats with the same fields as the CSV, the assessment's result
    /// when it was one and the live pacing changes; pretty-printed with sorted keys.
    public static func json(_ session: SessionReply, utcOffset: @escaping UTCOffset = utc) throws -> String {
        let context = Context(session, utcOffset: utcOffset)
        let document = Document(
            session: session.session, beats: session.beats.map { ExportedBeat(beat: $0, context: context) },
            assessment: session.assessment, pacingChanges: session.pacingChanges, pauses: session.pauses)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    // MARK: - The fields

    struct Context: Sendable {
        var startedAt: Timestamp
        var utcOffset: UTCOffset
        /// The session's settings and live changes, for the pacing in force at a beat.
        var session: SessionReply

        init(_ session: SessionReply, utcOffset: @escaping UTCOffset) {
            startedAt = session.session.startedAt
            self.utcOffset = utcOffset
            self.session = session
        }
    }

    enum Cell: Sendable {
        case number(Double, decimals: Int)
        case flag(Bool)
        case text(String)
        case empty

        var csv: String {
            switch self {
            case .number(let value, let decimals): FigureRounding.csv(value, decimals: decimals)
            case .flag(let value): value ? "1" : "0"
            case .text(let value): value
            case .empty: ""
            }
        }
    }

    struct Field: Sendable {
        var name: String
        var value: @Sendable (BeatRecord, Context) -> Cell
    }

    /// Each figure is rounded to the precision its measurement has (`FigureRounding.Decimals`
    /// says why); `time` is the wall clock of the beat in ISO 8601 with its UTC offset, to the
    /// millisecond.
    private typealias D = FigureRounding.Decimals

    static let fields: [Field] = [
        Field(name: "t_s") { beat, _ in number(beat.offsetSeconds, decimals: D.seconds) },
        Field(name: "rr_ms") { beat, _ in number(beat.rrMilliseconds, decimals: D.rrMilliseconds) },
        Field(name: "nn") { beat, _ in .flag(beat.isNN) },
        Field(name: "mean_hr_bpm") { beat, _ in number(beat.meanHeartRateBPM, decimals: D.heartRateBPM) },
        Field(name: "rmssd_ms") { beat, _ in number(beat.rmssdMilliseconds, decimals: D.milliseconds) },
        Field(name: "sdnn_ms") { beat, _ in number(beat.sdnnMilliseconds, decimals: D.milliseconds) },
        Field(name: "coherence_score") { beat, _ in number(beat.coherenceScore, decimals: D.score) },
        Field(name: "coherence_level") { beat, _ in beat.coherenceLevel.map { .text($0.rawValue) } ?? .empty },
        Field(name: "synchrony") { beat, _ in number(beat.synchrony, decimals: D.score) },
        Field(name: "synchrony_phase_deg") { beat, _ in number(beat.synchronyPhaseDegrees, decimals: D.degrees) },
        // Added in issue 15, so at the end of the CSV.
        Field(name: "hr_bpm") { beat, _ in
            number(beat.rrMilliseconds > 0 ? 60_000 / beat.rrMilliseconds : nil, decimals: D.heartRateBPM)
        },
        Field(name: "time") { beat, context in .text(wallClock(of: beat, context)) },
        // The pacing in force at the beat: the session's settings, then each live change from the
        // breath it took effect at (PacingChange).
        Field(name: "rate_bpm") { beat, context in
            number(context.session.pacing(atOffsetSeconds: beat.offsetSeconds).rateBreathsPerMinute, decimals: D.breathsPerMinute)
        },
        Field(name: "ratio") { beat, context in .text(context.session.pacing(atOffsetSeconds: beat.offsetSeconds).ratio.description) },
        Field(name: "voice") { beat, context in .text(context.session.pacing(atOffsetSeconds: beat.offsetSeconds).voice.rawValue) },
    ]

    static func number(_ value: Double?, decimals: Int) -> Cell {
        guard let value, value.isFinite else { return .empty }
        return .number(FigureRounding.rounded(value, decimals: decimals), decimals: decimals)
    }

    /// The session's start plus the beat's session time (BeatRecord.offsetSeconds) plus the
    /// pauses before it.
    static func wallClock(of beat: BeatRecord, _ context: Context) -> String {
        let seconds = context.session.wallClockSeconds(atOffsetSeconds: beat.offsetSeconds)
        let time = Timestamp(unixMilliseconds: context.startedAt.unixMilliseconds + Int64((seconds * 1000).rounded()))
        return LocalISO8601.format(time, utcOffsetSeconds: context.utcOffset(time))
    }

    // MARK: - JSON

    struct Document: Encodable {
        var session: SessionRecord
        var beats: [ExportedBeat]
        var assessment: AssessmentResult?
        /// The live pacing changes, as in the `session` reply (an empty list for none).
        var pacingChanges: [PacingChange]
        /// The pauses, as in the `session` reply (an empty list for none).
        var pauses: [SessionPause]

        enum CodingKeys: String, CodingKey {
            case session, beats, assessment, pauses
            case pacingChanges = "pacing_changes"
        }
    }

    struct ExportedBeat: Encodable {
        var cells: [(name: String, cell: Cell)]

        init(beat: BeatRecord, context: Context) {
            cells = SessionExport.fields.map { ($0.name, $0.value(beat, context)) }
        }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        /// A metric not yet computed is left out, as the protocol leaves it out.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for (name, cell) in cells {
                let key = Key(stringValue: name)
                switch cell {
                case .number(let value, _): try container.encode(value, forKey: key)
                case .flag(let value): try container.encode(value, forKey: key)
                case .text(let value): try container.encode(value, forKey: key)
                case .empty: break
                }
            }
        }
    }
}

/// `2026-11-23T09:00:01.250+01:00`: ISO 8601 local time with its offset from UTC, by the same
/// civil-date arithmetic as `Timestamp`'s UTC form.
public enum LocalISO8601 {
    public static func format(_ time: Timestamp, utcOffsetSeconds: Int) -> String {
        let local = ISO8601Milliseconds.format(time.unixMilliseconds + Int64(utcOffsetSeconds) * 1000).dropLast()
        let minutes = abs(utcOffsetSeconds) / 60
        let hours = String(minutes / 60), rest = String(minutes % 60)
        return local + (utcOffsetSeconds < 0 ? "-" : "+")
            + String(repeating: "0", count: 2 - hours.count) + hours + ":"
            + String(repeating: "0", count: 2 - rest.count) + rest
    }
}
